"""The Scheduler's part in the waiting list: its "Waiting list…" button and dialog, and opening the
day view at a freed slot (the bell's "a slot freed up" item)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from ...services.permissions import Permission
from .calendar_days import DAY
from .day_grid_model import CellKind, CellKindRole, DoctorIdRole
from .patient_finder import ChosenPatient
from .schedule_grid_view import ScheduleGridView
from .waiting_list_dialog import WaitingListDialog


class WaitingListMixin:
    """For SchedulerTab; the attributes below are the tab's."""

    _user: Any
    _runner: Any
    _patients: Any
    _waiting_list: Any
    _all_doctors: list[Any]
    _specialties: list[Any]
    _unchecked: set[int]
    _mode: str
    _today: date | None
    _day: date
    _pending_slot: tuple[int, datetime] | None
    waiting_dialog: WaitingListDialog | None
    day_model: Any
    day_view: Any
    day_button: Any
    week_button: Any
    week_doctor: Any
    stack: Any
    selected_label: Any
    status_message: Any

    def _build_waiting_button(self) -> None:
        # In the left panel, under Today / Day / Week: the top row has no width to spare on a small screen.
        self.waiting_button = QPushButton("Waiting list…", objectName="openWaitingList")
        self.waiting_button.setToolTip("Patients waiting for a time; the bell says when a slot they want frees up")
        self.waiting_button.clicked.connect(lambda _checked: self.open_waiting_list())
        self.waiting_button.setVisible(self._user.can(Permission.WAITLIST_VIEW))

    def show_slot(self, doctor_id: int, starts_at: datetime) -> None:
        """The day view on one doctor's time (a bell item's freed slot; ``starts_at`` in the clinic's
        zone), the doctor ticked in the list, the cell selected once the grid has loaded."""
        self._pending_slot = (doctor_id, starts_at)
        if doctor_id in self._unchecked:
            self._unchecked.discard(doctor_id)
            self._fill_doctor_list()
        if self._mode != DAY:
            self._mode = DAY
            self.day_button.setChecked(True)
            self.week_button.setChecked(False)
            self.week_doctor.hide()
            self.stack.setCurrentWidget(self.day_view)
        self.show_day(starts_at.date())

    def _select_slot(self, doctor_id: int, starts_at: datetime) -> None:
        model = self.day_model
        column = next((c for c in range(model.columnCount()) if (col := model.column(c)) and col.doctor_id == doctor_id),
                      None)
        if column is None:
            return
        index = model.index_at(column, starts_at.time())
        if index.isValid():
            self._pending_slot = None
            self.day_view.setCurrentIndex(index)
            self.day_view.scrollTo(index, ScheduleGridView.ScrollHint.PositionAtCenter)
            self.day_view.setFocus()
            name = model.column(column).doctor_name  # type: ignore[union-attr]
            free = index.data(CellKindRole) == CellKind.FREE
            t = f"{starts_at:%H:%M}"
            full = (f"Freed slot: {name} at {t} — press Enter to book it" if free
                    else f"{name} at {t} was booked again meanwhile")
            # Shown where a selected appointment is described (the next selection replaces it), in
            # the longest words that fit there (a narrow screen leaves that corner little room),
            # and in full on the status bar.
            shorter = ([full, f"Freed slot {t} — Enter books it", f"Freed slot {t}", f"Freed {t}"] if free
                       else [full, f"{t} booked meanwhile", f"{t} taken"])
            metrics, room = self.selected_label.fontMetrics(), self.selected_label.width()
            self.selected_label.setText(next((w for w in shorter if metrics.horizontalAdvance(w) <= room), shorter[-1]))
            self.selected_label.setToolTip(full)
            self.status_message.emit(full)

    def waiting_list_for(self, patient: Any) -> WaitingListDialog | None:
        """The patient record's "Add to waiting list…": the waiting list with this patient chosen
        (once the tab has its doctors; a PatientRecord or PatientSummary)."""
        if self._today is None:
            self._pending_waiting = patient
            self.refresh()  # type: ignore[attr-defined]
            return None
        if self.waiting_dialog is not None:
            self.waiting_dialog.close()
        return self.open_waiting_list(ChosenPatient.of(patient))

    def _open_pending_waiting(self) -> None:
        """After the doctors loaded: the waiting list the patient record asked for, if any."""
        patient, self._pending_waiting = getattr(self, "_pending_waiting", None), None
        if patient is not None:
            self.waiting_list_for(patient)

    def open_waiting_list(self, patient: ChosenPatient | None = None) -> WaitingListDialog:
        """The waiting list (non-modal), for the doctor whose column is selected, else everyone."""
        if self.waiting_dialog is not None:
            self.waiting_dialog.raise_()
            self.waiting_dialog.activateWindow()
            return self.waiting_dialog
        index = self.current_view().currentIndex()  # type: ignore[attr-defined]
        doctor_id = index.data(DoctorIdRole) if index.isValid() and patient is None else None
        dialog = WaitingListDialog(self._waiting_list, self._patients, self._runner, self._user,
                                   [d for d in self._all_doctors if d.bookable], list(self._specialties),
                                   self._today or self._day, doctor_id, parent=self, patient=patient)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: setattr(self, "waiting_dialog", None))
        self.waiting_dialog = dialog
        dialog.show()
        return dialog

