"""Small dialogs for one selected appointment: move it, cancel or reject it with a reason, read its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...services.doctors import DoctorRecord
from ...services.errors import HmsError
from ...services.scheduling import (
    AppointmentEventRecord,
    AppointmentRecord,
    SchedulingService,
    Slot,
    SlotTaken,
)
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner
from .booking_dialog import SuggestionRole, slot_text
from .grid_style import STATUS_LABELS


class RescheduleDialog(QDialog):
    """Pick a new free slot (any day, any bookable doctor) for a requested or confirmed appointment."""

    moved = Signal(object)  # AppointmentRecord

    def __init__(
        self,
        scheduling: SchedulingService,
        runner: TaskRunner,
        appointment: AppointmentRecord,
        doctors: list[DoctorRecord],
        *,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._scheduling = scheduling
        self._runner = runner
        self.appointment = appointment
        self._generation = 0
        self.setWindowTitle("Reschedule appointment")
        self.setMinimumWidth(520)
        self.errors = FieldErrors()

        a = appointment
        heading = QLabel(f"Move {a.patient_name}", objectName="heading")
        now = QLabel(f"Now: {a.local_start:%a %d %b %Y %H:%M}–{a.local_end:%H:%M} with {a.doctor_name}", objectName="subtle")
        self.banner = banner_label()
        self.day = QDateEdit(objectName="rescheduleDay")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.day.setDate(QDate(a.local_day.year, a.local_day.month, a.local_day.day))
        self.doctor = QComboBox(objectName="rescheduleDoctor")
        for d in doctors:
            self.doctor.addItem(d.full_name, d.id)
        if self.doctor.findData(a.doctor_id) < 0:
            self.doctor.addItem(a.doctor_name, a.doctor_id)
        self.doctor.setCurrentIndex(self.doctor.findData(a.doctor_id))
        self.slots = QListWidget(objectName="rescheduleSlots")
        self.slots.setMinimumHeight(180)
        self.slots_hint = QLabel(objectName="subtle")
        self.reason = QLineEdit(objectName="rescheduleReason")
        self.reason.setPlaceholderText("Optional: why it moves (kept in the history)")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("&Day", self.day)
        form.addRow("D&octor", self.doctor)
        form.addRow("&Free times", self.slots)
        form.addRow("", self.slots_hint)
        form.addRow("&Reason", self.reason)
        form.addRow("", self.errors.add("reason", self.reason))

        self.move_button = QPushButton("Move here", objectName="primary")
        self.move_button.setAutoDefault(False)
        self.move_button.setEnabled(False)
        self.move_button.clicked.connect(self.submit)
        cancel = QPushButton("Close")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(cancel)
        buttons.addWidget(self.move_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(now)
        layout.addWidget(self.banner)
        layout.addLayout(form, 1)
        layout.addLayout(buttons)

        self.day.dateChanged.connect(lambda _d: self.load_slots())
        self.doctor.currentIndexChanged.connect(lambda _i: self.load_slots())
        self.slots.currentItemChanged.connect(lambda *_: self._update_button())
        self.slots.itemDoubleClicked.connect(lambda _i: self.submit())
        self.load_slots()

    @property
    def chosen_slot(self) -> Slot | None:
        item = self.slots.currentItem()
        return item.data(SuggestionRole) if item is not None else None

    def load_slots(self) -> None:
        self._generation += 1
        generation = self._generation
        self.slots.clear()
        self.slots_hint.setText("Loading free times…")
        qd = self.day.date()
        self._runner.submit(
            self._scheduling.free_slots, self.doctor.currentData(), date(qd.year(), qd.month(), qd.day()),
            on_done=lambda slots, g=generation: self._slots_arrived(g, slots),
            on_error=lambda exc, g=generation: self._slots_failed(g, exc),
            context=self, key=f"reschedule-slots-{id(self)}",
        )

    def _slots_arrived(self, generation: int, slots: list[Slot]) -> None:
        if generation != self._generation:
            return
        self.slots.clear()
        for slot in slots:
            item = QListWidgetItem(slot_text(slot))
            item.setData(SuggestionRole, slot)
            self.slots.addItem(item)
        self.slots_hint.setText(
            f"{len(slots)} free time{'s' if len(slots) != 1 else ''}." if slots
            else "No free time that day: pick another day or doctor."
        )
        self._update_button()

    def _slots_failed(self, generation: int, exc: Exception) -> None:
        if generation == self._generation:
            self.slots_hint.setText(exc.message if isinstance(exc, HmsError) else "Could not load the free times.")

    def _update_button(self) -> None:
        self.move_button.setEnabled(self.chosen_slot is not None)

    def submit(self) -> None:
        slot = self.chosen_slot
        if slot is None:
            return
        self.errors.clear()
        self.move_button.setEnabled(False)
        a = self.appointment
        self._runner.submit(
            self._scheduling.reschedule, a.id, slot.starts_at, doctor_id=slot.doctor_id, reason=self.reason.text(),
            expected_version=a.version, on_done=self._moved, on_error=self._failed, context=self,
        )

    def _moved(self, record: AppointmentRecord) -> None:
        self.moved.emit(record)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._update_button()
        if isinstance(exc, SlotTaken):
            show_banner(self.banner, exc.message, "bannerWarning")
            self.load_slots()
        else:
            report_in_form(self, exc, self.errors, self.banner)


class ReasonDialog(QDialog):
    """Ask for a reason, then run ``action(reason, who)`` on the worker; ``who`` is "patient" or
    "clinic" when ``ask_who`` (cancelling), else "". Emits ``completed(result)``."""

    completed = Signal(object)

    def __init__(
        self,
        runner: TaskRunner,
        title: str,
        prompt: str,
        action: Callable[[str, str], Any],
        *,
        ask_who: bool = False,
        confirm_text: str = "OK",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._action = action
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.errors = FieldErrors()
        self.banner = banner_label()
        self.reason = QPlainTextEdit(objectName="reasonText")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        self.by_patient = QRadioButton("By the &patient", objectName="byPatient")
        self.by_clinic = QRadioButton("By the &clinic", objectName="byClinic")
        self.by_patient.setChecked(True)
        self._who = QButtonGroup(self)
        self._who.addButton(self.by_patient)
        self._who.addButton(self.by_clinic)

        layout = QVBoxLayout(self)
        text = QLabel(prompt)
        text.setWordWrap(True)
        layout.addWidget(text)
        layout.addWidget(self.banner)
        if ask_who:
            who = QHBoxLayout()
            who.addWidget(self.by_patient)
            who.addWidget(self.by_clinic)
            who.addStretch()
            layout.addLayout(who)
        else:
            self.by_patient.hide()
            self.by_clinic.hide()
        self._ask_who = ask_who
        layout.addWidget(QLabel("&Reason *", buddy=self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.errors.add("reason", self.reason))
        self.confirm_button = QPushButton(confirm_text, objectName="primary")
        self.confirm_button.setAutoDefault(False)
        self.confirm_button.clicked.connect(self.submit)
        back = QPushButton("Back")
        back.setAutoDefault(False)
        back.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(back)
        buttons.addWidget(self.confirm_button)
        layout.addLayout(buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        self.errors.clear()
        reason = self.reason.toPlainText().strip()
        if not reason:
            self.errors.show({"reason": "Please give a reason."})
            return
        who = ("patient" if self.by_patient.isChecked() else "clinic") if self._ask_who else ""
        self.confirm_button.setEnabled(False)
        self._runner.submit(self._action, reason, who, on_done=self._completed, on_error=self._failed, context=self)

    def _completed(self, result: Any) -> None:
        self.completed.emit(result)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.confirm_button.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)


# History table columns.
WHEN, WHO, WHAT, TIMES, REASON = range(5)
HISTORY_HEADERS = {WHEN: "When", WHO: "Who", WHAT: "What", TIMES: "Time", REASON: "Reason"}


def describe_event(e: AppointmentEventRecord) -> str:
    if e.action == "booked":
        return f"Booked ({STATUS_LABELS.get(e.to_status, e.to_status).lower()})"
    if e.action == "walk_in":
        return "Walk-in, checked in"
    if e.action == "rescheduled":
        return "Rescheduled"
    if e.from_status and e.to_status:
        return f"{STATUS_LABELS.get(e.from_status, e.from_status)} → {STATUS_LABELS.get(e.to_status, e.to_status)}"
    return e.action.replace("_", " ").capitalize()


class HistoryDialog(QDialog):
    """Every event of one appointment, oldest first, in the clinic's time zone."""

    def __init__(self, appointment: AppointmentRecord, events: list[AppointmentEventRecord], *,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History — {appointment.patient_name}")
        self.resize(760, 320)
        zone = appointment.local_start.tzinfo
        a = appointment
        heading = QLabel(f"{a.patient_name} with {a.doctor_name}", objectName="heading")
        sub = QLabel(f"{a.local_start:%a %d %b %Y %H:%M}–{a.local_end:%H:%M} · now "
                     f"{STATUS_LABELS.get(a.status, a.status).lower()}", objectName="subtle")
        self.table = QTableWidget(len(events), len(HISTORY_HEADERS), objectName="historyTable")
        self.table.setHorizontalHeaderLabels([HISTORY_HEADERS[c] for c in range(len(HISTORY_HEADERS))])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        for row, e in enumerate(events):
            when = e.at.astimezone(zone) if zone is not None else e.at
            times = ""
            if e.new_starts_at is not None:
                new = e.new_starts_at.astimezone(zone) if zone is not None else e.new_starts_at
                times = f"{new:%d %b %H:%M}"
                if e.old_starts_at is not None:
                    old = e.old_starts_at.astimezone(zone) if zone is not None else e.old_starts_at
                    times = f"{old:%d %b %H:%M} → {times}"
            values = {WHEN: f"{when:%d %b %Y %H:%M}", WHO: e.actor_name, WHAT: describe_event(e), TIMES: times,
                      REASON: e.reason}
            for column, value in values.items():
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(sub)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(close)
        layout.addLayout(row)
