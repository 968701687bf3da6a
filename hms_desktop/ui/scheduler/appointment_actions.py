"""The Scheduler's appointment actions: confirm, check in, start, complete, no-show, move (from
the toolbar or by dragging a card), cancel, reject and history. A mixin of SchedulerTab: it uses
the tab's ``selected_appointment()``, ``reload_grid()``, ``_open()`` and services."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from ...services.errors import ConflictError
from ...services.scheduling import AppointmentRecord, VisitAction, allowed_actions
from ..common.messages import confirm, show_error
from .appointment_dialogs import HistoryDialog, ReasonDialog, RescheduleDialog
from .day_grid_model import DropTarget


class AppointmentActionsMixin:
    """What can be done to the selected appointment (SchedulerTab)."""

    _scheduling: Any
    _runner: Any
    _user: Any
    _selected_id: int | None
    dialogs: list[Any]
    last_message: QMessageBox | None
    move_box: QMessageBox | None

    # --- appointment actions -----------------------------------------------------------------

    def _transition(self, method: Any, done: str) -> None:
        appt = self.selected_appointment()
        if appt is None:
            return
        self._runner.submit(
            method, appt.id, expected_version=appt.version,
            on_done=lambda record: self._changed(record, done), on_error=self._action_failed, context=self,
        )

    def confirm_selected(self) -> None:
        self._transition(self._visits.confirm, "Confirmed")

    def check_in_selected(self) -> None:
        self._transition(self._visits.check_in, "Checked in")

    def start_visit_selected(self) -> None:
        self._transition(self._visits.start_visit, "Visit started for")

    def complete_selected(self) -> None:
        self._transition(self._visits.complete, "Completed the visit of")

    def no_show_selected(self) -> None:
        self._transition(self._visits.mark_no_show, "Marked as no-show:")

    def _changed(self, record: AppointmentRecord, done: str) -> None:
        self._selected_id = record.id
        token = f" — token {record.token}" if record.status == "checked_in" and record.token is not None else ""
        self.status_message.emit(f"{done} {record.patient_name} ({record.local_start:%H:%M}){token}")
        self.reload_grid()

    def _action_failed(self, exc: Exception) -> None:
        self.last_message = show_error(self, exc)
        if isinstance(exc, ConflictError):
            self.reload_grid()  # show the appointment as it is now

    def reschedule_selected(self) -> RescheduleDialog | None:
        appt = self.selected_appointment()
        if appt is None:
            return None
        dialog = RescheduleDialog(self._scheduling, self._runner, appt, self._bookable_doctors(), parent=self)
        dialog.moved.connect(lambda record: self._changed(record, "Moved"))
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
            self._runner.submit(
                scheduling.reschedule, appt.id, target.starts_at, doctor_id=target.doctor_id,
                expected_version=appt.version,
                on_done=lambda record: self._changed(record, "Moved"), on_error=self._action_failed, context=self,
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
        dialog.completed.connect(lambda record: self._changed(record, "Cancelled"))
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
        dialog.completed.connect(lambda record: self._changed(record, "Rejected"))
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

    @property
    def history_dialog(self) -> HistoryDialog | None:
        return next((d for d in reversed(self.dialogs) if isinstance(d, HistoryDialog)), None)
