"""One doctor's availability: the weekly hours, and leave, blocked times and clinic holidays ahead.

Changing hours never drops a booked appointment. What no longer fits is listed here ("rebook
them"), from the service's answer, until someone moves those appointments.

A doctor edits their own availability; an administrator edits anyone's. Anyone else sees it read-only.
The service checks the same rule on every change, whatever this dialog shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...services.doctors import DoctorRecord
from ...services.errors import HmsError, ValidationError
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ...services.scheduling import (
    AppointmentRecord,
    AvailabilityService,
    ExceptionChange,
    ExceptionRecord,
    TemplateChange,
    WeeklySessionRecord,
)
from ..common.form_helpers import FieldErrors, banner_label
from ..common.messages import confirm, show_error
from ..common.row_table_model import make_record_table
from ..common.worker import TaskRunner
from .displaced_table_model import DisplacedTableModel
from .exception_table_model import KIND_LABELS, REASON, ExceptionRole, ExceptionTableModel, describe_range
from .schedule_fields import DateField, TimeField, day_hint
from .weekly_template_editor import WeeklyTemplateEditor

EXCEPTION_WEEKS = 12  # how far ahead the leave list looks
LEAVE, BLOCK, HOLIDAY = "leave", "blocked", "holiday"


def can_edit_availability(user: CurrentUser | None, doctor: DoctorRecord) -> bool:
    """The rule the scheduling service enforces: anyone's with EDIT_ANY, one's own with EDIT_OWN."""
    if user is None:
        return False
    if user.can(Permission.AVAILABILITY_EDIT_ANY):
        return True
    return (
        user.can(Permission.AVAILABILITY_EDIT_OWN) and user.id is not None and doctor.staff_account_id == user.id
    )


@dataclass(frozen=True)
class AvailabilityData:
    zone: ZoneInfo
    today: date
    sessions: list[WeeklySessionRecord] | None  # None: not reloaded (keeps unsaved edits)
    exceptions: list[ExceptionRecord]
    displaced: list[AppointmentRecord]


def load_availability(availability: AvailabilityService, doctor_id: int, *, with_sessions: bool = True) -> AvailabilityData:
    """Worker thread: the hours, the coming weeks' exceptions and the appointments to rebook."""
    zone = availability.clinic_clock.time_zone()
    today = availability.clinic_clock.today()
    return AvailabilityData(
        zone=zone,
        today=today,
        sessions=availability.weekly_template(doctor_id) if with_sessions else None,
        exceptions=availability.exceptions(doctor_id, today, today + timedelta(weeks=EXCEPTION_WEEKS)),
        displaced=availability.displaced_appointments(doctor_id),
    )


def _table(name: str) -> QTableView:
    table = QTableView(objectName=name)
    make_record_table(table)
    table.setStyleSheet("QTableView::item { padding-left: 6px; padding-right: 8px; }")
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


