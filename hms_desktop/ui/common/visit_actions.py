"""Running a visit action (confirm, check in, start, complete, no-show, reject, cancel, move) on one
appointment, shared by the Scheduler and the Queues tab so that both say the same thing when it
works and handle a refusal the same way.

The tab keeps what is its own: which appointment is selected, how it shows a "done" line (status
bar or notice) and how it reloads. This class owns the call, the wording and the error handling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from ...services.errors import ConflictError
from ...services.scheduling import AppointmentRecord, VisitAction
from .messages import show_error
from .worker import TaskRunner


def done_message(action: VisitAction, record: AppointmentRecord) -> str:
    """The one line both tabs show after an action went through."""
    name, at = record.patient_name, f"{record.local_start:%H:%M}"
    token = f", token {record.token}" if record.token is not None else ""
    texts = {
        VisitAction.CONFIRM: f"Confirmed the {at} appointment of {name}.",
        VisitAction.CHECK_IN: f"Checked in {name} ({at}{token}).",
        VisitAction.START: f"Started the visit with {name}.",
        VisitAction.COMPLETE: f"Completed the visit with {name}.",
        VisitAction.NO_SHOW: f"Marked {name} ({at}) as a no-show.",
        VisitAction.REJECT: f"Rejected the {at} appointment of {name}.",
        VisitAction.CANCEL: f"Cancelled the appointment of {name}; the time is free again.",
        VisitAction.MOVE: f"Moved {name} to {record.local_start:%a %d %b %H:%M}.",
    }
    return texts[action]


class VisitActions:
    """One tab's way into the visit service.

    ``on_done(record, text)`` shows the result. On a refusal the plain-words message is shown here
    (it does not block), then ``on_failed(exc, current, box)`` brings the tab up to date (``current``
    is the appointment as the other desk left it, after a stale-version refusal). ``on_busy(flag)``
    lets a tab lock its buttons while a call is running."""

    def __init__(
        self,
        widget: QWidget,
        runner: TaskRunner,
        visits: Any,
        *,
        on_done: Callable[[AppointmentRecord, str], None],
        on_failed: Callable[[Exception, AppointmentRecord | None, QMessageBox], None],
        on_busy: Callable[[bool], None] | None = None,
    ) -> None:
        self._widget = widget
        self._runner = runner
        self._visits = visits
        self._on_done = on_done
        self._on_failed = on_failed
        self._on_busy = on_busy or (lambda _busy: None)
        #: The last error box shown (tests read it; the tab keeps no copy of its own).
        self.last_message: QMessageBox | None = None

    def _method(self, action: VisitAction) -> Callable[..., AppointmentRecord]:
        v = self._visits
        methods: dict[VisitAction, Callable[..., AppointmentRecord]] = {
            VisitAction.CONFIRM: v.confirm, VisitAction.CHECK_IN: v.check_in, VisitAction.START: v.start_visit,
            VisitAction.COMPLETE: v.complete, VisitAction.NO_SHOW: v.mark_no_show, VisitAction.REJECT: v.reject,
        }
        return methods[action]

    def run(self, action: VisitAction, record: AppointmentRecord, *args: Any) -> None:
        """Ask the service to do ``action`` to ``record`` (at the version the desk saw). The service
        checks the visit rules again and refuses in plain words if they no longer allow it."""
        self.submit(self._method(action), record.id, *args, expected_version=record.version,
                    on_done=lambda result: self.finished(action, result))

    def submit(self, fn: Callable[..., Any], *args: Any, on_done: Callable[[Any], None], **kwargs: Any) -> None:
        """Any other visit call (call next, a drag-and-drop move) with the same busy and error handling."""
        self._on_busy(True)

        def done(result: Any) -> None:
            self._on_busy(False)
            on_done(result)

        self._runner.submit(fn, *args, on_done=done, on_error=self.failed, context=self._widget, **kwargs)

    def finished(self, action: VisitAction, record: AppointmentRecord) -> None:
        """An action went through (here, or in a dialog that ran it): tell the tab, in the shared words."""
        self._on_done(record, done_message(action, record))

    def failed(self, exc: Exception) -> None:
        self._on_busy(False)
        current = exc.current if isinstance(exc, ConflictError) and isinstance(exc.current, AppointmentRecord) else None
        self.last_message = show_error(self._widget, exc)
        self._on_failed(exc, current, self.last_message)
