"""The Doctors tab: find a doctor the way a patient on the phone asks ("a dermatologist in the east
wing on Thursday"), see when they are next free, and manage doctors, specialties and hours.

The list comes from ``DoctorService.search`` (the filters map one-to-one onto its arguments). The
"Next available" column is filled afterwards, a few doctors per background call, so that the list
appears at once and other work queued on the worker is not held up behind a long list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.doctor_query import parse_doctor_words
from ...services.doctors import DoctorRecord, DoctorService, SpecialtyRecord
from ...services.errors import ConflictError, NotFound
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ...services.scheduling import SchedulingService, Slot
from ..availability.availability_dialog import AvailabilityDialog, can_edit_availability
from ..availability.weekly_template_editor import WEEKDAYS
from ..common.messages import confirm, show_error
from ..common.row_table_model import CELL_PADDING, make_record_table, select_by_id
from ..common.worker import TaskRunner, Ticket
from .doctor_dialog import DoctorDialog
from .doctor_table_model import NAME, SPECIALTIES, DoctorRole, DoctorTableModel, SortRole
from .specialties_dialog import SpecialtiesDialog

SEARCH_DELAY_MS = 200
NEXT_AVAILABLE_BATCH = 15


def next_available_for(scheduling: SchedulingService, doctor_ids: Sequence[int]) -> tuple[date, dict[int, Slot | None]]:
    """Worker thread: each doctor's first free slot (None: nothing free), and the clinic's today."""
    found: dict[int, Slot | None] = {}
    for doctor_id in doctor_ids:
        try:
            slots = scheduling.next_available(doctor_id)
        except NotFound:  # removed meanwhile; the next refresh drops the row
            slots = []
        found[doctor_id] = slots[0] if slots else None
    return scheduling.today(), found


class _DoctorTable(QTableView):
    """Enter opens the selected doctor (``activated`` alone depends on the platform style)."""

    open_requested = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_requested.emit()
            return
        super().keyPressEvent(event)


class DoctorsTab(QWidget):
    status_message = Signal(str)

    def __init__(self, services: Any, runner: TaskRunner, user: CurrentUser, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doctors: DoctorService = services.doctors
        self._scheduling: SchedulingService = services.scheduling
        self._availability = services.availability
        self._staff = services.staff
        self._runner = runner
        self._user = user
        self._can_manage = user.can(Permission.DOCTOR_MANAGE)
        self._own_doctor: DoctorRecord | None = None
        self._next_task: Ticket | None = None
        self._next_generation = 0
        self.dialogs: list[QWidget] = []

        # --- actions
        self.add_button = QPushButton("Add doctor…", objectName="addDoctor")
        self.open_button = QPushButton("Edit…" if self._can_manage else "Details…", objectName="openDoctor")
        self.hours_button = QPushButton("Hours && leave…", objectName="doctorHours")
        self.my_hours_button = QPushButton("My hours && leave…", objectName="myHours")
        self.my_hours_button.hide()
        self.active_button = QPushButton("Deactivate…", objectName="toggleDoctorActive")
        self.specialties_button = QPushButton("Specialties…", objectName="manageSpecialties")
        self.add_button.setVisible(self._can_manage)
        self.active_button.setVisible(self._can_manage)
        self.specialties_button.setVisible(self._can_manage)
        actions = QHBoxLayout()
        for button in (self.add_button, self.open_button, self.hours_button, self.my_hours_button,
                       self.active_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.specialties_button)

        # --- filters: what a caller says, field by field
        self.name_filter = QLineEdit(objectName="doctorNameFilter")
        self.name_filter.setPlaceholderText("Name, specialty, room or day: “cardio Tuesday”, “derm east wing”")
        self.name_filter.setClearButtonEnabled(True)
        self.specialty_filter = QComboBox(objectName="specialtyFilter")
        self.specialty_filter.addItem("Any specialty", None)
        self.specialty_filter.setMinimumWidth(180)
        self.location_filter = QLineEdit(objectName="locationFilter")
        self.location_filter.setPlaceholderText("Location, e.g. east wing")
        self.location_filter.setClearButtonEnabled(True)
        self.location_filter.setMinimumWidth(200)
        self.weekday_filter = QComboBox(objectName="weekdayFilter")
        self.weekday_filter.addItem("Any day", None)
        for number, name in enumerate(WEEKDAYS):
            self.weekday_filter.addItem(name, number)  # plain names: typing "th" picks Thursday
        self.show_inactive = QCheckBox("Show &inactive", objectName="showInactiveDoctors")
        self.clear_button = QPushButton("Clear", objectName="clearDoctorFilters")
        self.clear_button.setToolTip("Show every doctor again (Esc)")
        # The one box that reads a caller's words on its own row; the exact filters beneath it.
        find_row = QHBoxLayout()
        find_label = QLabel("Fi&nd")
        find_label.setBuddy(self.name_filter)
        find_row.addWidget(find_label)
        find_row.addWidget(self.name_filter, 1)
        find_row.addWidget(self.show_inactive)
        find_row.addWidget(self.clear_button)
        self.specialty_filter.setMinimumWidth(150)
        self.location_filter.setMinimumWidth(150)
        filter_row = QHBoxLayout()
        for label_text, widget, stretch in (
            ("Specialt&y", self.specialty_filter, 1), ("&Location", self.location_filter, 1),
            ("Works &on", self.weekday_filter, 0),
        ):
            label = QLabel(label_text)
            label.setBuddy(widget)
            filter_row.addWidget(label)
            filter_row.addWidget(widget, stretch)
            filter_row.addSpacing(6)
        filters = QVBoxLayout()
        filters.addLayout(find_row)
        filters.addLayout(filter_row)

        self.notice = QLabel(objectName="bannerInfo")
        self.notice.setWordWrap(True)
        self.notice.hide()

        # --- the list
        self.model = DoctorTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = _DoctorTable(objectName="doctorTable")
        self.table.setStyleSheet(CELL_PADDING)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        make_record_table(self.table)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SPECIALTIES, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(90)

        self.status = QLabel(objectName="subtle")

        layout = QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addLayout(filters)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search)

        self.add_button.clicked.connect(self.add_doctor)
        self.open_button.clicked.connect(self.open_selected)
        self.hours_button.clicked.connect(self.edit_selected_hours)
        self.my_hours_button.clicked.connect(self.edit_my_hours)
        self.active_button.clicked.connect(self.toggle_selected_active)
        self.specialties_button.clicked.connect(self.manage_specialties)
        self.name_filter.textChanged.connect(lambda _t: self._search_timer.start())
        self.location_filter.textChanged.connect(lambda _t: self._search_timer.start())
        self.specialty_filter.currentIndexChanged.connect(lambda _i: self.search())
        self.weekday_filter.currentIndexChanged.connect(lambda _i: self.search())
        self.show_inactive.toggled.connect(lambda _on: self.search())
        self.clear_button.clicked.connect(self.clear_filters)
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.open_requested.connect(self.open_selected)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.proxy.modelReset.connect(self._update_actions)
        self.proxy.layoutChanged.connect(self._update_actions)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.clear_filters,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._update_actions()

    # --- public ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the specialty list (for the filter), the signed-in doctor's own profile, and the list."""
        self._runner.submit(
            self._doctors.specialties, include_inactive=True,
            on_done=self._specialties_loaded, on_error=self._load_failed, context=self, key="doctors-tab-specialties",
        )
        if self._user.can(Permission.AVAILABILITY_EDIT_OWN) and not self._user.can(Permission.AVAILABILITY_EDIT_ANY):
            self._runner.submit(
                self._doctors.for_current_user, on_done=self._own_doctor_loaded, on_error=self._load_failed,
                context=self, key="doctors-tab-own",
            )
        self.search()

    def search_filters(self) -> dict[str, Any]:
        """The filters as ``DoctorService.search`` keyword arguments."""
        return {
            "words": self.name_filter.text().strip(),
            "specialty_id": self.specialty_filter.currentData(),
            "location": self.location_filter.text().strip(),
            "weekday": self.weekday_filter.currentData(),
            "include_inactive": self.show_inactive.isChecked(),
        }

    def search(self) -> None:
        self._search_timer.stop()
        self.status.setText("Searching…")
        filters = self.search_filters()
        self._runner.submit(
            self._doctors.search, **filters,
            on_done=self._loaded, on_error=self._load_failed, context=self, key="doctors-tab-search",
        )

    def clear_filters(self) -> None:
        for widget in (self.name_filter, self.location_filter, self.specialty_filter, self.weekday_filter):
            widget.blockSignals(True)
        self.name_filter.clear()
        self.location_filter.clear()
        self.specialty_filter.setCurrentIndex(0)
        self.weekday_filter.setCurrentIndex(0)
        for widget in (self.name_filter, self.location_filter, self.specialty_filter, self.weekday_filter):
            widget.blockSignals(False)
        self.search()

    def selected_doctor(self) -> DoctorRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(DoctorRole) if rows else None

    def select_doctor(self, doctor_id: int) -> None:
        select_by_id(self.table, self.proxy, self.model, doctor_id)

    def names(self) -> list[str]:
        """The doctors' names in the order shown."""
        return [self.proxy.index(r, NAME).data() for r in range(self.proxy.rowCount())]

    # --- actions -----------------------------------------------------------------------------

    def add_doctor(self) -> DoctorDialog | None:
        if not self._can_manage:
            return None
        dialog = DoctorDialog(self._doctors, self._staff, self._runner, self._user, None, self)
        dialog.saved.connect(self._added)
        return self._open(dialog)

    def open_selected(self) -> DoctorDialog | None:
        doctor = self.selected_doctor()
        if doctor is None:
            return None
        dialog = DoctorDialog(self._doctors, self._staff, self._runner, self._user, doctor, self)
        dialog.saved.connect(self._changed)
        dialog.doctor_changed.connect(self._show_doctor)
        return self._open(dialog)

    def edit_selected_hours(self) -> AvailabilityDialog | None:
        doctor = self.selected_doctor()
        if doctor is None or not can_edit_availability(self._user, doctor):
            return None
        return self._open_hours(doctor)

    def edit_my_hours(self) -> AvailabilityDialog | None:
        if self._own_doctor is None:
            return None
        return self._open_hours(self._own_doctor)

    def toggle_selected_active(self) -> None:
        doctor = self.selected_doctor()
        if doctor is None or not self._can_manage:
            return
        if doctor.active:
            confirm(
                self, title="Deactivate doctor", action="Deactivate", name="confirmDeactivateDoctor",
                text=f"Deactivate {doctor.full_name}?",
                informative="They can no longer be booked. Appointments already booked are kept: rebook or "
                "cancel them from the scheduler. You can reactivate the doctor at any time.",
                on_yes=lambda: self._set_active(doctor, False),
            )
        else:
            self._set_active(doctor, True)

    def manage_specialties(self) -> SpecialtiesDialog | None:
        if not self._can_manage:
            return None
        dialog = SpecialtiesDialog(self._doctors, self._runner, self)
        dialog.changed.connect(self.refresh)
        return self._open(dialog)

    # --- results -----------------------------------------------------------------------------

    def _open(self, dialog: Any) -> Any:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs = [d for d in self.dialogs if _alive(d)] + [dialog]
        dialog.open()
        return dialog

    def _open_hours(self, doctor: DoctorRecord) -> AvailabilityDialog:
        dialog = AvailabilityDialog(self._availability, self._runner, self._user, doctor, self)
        dialog.availability_changed.connect(self._availability_changed)
        return self._open(dialog)

    def _specialties_loaded(self, specialties: list[SpecialtyRecord]) -> None:
        current = self.specialty_filter.currentData()
        self.specialty_filter.blockSignals(True)
        self.specialty_filter.clear()
        self.specialty_filter.addItem("Any specialty", None)
        for spec in specialties:
            self.specialty_filter.addItem(spec.name if spec.active else f"{spec.name} (retired)", spec.id)
        self.specialty_filter.setCurrentIndex(max(0, self.specialty_filter.findData(current)))
        self.specialty_filter.blockSignals(False)
        if self.specialty_filter.currentData() != current:  # the chosen one is gone: the list changed
            self.search()

    def _own_doctor_loaded(self, doctor: DoctorRecord | None) -> None:
        self._own_doctor = doctor
        self.my_hours_button.setVisible(doctor is not None)

    def _loaded(self, doctors: list[DoctorRecord]) -> None:
        selected = self.selected_doctor()
        self.model.set_rows(doctors)
        if selected is not None:
            self.select_doctor(selected.id)
        self._update_status()
        self._load_next_available(restart=True)

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText("Could not load the doctors.")
        show_error(self, exc)

    def _load_next_available(self, *, restart: bool = False) -> None:
        """Fill the next-available column a batch at a time; a new list abandons the old batches."""
        if restart:
            self._next_generation += 1
            if self._next_task is not None:
                self._next_task.cancel()
                self._next_task = None
        if self._next_task is not None:
            return  # the running chain picks up whatever is still waiting
        waiting = self.model.waiting_for_next_available()[:NEXT_AVAILABLE_BATCH]
        if not waiting:
            return
        generation = self._next_generation

        def done(result: tuple[date, dict[int, Slot | None]]) -> None:
            self._next_task = None
            if generation != self._next_generation:
                return
            today, slots = result
            self.model.set_next_available(slots, today)
            self._load_next_available()

        def failed(exc: Exception) -> None:
            self._next_task = None
            self.status.setText(f"Could not work out the next free times: {exc}")

        self._next_task = self._runner.submit(
            next_available_for, self._scheduling, waiting, on_done=done, on_error=failed, context=self,
        )

    def _added(self, doctor: DoctorRecord) -> None:
        self._show_doctor(doctor)
        self.select_doctor(doctor.id)
        self._tell(
            f"Added {doctor.full_name}. "
            + ("They can be booked once an administrator verifies them." if not doctor.verified else "")
            + " Set their weekly hours with “Hours & leave…”."
        )

    def _changed(self, doctor: DoctorRecord) -> None:
        self._show_doctor(doctor)
        self._tell(f"Saved the changes to {doctor.full_name}.")

    def _show_doctor(self, doctor: DoctorRecord) -> None:
        self.model.update_doctor(doctor)
        self._update_status()
        self._update_actions()
        self._load_next_available()

    def _availability_changed(self, doctor_id: int) -> None:
        row = self.model.row_of(doctor_id)
        if row is not None:
            self.model.update_doctor(self.model.doctor(row))  # forgets its next free slot
            self._load_next_available()

    def _set_active(self, doctor: DoctorRecord, active: bool) -> None:
        self.active_button.setEnabled(False)
        self._runner.submit(
            self._doctors.set_active, doctor.id, doctor.version, active,
            on_done=self._activity_changed, on_error=self._action_failed, context=self,
        )

    def _activity_changed(self, doctor: DoctorRecord) -> None:
        self._show_doctor(doctor)
        self._tell(f"{'Reactivated' if doctor.active else 'Deactivated'} {doctor.full_name}.")

    def _action_failed(self, exc: Exception) -> None:
        self._update_actions()
        if isinstance(exc, ConflictError) and isinstance(exc.current, DoctorRecord):
            self._show_doctor(exc.current)  # show what the other desk did before explaining
        elif isinstance(exc, ConflictError | NotFound):
            self.search()
        show_error(self, exc)

    # --- state -------------------------------------------------------------------------------

    def _tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()
        self.status_message.emit(text)

    def _update_status(self) -> None:
        total = self.model.rowCount()
        unverified = sum(1 for d in self.model.doctors() if d.active and not d.verified)
        text = f"{total} doctor{'s' if total != 1 else ''}"
        f = self.search_filters()
        if f["words"] or f["location"] or f["specialty_id"] is not None or f["weekday"] is not None:
            text += " match"
        if f["words"]:
            known = [(self.specialty_filter.itemData(i), self.specialty_filter.itemText(i))
                     for i in range(1, self.specialty_filter.count())]
            read = parse_doctor_words(f["words"], known).understood
            if read:
                text += " · read as: " + ", ".join(read)
        if unverified:
            text += f" · {unverified} awaiting verification"
        self.status.setText(text)

    def _update_actions(self) -> None:
        doctor = self.selected_doctor()
        self.add_button.setEnabled(self._can_manage)
        self.open_button.setEnabled(doctor is not None)
        may_hours = doctor is not None and can_edit_availability(self._user, doctor)
        self.hours_button.setEnabled(may_hours)
        if doctor is not None and not may_hours:
            self.hours_button.setToolTip("A doctor can change only their own hours and leave; an administrator anyone's.")
        else:
            self.hours_button.setToolTip("Weekly hours, leave, blocked times and clinic holidays")
        self.active_button.setText("Reactivate" if doctor is not None and not doctor.active else "Deactivate…")
        self.active_button.setEnabled(self._can_manage and doctor is not None)


def _alive(widget: QWidget) -> bool:
    return shiboken6.isValid(widget)
