"""Python's cyclic garbage collector runs on whichever thread happens to be allocating. If that is
the worker or the live-update thread and the garbage holds a Qt object, Qt frees it on the wrong
thread and the process crashes. So automatic collection is switched off and done here instead, on
the GUI thread, at the same thresholds Python itself would use."""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                return
