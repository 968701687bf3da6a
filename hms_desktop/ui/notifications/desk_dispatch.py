"""The outbox sent from an open desk: a round of ``NotificationDispatcher.run_once`` every 30 s (and
once shortly after sign-in) on whichever desk holds the dispatch lock
(services/notifications/dispatch_lock.py), so a clinic needs no ``hms notify run`` while a desk is open.

Rounds run on a worker thread of their own: a mail server that does not answer holds a round for its
timeout per message, and that must not hold up the desk's searches and bookings on the shared worker.
A failed round is logged, never shown: a mail server being down is normal, and each message's failure
is kept in the outbox for an administrator. The lock goes when the desk is locked for idleness or
the session ends, so a desk nobody is at never keeps the others from sending.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer

from ...services.notifications import NotificationDispatcher
from ...services.notifications.dispatch_lock import DispatchLock, try_dispatch_round
from ..common.worker import TaskRunner

log = logging.getLogger(__name__)

ROUND_MS = 30_000
FIRST_ROUND_MS = 10_000
ROUND_LIMIT = 50  # messages per round; a full round is followed by another at once

_runner: TaskRunner | None = None


def dispatch_runner() -> TaskRunner:
    """The one worker that sends, for the app's whole life (stopped at exit, like every worker)."""
    global _runner
    if _runner is None:
        _runner = TaskRunner()
    return _runner


class DeskDispatch(QObject):
    def __init__(self, services, parent: QObject | None = None, *, runner: TaskRunner | None = None,  # type: ignore[no-untyped-def]
                 first_round_ms: int | None = None, round_ms: int | None = None) -> None:
        super().__init__(parent)
        self._runner = runner or dispatch_runner()
        self._lock = DispatchLock(services.db)
        self._dispatcher = NotificationDispatcher(services.units)
        self._first_round_ms = FIRST_ROUND_MS if first_round_ms is None else first_round_ms
        self.timer = QTimer(self, interval=ROUND_MS if round_ms is None else round_ms)
        self.timer.timeout.connect(self.send_round)
        self._running = False

    def start(self) -> None:
        self._running = True
        self.timer.start()
        QTimer.singleShot(self._first_round_ms, self, self.send_round)

    def stop(self) -> None:
        """No more rounds, and the lock given up (after a round in progress, on the same worker)."""
        self._running = False
        self.timer.stop()
        self._runner.submit(self._lock.close, key="desk-dispatch-close",
                            on_error=lambda exc: log.info("Dispatch lock: %s", exc))

    def locked_changed(self, locked: bool) -> None:
        """The idle lock: a locked desk stops sending and lets another desk take over."""
        if locked:
            self.stop()
        else:
            self.start()

    def send_round(self) -> None:
        if not self._running:
            return
        self._runner.submit(try_dispatch_round, self._lock, self._dispatcher, ROUND_LIMIT, key="desk-dispatch",
                            on_done=self._round_done, on_error=self._round_failed, context=self)

    def _round_done(self, summary) -> None:  # type: ignore[no-untyped-def] - DispatchSummary | None
        if summary is None:
            return  # another desk is the dispatcher
        if summary.handled:
            log.info("Outbox from this desk: %s", summary)
        if summary.handled >= ROUND_LIMIT:
            self.send_round()

    def _round_failed(self, exc: Exception) -> None:
        log.warning("Outbox round from this desk did not run: %s", exc)
