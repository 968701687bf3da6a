"""The Scheduler's appointment actions: confirm, check in, start, complete, no-show, move (from
the toolbar or by dragging a card), cancel, reject and history. A mixin of SchedulerTab: it uses
the tab's ``selected_appointment()``, ``reload_grid()``, ``_open()`` and services. The calls, the
"done" wording and the error handling are the shared ones of ``ui/common/visit_actions.py``
(the Queues tab uses them too)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from ...services.billing.invoices import BILLABLE_VISIT
from ...services.errors import ConflictError
from ...services.scheduling import AppointmentRecord, VisitAction, allowed_actions
from ..clinical.visit_opening import VISIT_RECORD_STATUSES
from ..common.messages import confirm
from ..common.visit_actions import VisitActions
from .appointment_dialogs import HistoryDialog, ReasonDialog, RescheduleDialog
from .day_grid_model import DropTarget


class AppointmentActionsMixin:
    """What can be done to the selected appointment (SchedulerTab)."""

    _scheduling: Any
    _runner: Any
    _user: Any
    _selected_id: int | None
    visit_actions: VisitActions
    bill_action: QAction
    visit_record_action: QAction
    dialogs: list[Any]
    last_message: QMessageBox | None
    move_box: QMessageBox | None

    # --- appointment actions -----------------------------------------------------------------

    def _make_visit_actions(self) -> VisitActions:
        return VisitActions(self, self._runner, self._visits, on_done=self._changed, on_failed=self._shown_failure)

    def _transition(self, action: VisitAction) -> None:
        appt = self.selected_appointment()
        if appt is not None:
            self.visit_actions.run(action, appt)

    def confirm_selected(self) -> None:
        self._transition(VisitAction.CONFIRM)

    def check_in_selected(self) -> None:
        self._transition(VisitAction.CHECK_IN)

    def start_visit_selected(self) -> None:
        self._transition(VisitAction.START)

    def complete_selected(self) -> None:
        self._transition(VisitAction.COMPLETE)

    def no_show_selected(self) -> None:
        self._transition(VisitAction.NO_SHOW)

    def _changed(self, record: AppointmentRecord, text: str) -> None:
        self._selected_id = record.id
        self.status_message.emit(text)
        self.reload_grid()

    def _action_failed(self, exc: Exception) -> None:
        self.visit_actions.failed(exc)

    def _shown_failure(self, exc: Exception, _current: AppointmentRecord | None, box: QMessageBox) -> None:
        self.last_message = box
        if isinstance(exc, ConflictError):
            self.reload_grid()  # show the appointment as it is now

    def reschedule_selected(self) -> RescheduleDialog | None:
        appt = self.selected_appointment()
        if appt is None:
            return None
        dialog = RescheduleDialog(self._scheduling, self._runner, appt, self._bookable_doctors(), parent=self)
        dialog.moved.connect(lambda record: self.visit_actions.finished(VisitAction.MOVE, record))
        self._open(dialog)
        return dialog

    def _can_move(self, appt: AppointmentRecord) -> bool:
        """Reschedule (from the toolbar or by dragging the card): the service's rule, for those who book."""
        return VisitAction.MOVE in allowed_actions(self._user, appt, None)

    def _move_dropped(self, appt: AppointmentRecord, target: DropTarget) -> QMessageBox:
        """A card was dragged to free time: ask, then move it (the service checks everything again)."""
        same_day = target.starts_at.date() == appt.local_day
        when = f"{target.starts_at:%H:%M}" if same_day else f"{target.starts_at:%a %d %b %Y %H:%M}"
        doctor = "" if target.doctor_id == appt.doctor_id else f" with {target.doctor_name}"
        scheduling = self._scheduling

        def move() -> None:
            self.visit_actions.submit(
                scheduling.reschedule, appt.id, target.starts_at, doctor_id=target.doctor_id,
                expected_version=appt.version,
                on_done=lambda record: self.visit_actions.finished(VisitAction.MOVE, record),
            )

        self.move_box = confirm(
            self, title="Move appointment", name="moveConfirm", action="Move",
            text=f"Move {appt.patient_name} to {when}–{target.ends_at:%H:%M}{doctor}?",
            informative=f"Now: {appt.local_start:%a %d %b %Y %H:%M}–{appt.local_end:%H:%M} with {appt.doctor_name}. "
            "The move is kept in the appointment's history; please let the patient know.",
            on_yes=move,
        )
        return self.move_box

    def cancel_selected(self) -> ReasonDialog | None:
        appt = self.selected_appointment()
        if appt is None:
            return None
        visits = self._visits

        def cancel(reason: str, who: str) -> AppointmentRecord:
            return visits.cancel(appt.id, reason, by=who, expected_version=appt.version)

        dialog = ReasonDialog(
            self._runner, "Cancel appointment",
            f"Cancel {appt.patient_name}'s appointment on {appt.local_start:%a %d %b at %H:%M} with "
            f"{appt.doctor_name}? The time becomes free again.",
            cancel, ask_who=True, confirm_text="Cancel appointment", parent=self,
        )
        dialog.completed.connect(lambda record: self.visit_actions.finished(VisitAction.CANCEL, record))
        self._open(dialog)
        return dialog

    def reject_selected(self) -> ReasonDialog | None:
        appt = self.selected_appointment()
        if appt is None:
            return None
        visits = self._visits

        def reject(reason: str, _who: str) -> AppointmentRecord:
            return visits.reject(appt.id, reason, expected_version=appt.version)

        dialog = ReasonDialog(
            self._runner, "Reject appointment",
            f"Reject {appt.patient_name}'s appointment on {appt.local_start:%a %d %b at %H:%M}? "
            "The reason is kept in its history.",
            reject, confirm_text="Reject", parent=self,
        )
        dialog.completed.connect(lambda record: self.visit_actions.finished(VisitAction.REJECT, record))
        self._open(dialog)
        return dialog

    def history_selected(self) -> None:
        appt = self.selected_appointment()
        if appt is None:
            return
        self._runner.submit(
            self._scheduling.history, appt.id,
            on_done=lambda events, a=appt: self._open(HistoryDialog(a, events, parent=self)),
            on_error=self._action_failed, context=self,
        )

    # --- billing ------------------------------------------------------------------------------

    def _make_bill_action(self) -> QAction:
        """"Bill this visit…": hidden until the main window offers billing (users who may invoice)."""
        act = QAction("Bill this visit…", self)  # type: ignore[arg-type]
        act.setObjectName("billVisitAction")
        act.setToolTip("Open the invoice for this visit (checked in, with the doctor or completed)")
        act.setVisible(False)
        act.triggered.connect(self.bill_selected)
        self._bill: Any = None
        return act

    def offer_billing(self, callback: Any) -> None:
        """``callback(patient_id, appointment_id)`` opens the visit's invoice (``MainWindow.bill_visit``)."""
        self._bill = callback
        self.bill_action.setVisible(callback is not None)
        self._update_actions()

    def _can_bill(self, appt: AppointmentRecord | None) -> bool:
        return self._bill is not None and appt is not None and appt.status in BILLABLE_VISIT

    def bill_selected(self) -> None:
        appt = self.selected_appointment()
        if self._can_bill(appt):
            self._bill(appt.patient_id, appt.id)

    # --- the visit record -----------------------------------------------------------------------

    def _make_visit_record_action(self) -> QAction:
        """"Visit record…": hidden until the main window offers visit records (doctors and nurses)."""
        act = QAction("Visit &record…", self)  # type: ignore[arg-type]
        act.setObjectName("visitRecordAction")
        act.setToolTip("Notes, vitals, diagnoses and prescription of this visit (checked in, with the doctor or completed)")
        act.setVisible(False)
        act.triggered.connect(self.open_visit_record_selected)
        self._open_visit: Any = None
        return act

    def offer_visit_record(self, callback: Any) -> None:
        """``callback(appointment_id)`` opens the visit record (``MainWindow.visit_records.open``)."""
        self._open_visit = callback
        self.visit_record_action.setVisible(callback is not None)
        self._update_actions()

    def _can_open_visit(self, appt: AppointmentRecord | None) -> bool:
        return self._open_visit is not None and appt is not None and appt.status in VISIT_RECORD_STATUSES

    def open_visit_record_selected(self) -> None:
        appt = self.selected_appointment()
        if self._can_open_visit(appt):
            self._open_visit(appt.id)

    @property
    def history_dialog(self) -> HistoryDialog | None:
        return next((d for d in reversed(self.dialogs) if isinstance(d, HistoryDialog)), None)
