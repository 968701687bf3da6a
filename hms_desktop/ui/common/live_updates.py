"""Live refresh: changes committed at any workstation, delivered on the GUI thread.

A dedicated thread waits on the service's change feed (PostgreSQL LISTEN/NOTIFY, or SQLite's cheap
``data_version`` check) so the worker thread stays free for the desk's own calls. Widgets connect to
``changed`` and reload only what they show.

When the database cannot be reached the thread backs off (1 s, doubling to 15 s, with jitter so
that a room of desks does not knock in step), logs the outage once and its end once, and starts
again with a ``resync`` as soon as a reconnect succeeds. ``wake()`` makes it try at once, for when
the desk's own calls find the database back before the next attempt is due.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from ...services.change_feed import RESYNC, Change, ChangeFeed

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
FIRST_RETRY_SECONDS = 1.0
LONGEST_RETRY_SECONDS = 15.0


def retry_delay(failures: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after ``failures`` failed attempts in a row: 1, 2, 4, 8, then 15, each
    spread by up to a fifth either way."""
    base = min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, failures - 1))
    return base * (rng or random).uniform(0.8, 1.2)


class _FeedThread(QThread):
    changes = Signal(list)
    # One Python tuple (reachable, reason): see worker.py on PySide and bool arguments.
    availability = Signal(object)

    def __init__(self, open_feed: Callable[[], ChangeFeed], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_feed = open_feed
        self._wake = threading.Event()
        self.attempts = 0  # connection attempts made, counted for tests and the log

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self.requestInterruption()
        self._wake.set()

    def run(self) -> None:
        feed: ChangeFeed | None = None
        failures = 0
        while not self.isInterruptionRequested():
            try:
                if feed is None:
                    self.attempts += 1
                    feed = self._open_feed()
                    if failures:
                        log.warning("Live updates are back after %d failed attempt(s)", failures)
                        self.availability.emit((True, ""))
                        self.changes.emit([RESYNC])  # notices may have been missed meanwhile
                    failures = 0
                found = feed.poll(POLL_SECONDS)
            except Exception as exc:  # noqa: BLE001 - the server may be gone; keep trying, quietly
                if feed is not None:
                    try:
                        feed.close()
                    except Exception:  # noqa: BLE001
                        pass
                    feed = None
                failures += 1
                if failures == 1:
                    log.warning("Live updates paused, the database cannot be reached: %s", exc)
                    self.availability.emit((False, str(exc)))
                self._wake.clear()
                self._wake.wait(retry_delay(failures))
                continue
            if found:
                self.changes.emit(found)
        if feed is not None:
            feed.close()


class ChangeWatcher(QObject):
    """``changed(list[Change])`` fires on the GUI thread within about half a second of a commit
    elsewhere (or here); ``availability(reachable: bool, reason: str)`` when the feed loses or
    regains the database."""

    changed = Signal(list)
    availability = Signal(object)

    def __init__(self, open_feed: Callable[[], ChangeFeed], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _FeedThread(open_feed)
        self._thread.changes.connect(self.changed)
        self._thread.availability.connect(self.availability)

    @property
    def attempts(self) -> int:
        return self._thread.attempts

    def start(self) -> None:
        if not self._thread.isRunning():
            self._thread.start()

    def wake(self) -> None:
        """Try to reach the database now rather than when the back-off says."""
        self._thread.wake()

    def stop(self) -> None:
        self._thread.stop()
        self._thread.wait(5000)


# The Scheduler's name for it, from when the feed carried only schedule changes.
ScheduleWatcher = ChangeWatcher

__all__ = ["ChangeWatcher", "ScheduleWatcher", "retry_delay", "Change"]
