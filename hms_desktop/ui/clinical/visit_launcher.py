"""Opens visit records for the main window: the Today/Queues list and the Scheduler hand over an
appointment, the visit is opened on the worker and shown in its own (non-blocking) window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from ...services.identity import CurrentUser
from ..common.messages import show_error
from ..common.worker import TaskRunner
from .visit_dialog import VisitDialog
from .visit_live_refresh import VisitLiveRefresh
from .visit_opening import open_visit, read_visit


class VisitLauncher(QObject):
    opened = Signal(object)  # the VisitDialog

    def __init__(self, services: Any, runner: TaskRunner, user: CurrentUser, parent: QWidget,
                 watcher: Any = None) -> None:
        super().__init__(parent)
        self._watcher = watcher  # the window's change feed: an open visit follows other desks' changes
        self._services = services
        self._runner = runner
        self._user = user
        self._parent = parent
        self.dialogs: list[VisitDialog] = []

    def open(self, appointment_id: int) -> None:
        """The visit of a checked-in, in-progress or completed appointment (Today, Queues, Scheduler)."""
        if not self._raise(lambda d: d.visit.appointment_id == appointment_id):
            self._runner.submit(open_visit, self._services, appointment_id, on_done=self._show,
                                on_error=lambda exc: show_error(self._parent, exc), context=self._parent,
                                key=f"open-visit-{appointment_id}")

    def open_visit(self, visit_id: int) -> None:
        """A visit picked in the patient's clinical history."""
        if not self._raise(lambda d: d.visit.id == visit_id):
            self._runner.submit(read_visit, self._services, visit_id, on_done=self._show,
                                on_error=lambda exc: show_error(self._parent, exc), context=self._parent,
                                key=f"read-visit-{visit_id}")

    def _raise(self, wanted: Callable[[VisitDialog], bool]) -> bool:
        """Already open: bring it forward rather than open it twice."""
        for dialog in self.dialogs:
            if wanted(dialog):
                dialog.raise_()
                dialog.activateWindow()
                return True
        return False

    def _show(self, opened: Any) -> None:
        dialog = VisitDialog(self._services, self._runner, self._user, opened, parent=self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        if self._watcher is not None:
            dialog.live = VisitLiveRefresh(dialog, self._services, self._runner, self._watcher)
        dialog.show()
        self.opened.emit(dialog)
