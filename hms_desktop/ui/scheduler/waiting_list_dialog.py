"""The waiting list, opened from the Scheduler ("Waiting list…"): who wants a time with a doctor
(or any doctor of a specialty), on which days and at which part of the day. The front desk adds a
patient (found as for a booking) and takes them off; booking the patient takes them off by itself.
When a matching slot frees up, the bell of everyone who may book says so and opens the Scheduler
at that slot. "Show booked and taken off" lists the closed entries too."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import ScheduleChange
from ...services.doctors import DoctorRecord, SpecialtyRecord
from ...services.identity import CurrentUser
from ...services.patients import PatientService
from ...services.permissions import Permission
from ...services.scheduling.freed_slots import PART_WORDS
from ...services.scheduling.waiting_list import WaitingInput, WaitingListService, WaitingRecord
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.row_table_model import RowTableModel
from ..common.worker import TaskRunner
from .patient_finder import ChosenPatient, PatientFinder

_Index = QModelIndex | QPersistentModelIndex

SHORT_PART_WORDS = {"any": "Any time", "morning": "Morning", "afternoon": "Afternoon", "evening": "Evening"}

#: The role of a row holding its WaitingRecord.
WaitingRecordRole = Qt.ItemDataRole.UserRole + 1


class WaitingListModel(RowTableModel):
    PATIENT, FOR, DAYS, PART, NOTE, ADDED, STATUS = range(7)
    headers = {PATIENT: "Patient", FOR: "Waiting for", DAYS: "Days", PART: "Part of day", NOTE: "Note",
               ADDED: "Added", STATUS: "Status"}

    def set_rows(self, rows: list[WaitingRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry: WaitingRecord | None = self.row_item(index)
        if entry is None:
            return None
        if role == WaitingRecordRole:
            return entry
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {
                self.PATIENT: f"{entry.patient_name} ({entry.patient_mrn})", self.FOR: entry.who,
                self.DAYS: entry.days, self.PART: SHORT_PART_WORDS.get(entry.part_of_day, entry.part_of_day),
                self.NOTE: entry.note, self.ADDED: f"{entry.added_at:%d %b} · {entry.added_by}",
                self.STATUS: entry.status,
            }.get(column)
        if role == Qt.ItemDataRole.ForegroundRole and entry.closed_at is not None:
            return QPalette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == Qt.ItemDataRole.ToolTipRole:
            return {self.NOTE: entry.note or None, self.PART: entry.part_words,
                    self.ADDED: f"{entry.added_at:%d %b %Y %H:%M} by {entry.added_by}"}.get(column)
        return None


class WaitingListDialog(QDialog):
    def __init__(self, service: WaitingListService, patients: PatientService, runner: TaskRunner,
                 user: CurrentUser, doctors: list[DoctorRecord], specialties: list[SpecialtyRecord], today: date,
                 doctor_id: int | None = None, parent: QWidget | None = None,
                 patient: ChosenPatient | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Waiting list")
        self.setObjectName("waitingListDialog")
        self._service = service
        self._runner = runner
        self._today = today
        self.can_manage = user.can(Permission.WAITLIST_MANAGE)
        self.errors = FieldErrors()
        self.banner = banner_label()
        self.banner.hide()

        self.show_for = QComboBox(objectName="waitingShowFor")
        self.show_for.addItem("Every doctor", None)
        for d in doctors:
            self.show_for.addItem(d.full_name, d.id)
        if doctor_id is not None and self.show_for.findData(doctor_id) >= 0:
            self.show_for.setCurrentIndex(self.show_for.findData(doctor_id))
        self.show_for.currentIndexChanged.connect(lambda _i: self.reload())
        self.show_closed = QCheckBox("Show &booked and taken off", objectName="waitingShowClosed")
        self.show_closed.toggled.connect(lambda _on: self.reload())
        self.model = WaitingListModel(self)
        self.table = QTableView(objectName="waitingTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WaitingListModel.NOTE, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.count_label = QLabel(objectName="subtle")
        self.remove_button = QPushButton("&Remove from list", objectName="waitingRemove")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setVisible(self.can_manage)
        close = QPushButton("Close", objectName="waitingClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        show_label = QLabel("&Show")
        show_label.setBuddy(self.show_for)
        top.addWidget(show_label)
        top.addWidget(self.show_for, 1)
        top.addWidget(self.show_closed)
        top.addStretch(1)
        top.addWidget(self.count_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.add_box = self._build_add_box(patients, doctors, specialties, doctor_id)
        layout.addWidget(self.add_box)
        self.add_box.setVisible(self.can_manage)
        if patient is not None and self.can_manage:  # from the patient record: this patient, the doctor next
            self.finder.choose(patient)
            self.setWindowTitle(f"Waiting list: add {patient.name}")
            self.wants.setFocus()
        self.resize(900, 640 if self.can_manage else 420)
        self._update_buttons()
        self.reload()

    def _build_add_box(self, patients: PatientService, doctors: list[DoctorRecord],
                       specialties: list[SpecialtyRecord], doctor_id: int | None) -> QGroupBox:
        box = QGroupBox("Add a patient to the waiting list", objectName="waitingAddBox")
        self.finder = PatientFinder(patients, self._runner, can_register=False)
        self.finder.results.setMinimumHeight(70)
        self.finder.results.setMaximumHeight(90)
        self.wants = QComboBox(objectName="waitingWants")
        for d in doctors:
            self.wants.addItem(d.full_name, f"doctor:{d.id}")
        for s in specialties:
            self.wants.addItem(f"Any {s.name} doctor", f"specialty:{s.id}")
        if doctor_id is not None:
            index = self.wants.findData(f"doctor:{doctor_id}")
            if index >= 0:
                self.wants.setCurrentIndex(index)
        today = QDate(self._today.year, self._today.month, self._today.day)
        self.earliest = QDateEdit(today, objectName="waitingEarliest", calendarPopup=True)
        self.earliest.setDisplayFormat("ddd dd MMM yyyy")
        self.latest = QDateEdit(today.addDays(14), objectName="waitingLatest", calendarPopup=True)
        self.latest.setDisplayFormat("ddd dd MMM yyyy")
        self.open_ended = QCheckBox("No last day", objectName="waitingOpenEnded")
        self.open_ended.toggled.connect(lambda on: self.latest.setEnabled(not on))
        self.part = QComboBox(objectName="waitingPart")
        for value, words in PART_WORDS.items():
            self.part.addItem(words, value)
        self.note = QLineEdit(objectName="waitingNote")
        self.note.setPlaceholderText("e.g. can come at short notice; call on the mobile")
        self.note.setMaxLength(500)
        self.add_button = QPushButton("&Add to waiting list", objectName="waitingAdd")
        self.add_button.setObjectName("primary")
        self.add_button.setAccessibleName("Add to waiting list")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_entry)

        days = QHBoxLayout()
        days.addWidget(self.earliest)
        days.addWidget(QLabel("to"))
        days.addWidget(self.latest)
        days.addWidget(self.open_ended)
        days.addStretch(1)
        form = QFormLayout()
        form.addRow("&Patient", self.finder)
        form.addRow("", self.errors.add("patient", self.finder))
        form.addRow("&Waiting for", self.wants)
        form.addRow("", self.errors.add("doctor", self.wants))
        days_label = QLabel("&Days")
        days_label.setBuddy(self.earliest)
        form.addRow(days_label, days)
        form.addRow("", self.errors.add("latest", self.latest))
        form.addRow("", self.errors.add("earliest", self.earliest))
        form.addRow("Part of &day", self.part)
        form.addRow("", self.errors.add("part_of_day", self.part))
        form.addRow("&Note", self.note)
        form.addRow("", self.errors.add("note", self.note))
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_button)
        outer = QVBoxLayout(box)
        outer.addLayout(form)
        outer.addLayout(row)
        return box

    # --- the list ------------------------------------------------------------------------------

    def reload(self) -> None:
        self._runner.submit(self._service.entries, self.show_for.currentData(),
                            include_closed=self.show_closed.isChecked(), on_done=self._show_rows,
                            on_error=self._failed, context=self, key=f"waiting-list-{id(self)}")

    def _show_rows(self, rows: list[WaitingRecord]) -> None:
        selected = self.selected()
        self.model.set_rows(rows)
        waiting = sum(1 for r in rows if r.closed_at is None)
        closed = len(rows) - waiting
        text = f"{waiting} waiting" if waiting else "No one is waiting"
        self.count_label.setText(text + (f" · {closed} booked or taken off" if closed else ""))
        if selected is not None and (row := self.model.row_of(selected.id)) is not None:
            self.table.selectRow(row)
        self._update_buttons()

    def schedule_changed(self, changes: list[ScheduleChange]) -> None:
        """Another desk added or removed someone (or the feed came back): read the list again."""
        if any(c.kind in ("waitlist", "resync") for c in changes):
            self.reload()

    def selected(self) -> WaitingRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(WaitingRecordRole) if rows else None

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.remove_button.setEnabled(self.can_manage and entry is not None and entry.closed_at is None)

    def remove_selected(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        self.remove_button.setEnabled(False)
        self._runner.submit(self._service.remove, entry.id,
                            on_done=lambda _r, e=entry: self._done(f"{e.patient_name} is off the waiting list."),
                            on_error=self._failed, context=self)

    # --- adding --------------------------------------------------------------------------------

    def add_entry(self) -> None:
        self.errors.clear()
        self.banner.hide()
        patient = self.finder.patient
        if patient is None:
            self.errors.show({"patient": "Find and choose the patient who is waiting."})
            return
        kind, _, number = (self.wants.currentData() or "").partition(":")
        wanted = int(number) if number else None
        first, last = self.earliest.date(), self.latest.date()
        data = WaitingInput(
            patient.id, date(first.year(), first.month(), first.day()),
            None if self.open_ended.isChecked() else date(last.year(), last.month(), last.day()),
            doctor_id=wanted if kind == "doctor" else None, specialty_id=wanted if kind == "specialty" else None,
            part_of_day=self.part.currentData(), note=self.note.text(),
        )
        self.add_button.setEnabled(False)
        self._runner.submit(self._service.add, data, on_done=self._added, on_error=self._add_failed, context=self)

    def _added(self, entry: WaitingRecord) -> None:
        self.add_button.setEnabled(True)
        self.note.clear()
        self.finder.search.clear()
        self.finder.patient = None
        self.finder.chosen_label.hide()
        self._done(f"{entry.patient_name} is on the waiting list for {entry.who}.")

    def _add_failed(self, exc: Exception) -> None:
        self.add_button.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)

    def _done(self, text: str) -> None:
        show_banner(self.banner, text, "bannerInfo")
        self.reload()

    def _failed(self, exc: Exception) -> None:
        self._update_buttons()
        report_in_form(self, exc, self.errors, self.banner)
