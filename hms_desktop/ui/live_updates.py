"""Live refresh: schedule changes made at other workstations, delivered on the GUI thread.

A dedicated thread waits on the service's change feed (PostgreSQL LISTEN/NOTIFY, or SQLite's cheap
``data_version`` check) so the worker thread stays free for the desk's own calls. Widgets connect to
``changed`` and reload only what they show.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal

from ..services.change_feed import ChangeFeed, ScheduleChange

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
RETRY_SECONDS = 3.0


class _FeedThread(QThread):
    changes = Signal(list)
    failed = Signal(str)

    def __init__(self, open_feed: Callable[[], ChangeFeed], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._open_feed = open_feed

    def run(self) -> None:
        feed: ChangeFeed | None = None
        while not self.isInterruptionRequested():
            try:
                if feed is None:
                    feed = self._open_feed()
                found = feed.poll(POLL_SECONDS)
            except Exception as exc:  # noqa: BLE001 - the server may be gone; keep trying quietly
                log.warning("Live updates paused: %s", exc)
                self.failed.emit(str(exc))
                if feed is not None:
                    try:
                        feed.close()
                    except Exception:  # noqa: BLE001
                        pass
                    feed = None
                self.msleep(int(RETRY_SECONDS * 1000))
                if not self.isInterruptionRequested():
                    self.changes.emit([ScheduleChange("resync")])
                continue
            if found:
                self.changes.emit(found)
        if feed is not None:
            feed.close()


class ScheduleWatcher(QObject):
    """``changed(list[ScheduleChange])`` fires on the GUI thread within about half a second of a
    commit elsewhere (or here)."""

    changed = Signal(list)

    def __init__(self, open_feed: Callable[[], ChangeFeed], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _FeedThread(open_feed)
        self._thread.changes.connect(self.changed)

    def start(self) -> None:
        if not self._thread.isRunning():
            self._thread.start()

    def stop(self) -> None:
        self._thread.requestInterruption()
        self._thread.wait(5000)