class AvailabilityDialog(QDialog):
    #: The doctor's hours or exceptions changed (their free slots did): carries the doctor's id.
    availability_changed = Signal(int)

    def __init__(
        self,
        availability: AvailabilityService,
        runner: TaskRunner,
        user: CurrentUser,
        doctor: DoctorRecord,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._availability = availability
        self._runner = runner
        self._user = user
        self.doctor = doctor
        self.can_edit = can_edit_availability(user, doctor)
        self.can_edit_clinic = user.can(Permission.AVAILABILITY_EDIT_ANY)
        self.zone: ZoneInfo | None = None
        self.today: date | None = None
        self.loaded = False
        self.setWindowTitle(f"Hours and leave — {doctor.full_name}")
        self.setMinimumSize(820, 680)

        heading = QLabel(doctor.full_name, objectName="heading")
        where = QLabel(" · ".join(x for x in (doctor.specialty_names, doctor.location) if x), objectName="subtle")
        self.banner = banner_label()
        self.read_only_notice = QLabel(
            "You can see these hours but not change them: a doctor changes only their own hours and leave; "
            "an administrator can change anyone's.", objectName="bannerInfo",
        )
        self.read_only_notice.setWordWrap(True)
        self.read_only_notice.setVisible(not self.can_edit)

        self.tabs = QTabWidget(objectName="availabilityTabs")
        self.tabs.addTab(self._build_hours_tab(), "&Weekly hours")
        self.tabs.addTab(self._build_exceptions_tab(), "&Leave and holidays")
        self._build_displaced()

        self.close_button = QPushButton("Close", objectName="closeAvailability")
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(where)
        layout.addWidget(self.read_only_notice)
        layout.addWidget(self.banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.displaced_box)
        layout.addLayout(bottom)
        # Enter in a field must not press some button: the first one would be picked as the default.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self._set_editable_state()
        self.reload()

    # --- building ----------------------------------------------------------------------------

    def _build_hours_tab(self) -> QWidget:
        self.editor = WeeklyTemplateEditor(editable=self.can_edit)
        self.editor.changed.connect(self._template_edited)
        scroll = QScrollArea(objectName="templateScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        explain = QLabel(
            "Sessions repeat every week, in the clinic's time zone. Patients are booked into slots of the "
            "given length. Booked appointments are never cancelled by a change here: any that no longer "
            "fit are listed below for rebooking.", objectName="subtle",
        )
        explain.setWordWrap(True)
        self.template_status = QLabel(objectName="subtle")
        self.template_status.setWordWrap(True)
        self.revert_button = QPushButton("Undo changes", objectName="revertTemplate")
        self.revert_button.clicked.connect(self._revert_template)
        # Not styled "primary": that style also paints a disabled button as if it could be pressed.
        self.save_template_button = QPushButton("Save weekly hours", objectName="saveTemplate")
        self.save_template_button.clicked.connect(self.save_template)
        row = QHBoxLayout()
        row.addWidget(self.template_status, 1)
        row.addWidget(self.revert_button)
        row.addWidget(self.save_template_button)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(explain)
        layout.addWidget(scroll, 1)
        layout.addLayout(row)
        return page

    def _build_exceptions_tab(self) -> QWidget:
        self.exceptions_model = ExceptionTableModel(self)
        self.exceptions_table = _table("exceptionsTable")
        self.exceptions_table.setModel(self.exceptions_model)
        self.exceptions_table.horizontalHeader().setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        self.exceptions_table.selectionModel().selectionChanged.connect(lambda *_: self._update_remove())
        self.exceptions_caption = QLabel(objectName="subtle")
        self.remove_button = QPushButton("Remove selected…", objectName="removeException")
        self.remove_button.clicked.connect(self.remove_selected)
        list_row = QHBoxLayout()
        list_row.addWidget(self.exceptions_caption, 1)
        list_row.addWidget(self.remove_button)

        self.errors = FieldErrors()
        self.kind = QComboBox(objectName="exceptionKind")
        self.kind.addItem("Leave (whole days)", LEAVE)
        self.kind.addItem("Blocked time (meeting, surgery…)", BLOCK)
        if self.can_edit_clinic:
            self.kind.addItem("Clinic holiday (closed for every doctor)", HOLIDAY)
        self.first_day = DateField()
        self.first_day.setObjectName("firstDay")
        self.first_hint = QLabel(objectName="subtle")
        self.last_day = DateField()
        self.last_day.setObjectName("lastDay")
        self.last_hint = QLabel(objectName="subtle")
        self.block_from = TimeField()
        self.block_from.setObjectName("blockFrom")
        self.block_to = TimeField()
        self.block_to.setObjectName("blockTo")
        self.reason = QLineEdit(objectName="exceptionReason")
        self.add_exception_button = QPushButton("Add", objectName="addException")
        self.add_exception_button.clicked.connect(self.add_exception)
        self.reason.returnPressed.connect(self.add_exception)

        self.first_label = QLabel("&First day")
        self.first_label.setBuddy(self.first_day)
        self.last_label = QLabel("L&ast day")
        self.last_label.setBuddy(self.last_day)
        self.from_label = QLabel("F&rom")
        self.from_label.setBuddy(self.block_from)
        self.to_label = QLabel("to")
        kind_label = QLabel("&Add")
        kind_label.setBuddy(self.kind)
        reason_label = QLabel("Rea&son")
        reason_label.setBuddy(self.reason)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.addWidget(kind_label, 0, 0)
        grid.addWidget(self.kind, 0, 1, 1, 4)
        grid.addWidget(self.first_label, 1, 0)
        grid.addWidget(self.first_day, 1, 1)
        grid.addWidget(self.first_hint, 1, 2)
        grid.addWidget(self.last_label, 1, 3)
        grid.addWidget(self.last_day, 1, 4)
        grid.addWidget(self.last_hint, 1, 5)
        times = QHBoxLayout()
        times.addWidget(self.block_from)
        times.addWidget(self.to_label)
        times.addWidget(self.block_to)
        times.addStretch(1)
        grid.addWidget(self.from_label, 2, 0)
        grid.addLayout(times, 2, 1, 1, 5)
        grid.addWidget(reason_label, 3, 0)
        grid.addWidget(self.reason, 3, 1, 1, 4)
        grid.addWidget(self.add_exception_button, 3, 5, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(5, 1)
        error_lines = QVBoxLayout()
        error_lines.setSpacing(0)
        for name, widget in (("first_day", self.first_day), ("last_day", self.last_day),
                             ("starts_at", self.block_from), ("ends_at", self.block_to), ("reason", self.reason)):
            error_lines.addWidget(self.errors.add(name, widget))
        self.exception_status = QLabel(objectName="subtle")
        self.exception_status.setWordWrap(True)

        self.add_box = QGroupBox("Add leave, a blocked time or a holiday")
        add_layout = QVBoxLayout(self.add_box)
        add_layout.addLayout(grid)
        add_layout.addLayout(error_lines)

        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.first_day.date_changed.connect(self._first_day_changed)
        self.last_day.date_changed.connect(lambda d: self.last_hint.setText(day_hint(d)))

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(self.exceptions_table, 1)
        layout.addLayout(list_row)
        layout.addWidget(self.add_box)
        layout.addWidget(self.exception_status)
        self._kind_changed()
        return page

    def _build_displaced(self) -> None:
        self.displaced_box = QWidget(objectName="displacedBox")
        self.displaced_notice = QLabel(objectName="bannerWarning")
        self.displaced_notice.setWordWrap(True)
        self.displaced_model = DisplacedTableModel(self)
        self.displaced_table = _table("displacedTable")
        self.displaced_table.setModel(self.displaced_model)
        layout = QVBoxLayout(self.displaced_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.displaced_notice)
        layout.addWidget(self.displaced_table, 1)
        self.displaced_box.hide()

    # --- loading -----------------------------------------------------------------------------

    def reload(self, *, with_sessions: bool = True) -> None:
        self._runner.submit(
            load_availability, self._availability, self.doctor.id, with_sessions=with_sessions,
            on_done=self._loaded, on_error=self._failed, context=self,
        )

    def _loaded(self, data: AvailabilityData) -> None:
        first_load = not self.loaded
        self.loaded = True
        self.zone, self.today = data.zone, data.today
        if data.sessions is not None:
            self.editor.set_sessions(data.sessions)
            self._template_edited()
        self.exceptions_model.set_rows(data.exceptions, data.zone)
        until = data.today + timedelta(weeks=EXCEPTION_WEEKS)
        self.exceptions_caption.setText(
            f"From today to {until:%d %b %Y}" + ("" if data.exceptions else ": nothing planned.")
        )
        self.show_displaced(data.displaced)
        if first_load:
            self.first_day.set_date(data.today)
            self.last_day.set_date(data.today)
        self._set_editable_state()

    def show_displaced(self, appointments: list[AppointmentRecord]) -> None:
        """List the appointments that fall outside the doctor's hours now; hidden when there are none."""
        self.displaced_model.set_rows(appointments)
        if not appointments:
            self.displaced_box.hide()
            return
        count = len(appointments)
        self.displaced_notice.setText(
            f"{'This appointment now falls' if count == 1 else f'These {count} appointments now fall'} outside "
            f"{self.doctor.full_name}'s hours — rebook {'it' if count == 1 else 'them'}. "
            "Nothing was cancelled: call each patient and move the appointment in the scheduler."
        )
        table = self.displaced_table
        rows_height = sum(table.rowHeight(r) for r in range(min(count, 5)))
        table.setFixedHeight(table.horizontalHeader().height() + rows_height + 2 * table.frameWidth() + 2)
        self.displaced_box.show()

    # --- weekly hours ------------------------------------------------------------------------

    def save_template(self) -> None:
        if not self.can_edit or not self.loaded:
            return
        self.banner.hide()
        sessions = self.editor.sessions()
        if sessions is None:
            self.template_status.setText("Some times cannot be read; see the marked sessions.")
            return
        self._set_template_busy(True)
        self._runner.submit(
            self._availability.set_weekly_template, self.doctor.id, sessions,
            on_done=self._template_saved, on_error=self._template_failed, context=self,
        )

    def _template_saved(self, change: TemplateChange) -> None:
        self._set_template_busy(False)
        self.editor.set_sessions(change.sessions)
        count = len(change.displaced)
        self.template_status.setText(
            "Saved the weekly hours."
            + (f" {count} booked appointment{'s' if count != 1 else ''} no longer fit: see below." if count else "")
        )
        self.show_displaced(change.displaced)
        self._template_edited(keep_status=True)
        self.availability_changed.emit(self.doctor.id)

    def _template_failed(self, exc: Exception) -> None:
        self._set_template_busy(False)
        if isinstance(exc, ValidationError):
            unplaced = self.editor.show_errors(exc.fields)
            self.template_status.setText("Nothing was saved: please correct the marked sessions.")
            if unplaced:
                self._show_banner(" ".join(unplaced))
        else:
            self._failed(exc)

    def _revert_template(self) -> None:
        self.template_status.setText("")
        self.reload()

    def _template_edited(self, keep_status: bool = False) -> None:
        dirty = self.editor.dirty
        self.save_template_button.setEnabled(self.can_edit and self.loaded and dirty)
        self.revert_button.setEnabled(self.can_edit and self.loaded and dirty)
        if dirty and not keep_status:
            self.template_status.setText("Unsaved changes.")
        elif not dirty and self.template_status.text() == "Unsaved changes.":
            self.template_status.setText("")

    def _set_template_busy(self, busy: bool) -> None:
        self.save_template_button.setEnabled(not busy)
        self.save_template_button.setText("Saving…" if busy else "Save weekly hours")

    # --- leave, blocks, holidays -------------------------------------------------------------

    def add_exception(self) -> None:
        if not self.can_edit or not self.loaded or self.zone is None:
            return
        self.errors.clear()
        self.banner.hide()
        kind = self.kind.currentData()
        first = self.first_day.date()
        if first is None:
            self.errors.show({"first_day": "Type the day as 2030-01-09 or 09/01/2030."})
            return
        reason = self.reason.text()
        call: Callable[[], ExceptionChange]
        if kind == BLOCK:
            start, end = self.block_from.time(), self.block_to.time()
            problems = {}
            if start is None:
                problems["starts_at"] = "Type the start time as HH:MM."
            if end is None:
                problems["ends_at"] = "Type the end time as HH:MM."
            if problems:
                self.errors.show(problems)
                return
            starts_at = datetime.combine(first, start, tzinfo=self.zone)  # type: ignore[arg-type]
            ends_at = datetime.combine(first, end, tzinfo=self.zone)  # type: ignore[arg-type]

            def call() -> ExceptionChange:
                return self._availability.add_block(self.doctor.id, starts_at, ends_at, reason)
        else:
            last = self.last_day.date()
            if last is None:
                self.errors.show({"last_day": "Type the day as 2030-01-09 or 09/01/2030."})
                return
            if kind == HOLIDAY:
                def call() -> ExceptionChange:
                    return self._availability.add_clinic_holiday(first, last, reason)
            else:
                def call() -> ExceptionChange:
                    return self._availability.add_leave(self.doctor.id, first, last, reason)
        self.add_exception_button.setEnabled(False)
        self._runner.submit(call, on_done=self._exception_added, on_error=self._exception_failed, context=self)

    def _exception_added(self, change: ExceptionChange) -> None:
        self.add_exception_button.setEnabled(True)
        self.reason.clear()
        exc = change.exception
        start, end = describe_range(exc, self.zone or ZoneInfo("UTC"))
        what = KIND_LABELS.get(exc.kind, exc.kind)
        text = f"Added: {what.lower()} {start}" + (f" to {end}" if end != start else "") + "."
        if change.displaced:
            text += f" {len(change.displaced)} booked appointment(s) fall in it: see the list to rebook."
        self.exception_status.setText(text)
        self.availability_changed.emit(self.doctor.id)
        self.reload(with_sessions=False)

    def _exception_failed(self, exc: Exception) -> None:
        self.add_exception_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc.fields)
            if unplaced:
                self._show_banner(" ".join(unplaced))
        else:
            self._failed(exc)

    def selected_exception(self) -> ExceptionRecord | None:
        rows = self.exceptions_table.selectionModel().selectedRows()
        return rows[0].data(ExceptionRole) if rows else None

    def remove_selected(self) -> None:
        exc = self.selected_exception()
        if exc is None or not self._may_remove(exc):
            return
        start, end = describe_range(exc, self.zone or ZoneInfo("UTC"))
        what = KIND_LABELS.get(exc.kind, exc.kind).lower()
        confirm(
            self, title="Remove", action="Remove", name="confirmRemoveException",
            text=f"Remove the {what} {start}" + (f" to {end}" if end != start else "") + "?",
            informative="Those times become bookable again." if exc.kind != HOLIDAY
            else "The clinic is then open again on those days, for every doctor.",
            on_yes=lambda: self._remove(exc),
        )

    def _remove(self, exc: ExceptionRecord) -> None:
        self.remove_button.setEnabled(False)

        def removed(_result: Any) -> None:
            self.exception_status.setText("Removed.")
            self.availability_changed.emit(self.doctor.id)
            self.reload(with_sessions=False)

        self._runner.submit(
            self._availability.remove_exception, exc.id, on_done=removed, on_error=self._failed, context=self,
        )

    def _may_remove(self, exc: ExceptionRecord) -> bool:
        return self.can_edit_clinic if exc.doctor_id is None else self.can_edit

    def _update_remove(self) -> None:
        exc = self.selected_exception()
        self.remove_button.setEnabled(exc is not None and self._may_remove(exc))
        if exc is not None and exc.doctor_id is None and not self.can_edit_clinic:
            self.remove_button.setToolTip("Only an administrator can remove a clinic holiday.")
        else:
            self.remove_button.setToolTip("")

    def _kind_changed(self) -> None:
        block = self.kind.currentData() == BLOCK
        self.first_label.setText("&Day" if block else "&First day")
        for widget in (self.last_label, self.last_day, self.last_hint):
            widget.setVisible(not block)
        for widget in (self.from_label, self.block_from, self.to_label, self.block_to):
            widget.setVisible(block)
        self.reason.setPlaceholderText("Optional" if self.kind.currentData() == LEAVE else "Required")
        self.errors.clear()

    def _first_day_changed(self, day: date | None) -> None:
        self.first_hint.setText(day_hint(day))
        last = self.last_day.date()
        if day is not None and (last is None or last < day):  # keep the range the right way round
            self.last_day.set_date(day)

    # --- state -------------------------------------------------------------------------------

    def _set_editable_state(self) -> None:
        self.add_box.setVisible(self.can_edit)
        self.remove_button.setVisible(self.can_edit)
        self.save_template_button.setVisible(self.can_edit)
        self.revert_button.setVisible(self.can_edit)
        self._template_edited(keep_status=True)
        self._update_remove()

    def _failed(self, exc: Exception) -> None:
        self.remove_button.setEnabled(True)
        if isinstance(exc, HmsError):
            self._show_banner(exc.message)
        else:
            show_error(self, exc)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def reject(self) -> None:
        if self.editor.dirty and self.can_edit:
            confirm(
                self, title="Unsaved hours", action="Discard changes", name="confirmDiscardHours",
                text="The weekly hours have changes that were not saved. Close and discard them?",
                on_yes=lambda: QDialog.reject(self),
            )
            return
        super().reject()
