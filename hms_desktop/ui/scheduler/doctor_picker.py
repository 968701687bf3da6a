"""The Scheduler's doctor picker: the specialty filter, the name filter and the ticked doctor list
(which doctors the day view shows, and which the week view offers). A mixin of SchedulerTab."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCalendarWidget,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
)

from ...services.doctors import DoctorRecord
from . import shortcuts as keys
from .calendar_days import DAY, WEEK
from .calendar_days import qdate as _qdate
from .grid_style import Legend
from .load_calendar import LoadCalendar

#: The doctor list's item role holding the doctor's id.
DoctorListIdRole = Qt.ItemDataRole.UserRole + 1


class _FitWidthDelegate(QStyledItemDelegate):
    """Rows no wider than the list: a list lays its rows out as wide as the longest text, which the
    panel's edge then clips; capped at the list's width, Qt draws the text cut with the "…"."""

    def sizeHint(self, option, index) -> QSize:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        hint = super().sizeHint(option, index)
        view = self.parent()
        if isinstance(view, QListView):
            hint.setWidth(min(hint.width(), view.viewport().width()))
        return hint


class DoctorPickerMixin:
    """Which doctors are shown (SchedulerTab)."""

    _all_doctors: list[DoctorRecord]
    _unchecked: set[int]
    waiting_button: QPushButton  # made by the tab (the waiting list), placed here
    specialty: Any
    doctor_filter: Any
    doctor_list: Any
    week_doctor: Any
    _filter_timer: Any

    def _build_left(self) -> None:
        """The left panel: the month calendar, Today / Day / Week, the doctor picker and the key."""
        self.calendar = LoadCalendar(objectName="schedulerCalendar")
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setGridVisible(False)
        self.calendar.setSelectedDate(_qdate(self._day))
        self.calendar.setFixedHeight(220)
        self.calendar.selectionChanged.connect(self._calendar_changed)

        self.today_button = QPushButton("Today", objectName="schedulerToday")
        self.today_button.setToolTip(f"Go to today ({keys.TODAY})")
        self.today_button.clicked.connect(self.go_today)
        self.day_button = QPushButton("Day", objectName="dayMode", checkable=True, checked=True)
        self.week_button = QPushButton("Week", objectName="weekMode", checkable=True)
        self._mode_group = QButtonGroup(self)
        self._mode_group.setExclusive(True)
        self._mode_group.addButton(self.day_button)
        self._mode_group.addButton(self.week_button)
        self.day_button.clicked.connect(lambda: self.set_mode(DAY))
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        modes = QHBoxLayout()
        modes.addWidget(self.today_button)
        modes.addStretch()
        modes.addWidget(self.day_button)
        modes.addWidget(self.week_button)
        modes.setSpacing(4)

        self.specialty = QComboBox(objectName="specialtyFilter")
        self.specialty.addItem("All specialties", None)
        self.specialty.currentIndexChanged.connect(lambda _i: self._doctors_filtered())
        self.doctor_filter = QLineEdit(objectName="doctorFilter")
        self.doctor_filter.setPlaceholderText("Filter doctors by name")
        self.doctor_filter.setClearButtonEnabled(True)
        self.doctor_filter.textChanged.connect(lambda _t: self._filter_timer.start())
        self.doctor_list = QListWidget(objectName="doctorList")
        # Long names end in "…" at the panel's edge (the full text is the item's tooltip), rather
        # than running under it with a horizontal scroll bar.
        self.doctor_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.doctor_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.doctor_list.setItemDelegate(_FitWidthDelegate(self.doctor_list))
        self.doctor_list.setResizeMode(QListView.ResizeMode.Adjust)  # rows re-fit when the panel resizes
        self.doctor_list.itemChanged.connect(self._doctor_checked)
        self.all_button = QPushButton("All", objectName="checkAllDoctors")
        self.none_button = QPushButton("None", objectName="checkNoDoctors")
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button.clicked.connect(lambda: self._check_all(False))
        doctors_title = QLabel("Doctors", objectName="sectionTitle")
        doctors_title.setStyleSheet("font-weight: bold;")
        title_row = QHBoxLayout()
        title_row.addWidget(doctors_title)
        title_row.addStretch()
        title_row.addWidget(self.all_button)
        title_row.addWidget(self.none_button)
        for button in (self.all_button, self.none_button):
            button.setStyleSheet("padding: 2px 8px;")

        self.left_panel = QFrame(objectName="schedulerLeft")
        # Narrower on a small screen, and it can be hidden (the "Panel" button, Ctrl+Shift+L) so the
        # grid gets the width: the Scheduler must fit a 1024-pixel-wide window.
        self.left_panel.setMinimumWidth(230)
        self.left_panel.setMaximumWidth(290)
        left = QVBoxLayout(self.left_panel)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.calendar)
        left.addLayout(modes)
        left.addWidget(self.waiting_button)
        left.addSpacing(6)
        left.addLayout(title_row)
        left.addWidget(self.specialty)
        left.addWidget(self.doctor_filter)
        left.addWidget(self.doctor_list, 1)
        legend_title = QLabel("Key", objectName="sectionTitle")
        legend_title.setStyleSheet("font-weight: bold;")
        left.addWidget(legend_title)
        self.legend = Legend()
        left.addWidget(self.legend)

    # --- the doctor filter -------------------------------------------------------------------

    def filtered_doctors(self) -> list[DoctorRecord]:
        specialty = self.specialty.currentData()
        words = self.doctor_filter.text().casefold().split()
        return [
            d for d in self._all_doctors
            if (specialty is None or any(s.id == specialty for s in d.specialties))
            and all(w in d.full_name.casefold() for w in words)
        ]

    def shown_doctor_ids(self) -> list[int]:
        return [d.id for d in self.filtered_doctors() if d.id not in self._unchecked]

    def _fill_doctor_list(self) -> None:
        self.doctor_list.blockSignals(True)
        self.doctor_list.clear()
        for d in self.filtered_doctors():
            text = d.full_name + (f"  ·  {d.specialty_names}" if d.specialty_names else "")
            item = QListWidgetItem(text)
            item.setData(DoctorListIdRole, d.id)
            item.setToolTip("\n".join(part for part in (d.full_name, d.specialty_names, d.location) if part))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked if d.id in self._unchecked else Qt.CheckState.Checked)
            self.doctor_list.addItem(item)
        self.doctor_list.blockSignals(False)
        current = self.week_doctor.currentData()
        self.week_doctor.blockSignals(True)
        self.week_doctor.clear()
        for d in self.filtered_doctors():
            self.week_doctor.addItem(d.full_name, d.id)
        if current is not None and self.week_doctor.findData(current) >= 0:
            self.week_doctor.setCurrentIndex(self.week_doctor.findData(current))
        self.week_doctor.blockSignals(False)

    def _doctors_filtered(self) -> None:
        self._filter_timer.stop()
        self._fill_doctor_list()
        self.reload_grid()

    def _doctor_checked(self, item: QListWidgetItem) -> None:
        doctor_id = item.data(DoctorListIdRole)
        if item.checkState() == Qt.CheckState.Checked:
            self._unchecked.discard(doctor_id)
        else:
            self._unchecked.add(doctor_id)
        self._filter_timer.start()

    def _check_all(self, checked: bool) -> None:
        ids = {d.id for d in self.filtered_doctors()}
        if checked:
            self._unchecked -= ids
        else:
            self._unchecked |= ids
        self._doctors_filtered()
