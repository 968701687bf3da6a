"""The Doctor's day tab: today's list for one doctor, the queue, and the visit workflow.

A doctor sees their own list (the doctor profile linked to their account). The front desk picks any
doctor and watches that queue. Changes made at other desks arrive through a ScheduleWatcher: the
list reloads, and arrivals, bookings and cancellations are announced in the tab and by ``notify``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.billing.invoices import BILLABLE_VISIT
from ...services.change_feed import ScheduleChange
from ...services.doctors import DoctorRecord, doctor_title
from ...services.errors import NotFound
from ...services.identity import CurrentUser
from ...services.patients import PatientRecord
from ...services.permissions import Permission
from ...services.scheduling import AppointmentRecord, VisitAction, allowed_actions, manages_visits
from ..clinical.visit_opening import VISIT_RECORD_STATUSES
from ..common.live_updates import ScheduleWatcher
from ..common.messages import show_error
from ..common.row_table_model import make_record_table
from ..common.visit_actions import VisitActions
from ..common.worker import TaskRunner
from ..patients.patient_dialog import PatientDialog
from .day_list_printing import DayListPrinter
from .notices import ANNOUNCED, NoticeList, concerns, notice_text
from .queue_model import (
    PATIENT,
    REASON,
    AppointmentRole,
    QueueModel,
)
from .reject_dialog import RejectDialog, confirm_no_show

if TYPE_CHECKING:
    from ...bootstrap import Services
    from ...services.scheduling import SchedulingService

log = logging.getLogger(__name__)

# The Waiting column is recomputed from arrival times this often; no database call.
WAITING_REFRESH_MS = 30_000
CELL_PADDING = "QTableView::item { padding-left: 6px; padding-right: 10px; }"


@dataclass(frozen=True)
class DayLoad:
    """What one background load brings back to the GUI thread."""

    doctor_id: int
    day: date
    zone: tzinfo
    rows: list[AppointmentRecord]
    changes: tuple[ScheduleChange, ...] = ()  # the changes this load answers
    announced: list[tuple[ScheduleChange, AppointmentRecord | None]] = field(default_factory=list)


def load_day(scheduling: SchedulingService, doctor_id: int, changes: Sequence[ScheduleChange] = ()) -> DayLoad:
    """Worker thread: today's list for one doctor, plus the appointment behind each change to announce
    (a cancelled one is no longer on the list, so it is read on its own)."""
    zone = scheduling.time_zone()
    day = scheduling.today()
    rows = scheduling.doctor_day(doctor_id, day)
    by_id = {r.id: r for r in rows}
    announced: list[tuple[ScheduleChange, AppointmentRecord | None]] = []
    for change in changes:
        if change.kind not in ANNOUNCED or change.appointment_id is None:
            continue
        record = by_id.get(change.appointment_id)
        if record is None:
            try:
                record = scheduling.get(change.appointment_id)
            except NotFound:
                record = None
        announced.append((change, record))
    return DayLoad(doctor_id, day, zone, rows, tuple(changes), announced)


def day_heading(name: str, day: date, booked: int, waiting: int, seen: int) -> str:
    return f"{doctor_title(name)} — {day:%A} {day.day} {day:%B}: {booked} booked, {waiting} waiting, {seen} seen"


class QueuesTab(QWidget):
    #: A one-line notice ("10:42 Asha Rao arrived") for the main window's status bar.
    notify = Signal(str)

    def __init__(
        self,
        services: Services,
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
        # A doctor sees their own list; everyone else picks whose queue to watch.
        self._own_list = user.role == "doctor"
        self._doctor: DoctorRecord | None = None
        self._day: date | None = None
        self._zone: tzinfo = UTC
        self._acting = False
        self._unannounced: list[ScheduleChange] = []
        self._load_key = f"doctor-day-load-{id(self)}"
        self.dialogs: list[QDialog] = []
        # The calls, "done" wording and error handling are shared with the Scheduler.
        self.visit_actions = VisitActions(
            self, runner, self._visits, on_done=self._changed, on_failed=self._action_failed, on_busy=self._set_acting
        )

        self.heading = QLabel("Doctor's day", objectName="heading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)  # a narrow window wraps the heading rather than growing
        self.subheading = QLabel(objectName="subtle")
        self.subheading.setTextFormat(Qt.TextFormat.PlainText)
        self.doctor_picker: QComboBox | None = None
        self.refresh_button = QPushButton("Refresh", objectName="refreshDoctorDay")
        self.refresh_button.setToolTip("Reload the list (it also updates by itself when other desks make changes).")
        self.print_day_button = QPushButton("Print day list…", objectName="printDayList")
        self.print_day_button.setToolTip("Preview and print this doctor's patients for the day (A4), or print to PDF")
        self.day_list_printer = DayListPrinter(services.slips, runner, self)

        top = QHBoxLayout()
        if not self._own_list:
            picker_label = QLabel("&Doctor:")
            self.doctor_picker = QComboBox(objectName="doctorPicker")
            self.doctor_picker.setMinimumWidth(260)
            self.doctor_picker.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            picker_label.setBuddy(self.doctor_picker)
            top.addWidget(picker_label)
            top.addWidget(self.doctor_picker)
            top.addSpacing(16)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.heading)
        titles.addWidget(self.subheading)
        top.addLayout(titles, 1)
        top.addWidget(self.print_day_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)

        self.problem = QLabel(objectName="bannerWarning")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.notice = QLabel(objectName="bannerInfo")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.PlainText)
        self.notice.hide()

        self.call_next_button = QPushButton("Call next", objectName="callNext")
        self.call_next_button.setDefault(True)  # styled as the primary action
        self.start_button = QPushButton("Start visit", objectName="startVisit")
        self.complete_button = QPushButton("Complete", objectName="completeVisit")
        self.no_show_button = QPushButton("Mark no-show…", objectName="markNoShow")
        self.reject_button = QPushButton("Reject…", objectName="rejectAppointment")
        self.open_patient_button = QPushButton("Open patient record", objectName="openPatientRecord")
        # Hidden until the main window offers billing (users who may invoice).
        self.bill_button = QPushButton("Bill this visit…", objectName="billVisit")
        self.bill_button.setToolTip("Open the invoice for this visit (checked in, with the doctor or completed)")
        self.bill_button.hide()
        self._bill: Callable[[int, int], object] | None = None
        # Hidden until the main window offers visit records (doctors and nurses).
        self.visit_record_button = QPushButton("&Visit record…", objectName="visitRecord")
        self.visit_record_button.setToolTip("Notes, vitals, diagnoses and prescription of this visit")
        self.visit_record_button.hide()
        self._open_visit: Callable[[int], object] | None = None
        actions = QHBoxLayout()
        actions.addWidget(self.call_next_button)
        actions.addSpacing(12)
        for button in (self.start_button, self.complete_button, self.no_show_button, self.reject_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.visit_record_button)
        actions.addWidget(self.bill_button)
        actions.addWidget(self.open_patient_button)

        self.model = QueueModel(self, now=self._now)
        self.table = QTableView(objectName="doctorDayTable")
        self.table.setModel(self.model)
        self.table.setStyleSheet(CELL_PADDING)
        make_record_table(self.table)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(72)

        self.notices = NoticeList()
        self.notices.setMinimumWidth(240)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(self.notices)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([900, 280])

        self.status = QLabel(objectName="subtle")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.problem)
        layout.addWidget(self.notice)
        layout.addLayout(actions)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

        self.waiting_timer = QTimer(self)
        self.waiting_timer.setInterval(WAITING_REFRESH_MS)
        self.waiting_timer.timeout.connect(self._tick)
        self.waiting_timer.start()

        self.refresh_button.clicked.connect(self.refresh)
        self.print_day_button.clicked.connect(self.print_day_list)
        self.call_next_button.clicked.connect(self.call_next)
        self.start_button.clicked.connect(self.start_selected)
        self.complete_button.clicked.connect(self.complete_selected)
        self.no_show_button.clicked.connect(self.no_show_selected)
        self.reject_button.clicked.connect(self.reject_selected)
        self.open_patient_button.clicked.connect(self.open_selected_patient)
        self.bill_button.clicked.connect(self.bill_selected)
        self.visit_record_button.clicked.connect(self.open_visit_record)
        self.table.doubleClicked.connect(lambda _index: self.open_selected_patient())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.model.modelReset.connect(self._update_actions)
        self.model.dataChanged.connect(lambda *_: self._update_actions())
        if self.doctor_picker is not None:
            self.doctor_picker.currentIndexChanged.connect(self._picked)
        if watcher is not None:
            # The watcher's owner (the main window) starts and stops it; several tabs share one.
            watcher.changed.connect(self._schedule_changed)
        self._set_tooltips()
        self._update_actions()

    # --- public ------------------------------------------------------------------------------

    @property
    def doctor(self) -> DoctorRecord | None:
        """The doctor whose day is shown, once known."""
        return self._doctor

    @property
    def day(self) -> date | None:
        return self._day

    def refresh(self) -> None:
        """Find whose day to show (the signed-in doctor, or the picked one) and reload the list."""
        self.status.setText("Loading…")
        if self._own_list:
            self._runner.submit(
                self._doctors.for_current_user, on_done=self._own_doctor_loaded,
                on_error=self._load_failed, context=self, key=f"doctor-day-me-{id(self)}",
            )
        else:
            self._runner.submit(
                self._doctors.search, on_done=self._doctors_loaded,
                on_error=self._load_failed, context=self, key=f"doctor-day-doctors-{id(self)}",
            )

    def show_doctor(self, doctor_id: int) -> bool:
        """Front desk: show this doctor's day if they are in the picker. False if they are not."""
        if self.doctor_picker is None:
            return False
        for i in range(self.doctor_picker.count()):
            record = self.doctor_picker.itemData(i)
            if record is not None and record.id == doctor_id:
                self.doctor_picker.setCurrentIndex(i)
                return True
        return False

    def print_day_list(self) -> None:
        """Preview the shown doctor's day as an A4 list; the preview's Print button prints it."""
        if self._doctor is not None and self._day is not None:
            self.day_list_printer.preview(self._doctor, self._day)

    def selected_record(self) -> AppointmentRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(AppointmentRole) if rows else None

    def select_appointment(self, appointment_id: int) -> bool:
        row = self.model.row_of(appointment_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # --- actions -----------------------------------------------------------------------------

    def call_next(self) -> None:
        if self._doctor is None or self._acting:
            return
        self.visit_actions.submit(self._visits.call_next, self._doctor.id, on_done=self._called)

    def start_selected(self) -> None:
        self._run(VisitAction.START)

    def complete_selected(self) -> None:
        self._run(VisitAction.COMPLETE)

    def no_show_selected(self) -> None:
        record = self._selected_for_action()
        if record is not None:
            self._keep(confirm_no_show(self, record, lambda: self.visit_actions.run(VisitAction.NO_SHOW, record)))

    def reject_selected(self) -> None:
        record = self._selected_for_action()
        if record is None:
            return
        dialog = RejectDialog(record, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.reason_given.connect(lambda reason: self.visit_actions.run(VisitAction.REJECT, record, reason))
        self._keep(dialog)
        dialog.open()

    def _run(self, action: VisitAction) -> None:
        record = self._selected_for_action()
        if record is not None:
            self.visit_actions.run(action, record)

    def offer_billing(self, callback: Callable[[int, int], object] | None) -> None:
        """``callback(patient_id, appointment_id)`` opens the visit's invoice (``MainWindow.bill_visit``)."""
        self._bill = callback
        self.bill_button.setVisible(callback is not None)
        self._update_actions()

    def offer_visit_record(self, callback: Callable[[int], object] | None) -> None:
        """``callback(appointment_id)`` opens the visit record (``MainWindow.visit_records.open``)."""
        self._open_visit = callback
        self.visit_record_button.setVisible(callback is not None)
        self._update_actions()

    def open_visit_record(self) -> None:
        record = self.selected_record()
        if self._open_visit is not None and record is not None and record.status in VISIT_RECORD_STATUSES:
            self._open_visit(record.id)

    def bill_selected(self) -> None:
        record = self.selected_record()
        if self._bill is not None and record is not None and record.status in BILLABLE_VISIT:
            self._bill(record.patient_id, record.id)

    def open_selected_patient(self) -> None:
        record = self.selected_record()
        if record is None or not self._user.can(Permission.PATIENT_VIEW):
            return
        self._runner.submit(
            self._patients.get, record.patient_id, on_done=self._patient_loaded,
            on_error=lambda exc: show_error(self, exc), context=self,
        )

    # --- results -----------------------------------------------------------------------------

    def _set_acting(self, acting: bool) -> None:
        self._acting = acting
        self._update_actions()

    def _called(self, record: AppointmentRecord | None) -> None:
        self._reload()
        if record is None:
            self._tell("Nobody is waiting: no checked-in patient is left in the queue.")
            return
        self.model.update_record(record)
        self.select_appointment(record.id)
        token = f"token {record.token}: " if record.token is not None else ""
        waited = f" (waited {record.waiting_minutes} min)" if record.waiting_minutes is not None else ""
        self._tell(f"Called {token}{record.patient_name}{waited}.")

    def _changed(self, record: AppointmentRecord, text: str) -> None:
        self.model.update_record(record)
        self.select_appointment(record.id)
        self._tell(text)
        self._reload()

    def _action_failed(self, _exc: Exception, current: AppointmentRecord | None, _box: QMessageBox) -> None:
        if current is not None:
            self.model.update_record(current)  # what the other desk did, so the message matches the row
        self._reload()

    def _patient_loaded(self, record: PatientRecord) -> None:
        dialog = PatientDialog(
            self._patients, self._runner, record, can_edit=self._user.can(Permission.PATIENT_EDIT), parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _record: self._reload())  # a corrected name shows on the list
        self._keep(dialog)
        dialog.open()

    def _keep(self, dialog: QDialog) -> None:
        """Hold on to an open dialog (tests find it here); forget it once it closes.

        On ``finished``, not ``destroyed``: a Python slot running inside the C++ destructor of a
        widget it refers to is asking for a crash."""
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)

    # --- loading -----------------------------------------------------------------------------

    def _own_doctor_loaded(self, doctor: DoctorRecord | None) -> None:
        if doctor is None:
            self._doctor = None
            self.model.set_rows([])
            self.heading.setText("Doctor's day")
            self.subheading.setText("")
            self.status.setText("")
            self.problem.setText(
                f"Your account ({self._user.username}) is not linked to a doctor profile, so there is no "
                "day list to show. Ask an administrator to choose your account in your doctor profile "
                "(Doctors tab → edit → Staff account)."
            )
            self.problem.show()
            self._update_actions()
            return
        self.problem.hide()
        self._set_doctor(doctor)

    def _doctors_loaded(self, doctors: list[DoctorRecord]) -> None:
        assert self.doctor_picker is not None
        keep = self._doctor.id if self._doctor is not None else None
        self.doctor_picker.blockSignals(True)
        self.doctor_picker.clear()
        for doctor in doctors:
            label = doctor.full_name + (f" — {doctor.specialty_names}" if doctor.specialty_names else "")
            self.doctor_picker.addItem(label, doctor)
        index = next((i for i, d in enumerate(doctors) if d.id == keep), 0)
        self.doctor_picker.setCurrentIndex(index if doctors else -1)
        self.doctor_picker.blockSignals(False)
        if not doctors:
            self._doctor = None
            self.model.set_rows([])
            self.heading.setText("Doctor's day")
            self.subheading.setText("")
            self.status.setText("")
            self.problem.setText("There are no doctors yet. Add one in the Doctors tab, then their day appears here.")
            self.problem.show()
            self._update_actions()
            return
        self.problem.hide()
        self._set_doctor(doctors[index])

    def _picked(self, index: int) -> None:
        assert self.doctor_picker is not None
        doctor = self.doctor_picker.itemData(index) if index >= 0 else None
        if doctor is not None:
            self._set_doctor(doctor)

    def _set_doctor(self, doctor: DoctorRecord) -> None:
        if self._doctor is None or self._doctor.id != doctor.id:
            # Another doctor's list: what was pending for the previous one no longer applies.
            self._unannounced.clear()
            self.model.set_rows([])
            self.notice.hide()
            self.subheading.setText("")
            self._day = None
            self.heading.setText(doctor_title(doctor.full_name))
        self._doctor = doctor
        self._reload(user_asked=True)

    def _reload(self, *, user_asked: bool = False) -> None:
        if self._doctor is None:
            return
        # Each load carries every change not yet announced; a newer load replaces a queued one (same
        # key), so nothing is announced twice or lost.
        self._runner.submit(
            load_day, self._scheduling, self._doctor.id, tuple(self._unannounced),
            on_done=self._day_loaded, on_error=self._load_failed if user_asked else self._background_load_failed,
            context=self, key=self._load_key,
        )

    def _day_loaded(self, load: DayLoad) -> None:
        if self._doctor is None or load.doctor_id != self._doctor.id:
            return
        selected = self.selected_record()
        self._day, self._zone = load.day, load.zone
        self.model.set_rows(load.rows)
        if selected is not None:
            self.select_appointment(selected.id)
        for change in load.changes:
            if change in self._unannounced:
                self._unannounced.remove(change)
        now = self._now().astimezone(self._zone)
        for change, record in load.announced:
            text = notice_text(change, record, now)
            if text:
                self.notices.add(text)
                self.notify.emit(text)
        self._update_heading()
        self.status.setText(f"Updated {now:%H:%M}" + ("" if load.rows else " · no appointments today"))
        self._update_actions()

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText("Could not load the day list.")
        show_error(self, exc)

    def _background_load_failed(self, exc: Exception) -> None:
        # A reload nobody asked for: say so quietly rather than pop up a box on every change.
        log.warning("Doctor's day reload failed: %s", exc)
        self.status.setText(f"Could not refresh the list: {exc}")

    def _schedule_changed(self, changes: list[ScheduleChange]) -> None:
        if any(change.topic == "doctors" for change in changes):
            self.refresh()  # a doctor verified, (de)activated or edited: the picker, then the list
            return
        doctor_id = self._doctor.id if self._doctor is not None else None
        mine = [c for c in changes if concerns(c, doctor_id, self._day)]
        if not mine or self._doctor is None:
            return
        self._unannounced.extend(c for c in mine if c.kind in ANNOUNCED)
        self._reload()

    # --- state -------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.model.tick()
        # Past midnight the list is tomorrow's (today's): the date check itself costs no query.
        if self._day is not None and self._now().astimezone(self._zone).date() != self._day:
            self._reload()

    def _now(self) -> datetime:
        # The scheduling service's clock (tests and demo mode set their own); no database call.
        return self._scheduling.clock()

    def _can_manage_visits(self) -> bool:
        return self._doctor is not None and manages_visits(self._user, self._doctor)

    def _selected_for_action(self) -> AppointmentRecord | None:
        return None if self._acting else self.selected_record()

    def _tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _update_heading(self) -> None:
        if self._doctor is None or self._day is None:
            return
        counts = self.model.counts()
        self.heading.setText(day_heading(self._doctor.full_name, self._day, counts.booked, counts.waiting, counts.seen))
        parts = [self._doctor.location] if self._doctor.location else []
        current = self.model.with_doctor()
        if current is not None:
            token = f" (token {current.token})" if current.token is not None else ""
            parts.append(f"Now seeing {current.patient_name}{token}")
        if counts.no_show:
            parts.append(f"{counts.no_show} no-show")
        self.subheading.setText(" · ".join(parts))

    def _set_tooltips(self) -> None:
        if not (self._user.can(Permission.VISIT_MANAGE_ANY) or self._user.can(Permission.VISIT_MANAGE_OWN)):
            for button in (self.call_next_button, self.start_button, self.complete_button, self.reject_button):
                button.setToolTip("Only the doctor (or an administrator) can do this.")
        if not self._user.can(Permission.SCHEDULE_BOOK):
            self.no_show_button.setToolTip("The front desk marks no-shows.")
        else:
            self.no_show_button.setToolTip("The patient did not come: frees the slot.")

    def _update_actions(self) -> None:
        record = self.selected_record()
        self.print_day_button.setEnabled(self._doctor is not None and self._day is not None)
        manage = self._can_manage_visits() and not self._acting
        waiting = self.model.first_waiting()
        busy_with = self.model.with_doctor()
        self.call_next_button.setEnabled(manage and waiting is not None and busy_with is None)
        if self._can_manage_visits():
            if busy_with is not None:
                self.call_next_button.setToolTip(f"Complete the visit with {busy_with.patient_name} first.")
            elif waiting is None:
                self.call_next_button.setToolTip("Nobody is checked in and waiting.")
            else:
                self.call_next_button.setToolTip(f"Call in {waiting.patient_name}, who arrived first.")
        # The visit rules live once, in the service layer; the buttons ask them.
        allowed = allowed_actions(self._user, record, self._doctor) if record is not None else frozenset()
        self.start_button.setEnabled(manage and VisitAction.START in allowed)
        self.complete_button.setEnabled(manage and VisitAction.COMPLETE in allowed)
        self.reject_button.setEnabled(manage and VisitAction.REJECT in allowed)
        self.no_show_button.setEnabled(not self._acting and VisitAction.NO_SHOW in allowed)
        self.open_patient_button.setEnabled(record is not None and self._user.can(Permission.PATIENT_VIEW))
        self.bill_button.setEnabled(self._bill is not None and record is not None and record.status in BILLABLE_VISIT)
        self.visit_record_button.setEnabled(self._open_visit is not None and record is not None
                                            and record.status in VISIT_RECORD_STATUSES)
