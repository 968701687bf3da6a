"""The Scheduler tab: a day view (one column per doctor) and a week view (one doctor, seven days).

Everything the grid shows comes from ``SchedulingService.day_view`` run on the worker; the models
hold no database access. Click (or press Enter on) a free slot to book it; select an appointment to
confirm, check in, move, cancel, print its slip or read its history. Changes made at other desks
arrive through the ScheduleWatcher and reload the shown day when they concern it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QTextCharFormat
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import ScheduleChange
from ...services.doctors import DoctorRecord, SpecialtyRecord
from ...services.errors import HmsError
from ...services.identity import CurrentUser
from ...services.patients import PatientRecord, PatientSummary
from ...services.permissions import Permission
from ...services.scheduling import AppointmentRecord, DoctorDay, VisitAction, allowed_actions
from ..common.balances import balance_loader
from ..common.live_updates import ScheduleWatcher
from ..common.messages import show_error
from ..common.worker import TaskRunner
from . import shortcuts as keys
from .appointment_actions import AppointmentActionsMixin
from .booking_actions import BookingActionsMixin
from .booking_dialog import BookingDialog
from .calendar_days import DAY, WEEK
from .calendar_days import monday as _monday
from .calendar_days import qdate as _qdate
from .day_grid_model import (
    AppointmentRole,
    CellKind,
    CellKindRole,
    DayGridModel,
    DoctorIdRole,
    ScheduleGridModel,
    SlotRole,
    WeekGridModel,
)
from .doctor_box import DoctorBox
from .doctor_picker import DoctorPickerMixin
from .elided_label import ElidedLabel as _ElidedLabel
from .grid_style import STATUS_LABELS
from .load_calendar import calendar_span
from .schedule_grid_view import ScheduleGridView
from .slip_printing import SlipPrinter
from .waiting_list_actions import WaitingListMixin
from .waiting_list_dialog import WaitingListDialog

#: The day view shows at most this many doctors side by side; the filter narrows the rest.
MAX_COLUMNS = 24
#: Changes from other desks often come in bursts (a walk-in is a booking and a check-in): one reload.
LIVE_RELOAD_DELAY_MS = 150
FILTER_DELAY_MS = 150
WEEK_COLUMN_WIDTH = 120  # seven days side by side on a 1280-pixel screen


@dataclass(frozen=True)
class _Setup:
    today: date
    specialties: list[SpecialtyRecord]
    doctors: list[DoctorRecord]


@dataclass(frozen=True)
class _Grid:
    mode: str
    day: date  # the day shown, or the Monday of the week shown
    zone: ZoneInfo
    columns: list[DoctorDay]
    now: datetime | None = None
    loads: dict[date, int] = field(default_factory=dict)  # booked per day, for the month calendar


class SchedulerTab(DoctorPickerMixin, AppointmentActionsMixin, BookingActionsMixin, WaitingListMixin, QWidget):
    status_message = Signal(str)

    def __init__(
        self,
        services,  # type: ignore[no-untyped-def] - bootstrap.Services
        runner: TaskRunner,
        user: CurrentUser,
        watcher: ScheduleWatcher | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._scheduling = services.scheduling
        self._visits = services.visits
        self._doctors = services.doctors
        self._patients = services.patients
        self._runner = runner
        self._user = user
        self._mode = DAY
        self._day = date.today()  # until the clinic's own "today" arrives
        self._today: date | None = None
        self._navigated = False
        self._all_doctors: list[DoctorRecord] = []
        self._specialties: list[Any] = []
        self._unchecked: set[int] = set()
        self._generation = 0
        self._selected_id: int | None = None
        self._capped_from = 0
        self.dialogs: list[QDialog] = []
        self.context_menu: QMenu | None = None
        self.last_message: QMessageBox | None = None
        self.slip_printer = SlipPrinter(services.slips, runner, self)
        self.move_box: QMessageBox | None = None
        self.visit_actions = self._make_visit_actions()
        self._balance_load = balance_loader(services, user)  # None unless this user may see billing
        self._booking_for: PatientRecord | PatientSummary | None = None  # book_for_patient's patient
        self._pending_patient: PatientRecord | PatientSummary | None = None
        self._pending_find = False  # Ctrl+G pressed before the doctors were loaded
        self._waiting_list = services.waiting_list  # the waiting list's part: waiting_list_actions.py
        self.waiting_dialog: WaitingListDialog | None = None
        self._pending_slot: tuple[int, datetime] | None = None  # show_slot's doctor and start, until shown

        self._build_waiting_button()
        self._build_left()
        self._build_right()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(10)
        layout.addWidget(self.left_panel)
        layout.addWidget(self.right_panel, 1)

        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_RELOAD_DELAY_MS)
        self._live_timer.timeout.connect(self._live_reload)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._doctors_filtered)
        QShortcut(QKeySequence(keys.TODAY), self, activated=self.go_today)
        QShortcut(QKeySequence(keys.PREVIOUS), self, activated=lambda: self.step(-1))
        QShortcut(QKeySequence(keys.NEXT), self, activated=lambda: self.step(1))
        QShortcut(QKeySequence(keys.NEXT_FREE), self, activated=self.find_next_free)
        QShortcut(QKeySequence(keys.WALK_IN), self, activated=self.add_walk_in)
        for act, key in ((self.book_action, keys.BOOK), (self.check_in_action, keys.CHECK_IN),
                         (self.slip_action, keys.PRINT_SLIP), (self.save_slip_action, keys.SAVE_SLIP)):
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(act)

        if watcher is not None:
            watcher.changed.connect(self._schedule_changed)
            watcher.start()  # idempotent; whoever made the watcher stops it
        # Nothing is loaded until refresh(): the main window calls it when the tab is first shown,
        # so a Scheduler nobody opened never queues work ahead of the Patients tab.
        self._update_actions()

    # --- building ----------------------------------------------------------------------------

    def _build_right(self) -> None:
        self.selected_label = _ElidedLabel("")
        self.selected_label.setObjectName("selectedAppointment")
        self.prev_button = QToolButton(objectName="previousDay", text="◀")
        self.next_button = QToolButton(objectName="nextDay", text="▶")
        self.prev_button.setToolTip("Previous day/week (Alt+Left)")
        self.next_button.setToolTip("Next day/week (Alt+Right)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        # The heading shortens with "…" on a narrow window instead of setting its minimum width.
        self.date_label = _ElidedLabel("", align=Qt.AlignmentFlag.AlignLeft, color="")
        self.date_label.setObjectName("heading")
        self.date_label.setMinimumWidth(150)
        self.week_doctor = DoctorBox(objectName="weekDoctor")
        self.week_doctor.setMinimumWidth(160)
        # Not as wide as the longest name and specialty: that raised the window's minimum width.
        self.week_doctor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.week_doctor.setMinimumContentsLength(16)
        self.week_doctor.hide()
        self.week_doctor.currentIndexChanged.connect(lambda _i: self.reload_grid() if self._mode == WEEK else None)
        self.next_free_button = QPushButton("Next free…", objectName="findNextFree")
        self.next_free_button.setToolTip(f"The earliest free times with a doctor, or any doctor of a specialty ({keys.NEXT_FREE})")
        self.next_free_button.clicked.connect(self.find_next_free)
        self.walk_in_button = QPushButton("Walk-in…", objectName="addWalkIn")
        self.walk_in_button.clicked.connect(self.add_walk_in)
        self.walk_in_button.setToolTip(f"Someone at the desk now: the next token with a doctor ({keys.WALK_IN})")
        self.walk_in_button.setVisible(self._user.can(Permission.SCHEDULE_BOOK))
        self.refresh_button = QPushButton("Refresh", objectName="schedulerRefresh")
        self.refresh_button.setToolTip("Reload the doctors and the schedule (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence(keys.REFRESH), self, activated=self.refresh)
        self.panel_button = QToolButton(objectName="togglePanel", text="☰", checkable=True, checked=True)
        self.panel_button.setToolTip(f"Show or hide the calendar and doctor list ({keys.PANEL})")
        self.panel_button.toggled.connect(self.show_panel)
        QShortcut(QKeySequence(keys.PANEL), self, activated=self.panel_button.toggle)
        top = QHBoxLayout()
        top.addWidget(self.panel_button)
        top.addWidget(self.prev_button)
        top.addWidget(self.date_label, 3)
        top.addWidget(self.next_button)
        top.addSpacing(8)
        top.addWidget(self.week_doctor)
        top.addStretch(1)
        top.addSpacing(8)
        top.addWidget(self.refresh_button)
        top.addWidget(self.next_free_button)
        top.addWidget(self.walk_in_button)

        self.toolbar = QToolBar(objectName="appointmentActions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        def action(text: str, slot: Any, name: str, tip: str) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            return act

        can = self._user.can
        manages = can(Permission.VISIT_MANAGE_ANY) or can(Permission.VISIT_MANAGE_OWN)
        self.confirm_action = action("Confirm", self.confirm_selected, "confirmAction", "Confirm a requested appointment")
        self.check_in_action = action("Check in", self.check_in_selected, "checkInAction", "The patient has arrived")
        self.start_visit_action = action("Start visit", self.start_visit_selected, "startVisitAction",
                                         "The patient goes in to the doctor")
        self.complete_action = action("Complete", self.complete_selected, "completeAction", "The visit is over")
        self.reschedule_action = action("Reschedule…", self.reschedule_selected, "rescheduleAction",
                                        "Move to another free time")
        self.cancel_action = action("Cancel…", self.cancel_selected, "cancelAction", "Cancel, with a reason")
        self.no_show_action = action("No-show", self.no_show_selected, "noShowAction", "The patient did not come")
        self.reject_action = action("Reject…", self.reject_selected, "rejectAction", "The doctor declines, with a reason")
        self.history_action = action("History", self.history_selected, "historyAction", "Everything that happened to it")
        self.slip_action = action("Print slip…", self.print_slip, "slipAction",
                                  f"Preview and print the appointment slip ({keys.PRINT_SLIP})")
        self.save_slip_action = action("Save slip as PDF…", self.save_slip_as_pdf, "saveSlipAction",
                                       f"Save the appointment slip as a PDF in the documents folder ({keys.SAVE_SLIP})")
        self.book_action = action("Book this slot…", self.book_current, "bookAction", "Book the selected free slot")
        self.confirm_action.setVisible(can(Permission.SCHEDULE_BOOK) or manages)
        self.check_in_action.setVisible(can(Permission.VISIT_CHECK_IN))
        for act in (self.start_visit_action, self.complete_action, self.reject_action):
            act.setVisible(manages)
        for act in (self.reschedule_action, self.cancel_action, self.no_show_action, self.book_action):
            act.setVisible(can(Permission.SCHEDULE_BOOK))
        self.appointment_actions = [
            self.confirm_action, self.check_in_action, self.start_visit_action, self.complete_action,
            self.reschedule_action, self.cancel_action, self.no_show_action, self.reject_action,
        ]
        for act in self.appointment_actions:
            self.toolbar.addAction(act)
        self.bill_action = self._make_bill_action()
        self.visit_record_action = self._make_visit_record_action()
        self.toolbar.addSeparator()
        self.toolbar.addActions([self.visit_record_action, self.bill_action])
        self.toolbar.addAction(self.history_action)
        self.toolbar.addAction(self.slip_action)

        self.day_model = DayGridModel(self)
        self.week_model = WeekGridModel(self)
        self.day_view = ScheduleGridView()
        self.day_view.setObjectName("dayGrid")
        self.day_view.setModel(self.day_model)
        self.week_view = ScheduleGridView(min_column_width=WEEK_COLUMN_WIDTH)
        self.week_view.setObjectName("weekGrid")
        self.week_view.setModel(self.week_model)
        self.empty_label = QLabel(objectName="schedulerEmpty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet("color: #5d6776; font-size: 12pt; background: white; border: 1px solid #d5d9e0;")
        self.stack = QStackedWidget(objectName="schedulerStack")
        self.stack.addWidget(self.day_view)
        self.stack.addWidget(self.week_view)
        self.stack.addWidget(self.empty_label)
        for view in (self.day_view, self.week_view):
            view.clicked.connect(self._cell_clicked)
            view.cell_activated.connect(self._cell_activated)
            view.customContextMenuRequested.connect(lambda pos, v=view: self._context_menu(v, pos))
            view.selectionModel().currentChanged.connect(lambda *_: self._current_changed())
            view.can_move = self._can_move
            view.move_requested.connect(self._move_dropped)
            view.drag_refused.connect(self.status_message.emit)
        self.day_view.horizontalHeader().sectionDoubleClicked.connect(self._header_double_clicked)
        self.status = _ElidedLabel("", align=Qt.AlignmentFlag.AlignLeft, color="#5d6776")
        self.status.setObjectName("subtle")

        self.right_panel = QWidget(objectName="schedulerRight")
        right = QVBoxLayout(self.right_panel)
        right.setContentsMargins(0, 0, 0, 0)
        right.addLayout(top)
        actions_row = QHBoxLayout()
        actions_row.addWidget(self.toolbar)
        actions_row.addSpacing(8)
        actions_row.addWidget(self.selected_label, 1)
        right.addLayout(actions_row)
        right.addWidget(self.stack, 1)
        self.hint = _ElidedLabel(self._how_to_hint(), color="#5d6776")
        self.hint.setObjectName("subtle")
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.hint)
        right.addLayout(status_row)

    def show_panel(self, shown: bool) -> None:
        """Show or hide the left panel (calendar, doctors, key)."""
        self.left_panel.setVisible(shown)
        if self.panel_button.isChecked() != shown:
            self.panel_button.setChecked(shown)

    # --- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the doctors, specialties and the clinic's date, then the grid."""
        self.status.setText("Loading…")
        self._runner.submit(self._fetch_setup, on_done=self._setup_arrived, on_error=self._load_failed,
                            context=self, key=f"scheduler-setup-{id(self)}")

    def _fetch_setup(self) -> _Setup:
        # Worker thread.
        return _Setup(self._scheduling.today(), self._doctors.specialties(),
                      self._doctors.search(only_bookable=True, limit=5000))

    def _setup_arrived(self, setup: _Setup) -> None:
        self._today = setup.today
        self._all_doctors = setup.doctors
        self._specialties = setup.specialties
        fmt = QTextCharFormat()
        fmt.setFontWeight(700)
        fmt.setForeground(Qt.GlobalColor.darkBlue)
        self.calendar.setDateTextFormat(QDate(), QTextCharFormat())
        self.calendar.setDateTextFormat(_qdate(setup.today), fmt)
        current = self.specialty.currentData()
        self.specialty.blockSignals(True)
        self.specialty.clear()
        self.specialty.addItem("All specialties", None)
        for spec in setup.specialties:
            self.specialty.addItem(spec.name, spec.id)
        self.specialty.setCurrentIndex(max(0, self.specialty.findData(current)))
        self.specialty.blockSignals(False)
        self._fill_doctor_list()
        if not self._navigated:
            # The calendar starts on the computer's date, so setting the clinic's date may not
            # change its selection (no signal): write the heading ourselves.
            self._set_calendar(setup.today)
            self._day = setup.today
        self._update_heading()
        self.reload_grid()
        if self._pending_patient is not None:
            patient, self._pending_patient = self._pending_patient, None
            self.book_for_patient(patient)
        elif self._pending_find:
            self._pending_find = False
            self.find_next_free()
        self._open_pending_waiting()

    def reload_grid(self) -> None:
        """Fetch the shown day (or week) again on the worker; the newest request wins."""
        self._live_timer.stop()
        self._generation += 1
        generation = self._generation
        if self._mode == DAY:
            shown = self.shown_doctor_ids()
            self._capped_from = len(shown)
            ids = shown[:MAX_COLUMNS]
            if not ids:
                self._show_grid(generation, _Grid(DAY, self._day, ZoneInfo("UTC"), []))
                return
            args: tuple[Any, ...] = (DAY, self._day, ids)
        else:
            doctor_id = self.week_doctor.currentData()
            if doctor_id is None:
                self._show_grid(generation, _Grid(WEEK, _monday(self._day), ZoneInfo("UTC"), []))
                return
            args = (WEEK, _monday(self._day), [doctor_id])
        self._runner.submit(
            self._fetch_grid, *args,
            on_done=lambda grid, g=generation: self._show_grid(g, grid),
            on_error=lambda exc, g=generation: self._grid_failed(g, exc), context=self,
            key=f"scheduler-grid-{id(self)}",
        )

    def _fetch_grid(self, mode: str, day: date, doctor_ids: list[int]) -> _Grid:
        # Worker thread.
        zone = self._scheduling.time_zone()
        now = self._scheduling.clock().astimezone(zone)  # the service's clock: tests and demos pin it
        loads = self._scheduling.day_loads(doctor_ids, *calendar_span(day))
        if mode == DAY:
            return _Grid(DAY, day, zone, self._scheduling.day_view(doctor_ids, day), now, loads)
        columns = []
        for offset in range(7):
            columns.extend(self._scheduling.day_view(doctor_ids, day + timedelta(days=offset)))
        return _Grid(WEEK, day, zone, columns, now, loads)

    def _show_grid(self, generation: int, grid: _Grid) -> None:
        if generation != self._generation:
            return
        view = self.current_view()
        model = self.current_model()
        keep_scroll = model.columns and model.columns[0].day == (grid.columns[0].day if grid.columns else None)
        scroll = view.verticalScrollBar().value(), view.horizontalScrollBar().value()
        model.set_columns(grid.columns, grid.zone, grid.now)
        self.calendar.set_loads(grid.loads)
        if keep_scroll:
            view.verticalScrollBar().setValue(scroll[0])
            view.horizontalScrollBar().setValue(scroll[1])
        elif grid.now is not None and any(c.day == grid.now.date() for c in grid.columns):
            # Today: start where the day is now (a little before), not at the first session.
            row = model.row_of_time((grid.now - timedelta(minutes=30)).time())
            if row is not None and model.columnCount():
                view.scrollTo(model.index(row, 0), ScheduleGridView.ScrollHint.PositionAtTop)
        if self._selected_id is not None:
            index = model.find_appointment(self._selected_id)
            if index.isValid():
                view.setCurrentIndex(index)
        self._show_status(grid)
        self._update_actions()
        if self._pending_slot is not None and self._mode == DAY and grid.day == self._pending_slot[1].date():
            self._select_slot(*self._pending_slot)

    def _show_status(self, grid: _Grid) -> None:
        model = self.current_model()
        if not grid.columns:
            if self._mode == DAY:
                text = "No doctor is selected: tick doctors in the list on the left." if self._all_doctors or not self._today \
                    else "No bookable doctors yet: add and verify doctors in the Doctors tab."
            else:
                text = "Choose a doctor to see their week."
            self.empty_label.setText(text)
            self.stack.setCurrentWidget(self.empty_label)
            self.status.setText("")
            return
        if model.rowCount() == 0:
            if self._mode == DAY:
                self.empty_label.setText(f"No one sees patients on {self._day:%A %d %B %Y}.")
            else:
                self.empty_label.setText(f"{grid.columns[0].doctor_name} has no hours in this week.")
            self.stack.setCurrentWidget(self.empty_label)
        else:
            self.stack.setCurrentWidget(self.current_view())
        booked = sum(1 for c in grid.columns for a in c.appointments if a.status not in ("no_show",))
        free = sum(len(c.free_slots) for c in grid.columns)
        if self._mode == DAY:
            who = f"{len(grid.columns)} doctor{'s' if len(grid.columns) != 1 else ''}"
            capped = (f" — showing the first {MAX_COLUMNS} of {self._capped_from}; narrow the filter to see others"
                      if self._capped_from > MAX_COLUMNS else "")
            self.status.setText(f"{who} · {booked} booked · {free} free{capped} · times in {grid.zone.key}")
        else:
            self.status.setText(f"{grid.columns[0].doctor_name}: {booked} booked · {free} free this week"
                                f" · times in {grid.zone.key}")

    def _grid_failed(self, generation: int, exc: Exception) -> None:
        """The day (or week) asked for could not be loaded: the heading and calendar already show
        it, so the grid must not go on showing the previous one's bookings under that heading."""
        if generation != self._generation:
            return
        self._selected_id = None
        self.day_model.set_columns([], ZoneInfo("UTC"), None)
        self.week_model.set_columns([], ZoneInfo("UTC"), None)
        what = f"{self._day:%A %d %B %Y}" if self._mode == DAY else \
            f"the week of {_monday(self._day):%d %B %Y}"
        reason = exc.message if isinstance(exc, HmsError) else "Something went wrong while loading it."
        self.empty_label.setText(f"The schedule for {what} could not be loaded.\n{reason}\n\n"
                                 "Press F5 (Refresh) to try again.")
        self.stack.setCurrentWidget(self.empty_label)
        self._update_actions()
        self._load_failed(exc)

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText(exc.message if isinstance(exc, HmsError) else "Could not load the schedule.")
        self.last_message = show_error(self, exc)

    # --- live refresh ------------------------------------------------------------------------

    def _live_reload(self) -> None:
        if self.current_view().dragging:
            self._live_timer.start()  # not under a held card: after it is dropped
            return
        self.reload_grid()

    def _schedule_changed(self, changes: list[ScheduleChange]) -> None:
        for dialog in self.dialogs:
            if isinstance(dialog, BookingDialog):
                dialog.schedule_changed(changes)  # its slot may just have been taken
        if self.waiting_dialog is not None:
            self.waiting_dialog.schedule_changed(changes)
        if any(change.topic == "doctors" for change in changes):
            self.refresh()  # a doctor verified, (de)activated or edited: the doctor list, then the grid
            return
        model = self.current_model()
        doctors = {c.doctor_id for c in model.columns}
        days = {c.day for c in model.columns}
        for change in changes:
            if change.kind == "resync" or (
                (change.doctor_id is None or change.doctor_id in doctors) and (change.day is None or change.day in days)
            ):
                self._live_timer.start()
                return

    # --- navigation --------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def shown_day(self) -> date:
        return self._day

    def show_day(self, day: date) -> None:
        """Show this local day (in week mode: its week)."""
        self._navigated = True
        if self.calendar.selectedDate() == _qdate(day):
            self._day = day
            self._update_heading()
            self.reload_grid()
        else:
            self._set_calendar(day)

    def go_today(self) -> None:
        if self._today is not None:
            self.show_day(self._today)

    def step(self, direction: int) -> None:
        self.show_day(self._day + timedelta(days=direction * (7 if self._mode == WEEK else 1)))

    def set_mode(self, mode: str, doctor_id: int | None = None) -> None:
        if mode == WEEK and doctor_id is None:
            index = self.day_view.currentIndex()
            doctor_id = index.data(DoctorIdRole) if index.isValid() else None
        self._mode = mode
        self.day_button.setChecked(mode == DAY)
        self.week_button.setChecked(mode == WEEK)
        self.week_doctor.setVisible(mode == WEEK)
        if doctor_id is not None and self.week_doctor.findData(doctor_id) >= 0:
            self.week_doctor.blockSignals(True)
            self.week_doctor.setCurrentIndex(self.week_doctor.findData(doctor_id))
            self.week_doctor.blockSignals(False)
        self.stack.setCurrentWidget(self.current_view())
        self._update_heading()
        self._selected_id = None
        self.reload_grid()

    def _set_calendar(self, day: date) -> None:
        self.calendar.setSelectedDate(_qdate(day))
        self.calendar.setCurrentPage(day.year, day.month)

    def _calendar_changed(self) -> None:
        qd = self.calendar.selectedDate()
        day = date(qd.year(), qd.month(), qd.day())
        if day == self._day and self.current_model().columns:
            return
        self._navigated = self._navigated or self._today is not None
        self._day = day
        self._update_heading()
        self.reload_grid()

    def _update_heading(self) -> None:
        if self._mode == DAY:
            text = f"{self._day:%A %d %B %Y}"
            if self._day == self._today:
                text += "  ·  today"
        else:
            monday = _monday(self._day)
            sunday = monday + timedelta(days=6)
            text = f"Week of {monday:%d %b} – {sunday:%d %b %Y}"
        self.date_label.setText(text)

    def _header_double_clicked(self, column: int) -> None:
        col = self.day_model.column(column)
        if col is not None:
            self.set_mode(WEEK, col.doctor_id)

    # --- the grid ----------------------------------------------------------------------------

    def current_view(self) -> ScheduleGridView:
        return self.day_view if self._mode == DAY else self.week_view

    def current_model(self) -> ScheduleGridModel:
        return self.day_model if self._mode == DAY else self.week_model

    def selected_appointment(self) -> AppointmentRecord | None:
        index = self.current_view().currentIndex()
        return index.data(AppointmentRole) if index.isValid() else None

    def _current_changed(self) -> None:
        appt = self.selected_appointment()
        self._selected_id = appt.id if appt is not None else None
        self._update_actions()

    def _cell_clicked(self, index: QModelIndex) -> None:
        if index.data(CellKindRole) == CellKind.FREE:
            self.book_slot(index.data(SlotRole))

    def _cell_activated(self, index: QModelIndex) -> None:
        kind = index.data(CellKindRole)
        if kind == CellKind.FREE:
            self.book_slot(index.data(SlotRole))
        elif kind == CellKind.APPOINTMENT:
            self.history_selected()

    def book_current(self) -> None:
        index = self.current_view().currentIndex()
        if index.isValid() and index.data(CellKindRole) == CellKind.FREE:
            self.book_slot(index.data(SlotRole))

    def _context_menu(self, view: ScheduleGridView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        if not index.isValid():
            return
        view.setCurrentIndex(index)
        menu = QMenu(self)
        menu.setObjectName("schedulerMenu")
        kind = index.data(CellKindRole)
        if kind == CellKind.FREE and self.book_action.isVisible():
            menu.addAction(self.book_action)
        elif kind == CellKind.APPOINTMENT:
            for act in self.appointment_actions:
                if act.isVisible():
                    menu.addAction(act)
            menu.addSeparator()
            menu.addActions([act for act in (self.visit_record_action, self.bill_action) if act.isVisible()])
            menu.addAction(self.history_action)
            menu.addAction(self.slip_action)
            menu.addAction(self.save_slip_action)
        if menu.isEmpty():
            menu.deleteLater()
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.context_menu = menu
        menu.popup(view.viewport().mapToGlobal(pos))

    def _update_actions(self) -> None:
        appt = self.selected_appointment()
        index = self.current_view().currentIndex()
        self.book_action.setEnabled(index.isValid() and index.data(CellKindRole) == CellKind.FREE)
        self.bill_action.setEnabled(self._can_bill(appt))
        self.visit_record_action.setEnabled(self._can_open_visit(appt))
        for act in self.appointment_actions + [self.history_action, self.slip_action, self.save_slip_action]:
            act.setEnabled(False)
        if appt is None:
            self.selected_label.setText("")
            return
        self.selected_label.setText(
            f"Selected: {appt.local_start:%H:%M} {appt.patient_name} · "
            f"{STATUS_LABELS.get(appt.status, appt.status)}" + (f" · token {appt.token}" if appt.token is not None else "")
        )
        # The visit and move rules live once, in the service layer; the buttons ask them.
        doctor = next((d for d in self._all_doctors if d.id == appt.doctor_id), None)
        allowed = allowed_actions(self._user, appt, doctor, today=self._today)
        for action, act in ((VisitAction.CONFIRM, self.confirm_action), (VisitAction.CHECK_IN, self.check_in_action),
                            (VisitAction.START, self.start_visit_action), (VisitAction.COMPLETE, self.complete_action),
                            (VisitAction.MOVE, self.reschedule_action), (VisitAction.CANCEL, self.cancel_action),
                            (VisitAction.NO_SHOW, self.no_show_action), (VisitAction.REJECT, self.reject_action)):
            act.setEnabled(action in allowed)
        self.history_action.setEnabled(True)
        self.slip_action.setEnabled(True)
        self.save_slip_action.setEnabled(True)

    def _how_to_hint(self) -> str:
        if self._user.can(Permission.SCHEDULE_BOOK):
            return "Click a free slot to book · drag a card to move it · right-click for more"
        return "Select an appointment to act on it · right-click for more"

    def _bookable_doctors(self) -> list[DoctorRecord]:
        return [d for d in self._all_doctors if d.bookable]

    # --- slips -------------------------------------------------------------------------------

    def print_slip(self) -> None:
        """Preview the selected appointment's slip; the preview's Print button prints it."""
        appt = self.selected_appointment()
        if appt is not None:
            self.slip_printer.preview(appt)

    def save_slip_as_pdf(self) -> None:
        """Save the selected appointment's slip as a PDF (the documents folder is offered)."""
        appt = self.selected_appointment()
        if appt is not None:
            self.slip_printer.save_as_pdf(appt)

    # --- dialogs -----------------------------------------------------------------------------

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        self.dialogs.append(dialog)
        dialog.open()
