"""The Scheduler's booking: the booking dialog for a slot, "find the next free time" (Ctrl+G, and
the patient record's Book), walk-ins, and what the tab does once one of them has booked."""

from __future__ import annotations

from datetime import date
from typing import Any

from ...services.patients import PatientRecord, PatientSummary
from ...services.permissions import Permission
from ...services.scheduling import AppointmentRecord, Slot, WalkIn
from ..common.messages import show_info
from .booking_dialog import BookingDialog, WalkInDialog, walk_in_text
from .calendar_days import WEEK
from .day_grid_model import DoctorIdRole
from .next_free_dialog import NextFreeDialog


class BookingActionsMixin:
    """For SchedulerTab; the attributes below are the tab's."""

    _user: Any
    _runner: Any
    _scheduling: Any
    _patients: Any
    _balance_load: Any
    _all_doctors: list[Any]
    _specialties: list[Any]
    _unchecked: set[int]
    _mode: str
    _today: date | None
    _selected_id: int | None
    _booking_for: Any
    _pending_patient: Any
    _pending_find: bool
    dialogs: list[Any]
    specialty: Any
    week_doctor: Any
    slip_printer: Any
    status_message: Any
    last_message: Any

    def book_for_patient(self, patient: PatientRecord | PatientSummary) -> NextFreeDialog | None:
        """Book for this patient (the patient record's "Book" action): find the next free time
        with a doctor; the booking dialog then opens with the patient already chosen."""
        if not self._user.can(Permission.SCHEDULE_BOOK):
            self.status_message.emit("Your role cannot book appointments.")
            return None
        if self._today is None:
            # The doctors are not loaded yet (the tab was never shown): open once they are.
            self._pending_patient = patient
            self.refresh()
            return None
        dialog = self.find_next_free()
        dialog.setWindowTitle(f"Find the next free time for {patient.full_name}")
        dialog.doctor.select(getattr(patient, "primary_doctor_id", None))  # the primary doctor first, if any
        self._booking_for = patient
        return dialog

    def book_slot(self, slot: Slot | None, patient: PatientRecord | PatientSummary | None = None) -> BookingDialog | None:
        if slot is None:
            return None
        if not self._user.can(Permission.SCHEDULE_BOOK):
            self.status_message.emit("Your role cannot book appointments.")
            return None
        dialog = BookingDialog(
            self._scheduling, self._patients, self._runner, slot, today=self._today,
            can_register=self._user.can(Permission.PATIENT_REGISTER), patient=patient, parent=self,
        )
        if self._balance_load is not None:
            dialog.offer_balance(self._balance_load)
        dialog.booked.connect(lambda record, d=dialog: self._booked(record, slip=d.slip_after))
        dialog.walked_in.connect(lambda result, d=dialog: self._walked_in(result, quiet=d.slip_after, slip=d.slip_after))
        self._open(dialog)
        return dialog

    def find_next_free_soon(self) -> None:
        """Ctrl+G from any tab: the main window shows this tab, which may not have its doctors yet."""
        if self._today is None:
            self._pending_find = True
            self.refresh()
            return
        self.find_next_free()

    def find_next_free(self) -> NextFreeDialog:
        self._booking_for = None
        dialog = NextFreeDialog(
            self._scheduling, self._runner, self._specialties, self._all_doctors,
            specialty_id=self.specialty.currentData(), parent=self,
        )
        dialog.chosen.connect(self._book_found_slot)
        self._open(dialog)
        return dialog

    def _book_found_slot(self, slot: Slot) -> None:
        # Show the day and doctor the slot is on, so the booking lands where the eye already is.
        if slot.doctor_id in self._unchecked:
            self._unchecked.discard(slot.doctor_id)
            self._fill_doctor_list()
        patient, self._booking_for = self._booking_for, None
        self.show_day(slot.day)
        self.book_slot(slot, patient)

    @property
    def next_free_dialog(self) -> NextFreeDialog | None:
        return next((d for d in reversed(self.dialogs) if isinstance(d, NextFreeDialog)), None)

    @property
    def booking_dialog(self) -> BookingDialog | None:
        return next((d for d in reversed(self.dialogs) if isinstance(d, BookingDialog)), None)

    def _booked(self, record: AppointmentRecord, slip: bool = False) -> None:
        self._selected_id = record.id
        if slip:  # "Book and save slip": the save dialog opens in the documents folder
            self.slip_printer.save_as_pdf(record)
        self.status_message.emit(
            f"Booked {record.patient_name} with {record.doctor_name} on {record.local_start:%a %d %b %H:%M}"
        )
        self.reload_grid()

    def add_walk_in(self) -> WalkInDialog | None:
        if not self._user.can(Permission.SCHEDULE_BOOK):
            return None
        index = self.current_view().currentIndex()
        doctor_id = index.data(DoctorIdRole) if index.isValid() else None
        if doctor_id is None and self._mode == WEEK:
            doctor_id = self.week_doctor.currentData()
        dialog = WalkInDialog(
            self._scheduling, self._patients, self._runner, self._bookable_doctors(), doctor_id=doctor_id,
            can_register=self._user.can(Permission.PATIENT_REGISTER), parent=self,
        )
        dialog.walked_in.connect(lambda result: self._walked_in(result, quiet=True))
        self._open(dialog)
        return dialog

    @property
    def walk_in_dialog(self) -> WalkInDialog | None:
        return next((d for d in reversed(self.dialogs) if isinstance(d, WalkInDialog)), None)

    def _walked_in(self, result: WalkIn, quiet: bool = False, slip: bool = False) -> None:
        self._selected_id = result.appointment.id
        if slip:
            self.slip_printer.save_as_pdf(result.appointment)
        self.status_message.emit(walk_in_text(result))
        if not quiet:
            self.last_message = show_info(self, f"Walk-in: token {result.token}", walk_in_text(result))
        self.reload_grid()
