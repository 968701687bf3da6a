"""Book a free slot, or add a walk-in to a doctor's queue for today.

Both dialogs run their service call on the worker and stay open on failure: a slot taken by another
desk meanwhile shows "that slot was just taken" with the doctor's next free times to pick from. The
booking dialog also hears the change feed (through the Scheduler tab): when another desk takes its
slot it says so at once, before Book is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import Change
from ...services.doctors import DoctorRecord
from ...services.patients import PatientRecord, PatientSummary
from ...services.scheduling import AppointmentRecord, SchedulingService, Slot, SlotTaken, WalkIn
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner
from ..patients.primary_doctor_box import show_primary_doctor
from . import shortcuts as keys
from .doctor_box import DoctorBox
from .patient_finder import ChosenPatient, PatientFinder

#: The role of a suggestion item holding its Slot.
SuggestionRole = Qt.ItemDataRole.UserRole + 1

#: How many other times are offered when the dialog's slot is gone.
OFFERED = 5

KINDS = [("Scheduled", "scheduled"), ("Follow-up", "follow_up"), ("Walk-in (joins today's queue)", "walk_in")]


def slot_text(slot: Slot, *, with_doctor: bool = False) -> str:
    who = f"  ·  {slot.doctor_name}" if with_doctor and slot.doctor_name else ""
    return f"{slot.local_start:%a %d %b}  {slot.local_start:%H:%M}–{slot.local_end:%H:%M}{who}"


def wait_text(minutes: int) -> str:
    """"now", "in about 25 min", "in about 5 h 14 min", "in about 2 h" (not "in about 314 minutes")."""
    if minutes <= 0:
        return "now"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"in about {rest} min"
    return f"in about {hours} h" + (f" {rest} min" if rest else "")


def walk_in_text(result: WalkIn) -> str:
    when = wait_text(result.estimated_wait_minutes)
    ahead = result.patients_ahead
    return (f"Token {result.token} for {result.appointment.patient_name} with {result.appointment.doctor_name}: "
            f"expected {result.appointment.local_start:%H:%M} ({when}); "
            f"{ahead} patient{'s' if ahead != 1 else ''} ahead.")


class BookingDialog(QDialog):
    """``booked(AppointmentRecord)`` once booked; ``walked_in(WalkIn)`` if added as a walk-in."""

    booked = Signal(object)
    walked_in = Signal(object)

    def __init__(
        self,
        scheduling: SchedulingService,
        patients,  # type: ignore[no-untyped-def] - PatientService
        runner: TaskRunner,
        slot: Slot,
        *,
        today: date | None = None,
        can_register: bool = True,
        patient: PatientRecord | PatientSummary | ChosenPatient | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``patient``: book for this patient (the patient record's "Book" action); the search is
        skipped and the reason box has the focus."""
        super().__init__(parent)
        self._scheduling = scheduling
        self._runner = runner
        self.slot = slot
        self._today = today
        self.setWindowTitle("Book appointment")
        self.setMinimumWidth(620)
        self.errors = FieldErrors()

        self.heading = QLabel(objectName="heading")
        self.where = QLabel(objectName="subtle")
        self.banner = banner_label()
        # The other times sit in one row, so the notice area below has a fixed height.
        self.suggestions = QListWidget(objectName="suggestions")
        self.suggestions.setFlow(QListView.Flow.LeftToRight)
        self.suggestions.setWrapping(False)
        self.suggestions.setSpacing(2)
        self.suggestions.hide()
        self.suggestions_label = QLabel("Pick another time:", objectName="subtle")
        self.suggestions_label.hide()
        self._taken = False  # the shown slot is known to be taken

        self.finder = PatientFinder(patients, runner, can_register=can_register, parent=self)
        self.reason = QLineEdit(objectName="reason")
        self.reason.setPlaceholderText("e.g. Fever for three days; review of blood results")
        self.kind = QComboBox(objectName="kind")
        for label, value in KINDS:
            self.kind.addItem(label, value)
        if today is None or slot.day != today:
            # A walk-in is someone at the desk now: only offered on today's page.
            self.kind.model().item(2).setEnabled(False)  # type: ignore[attr-defined]
        self.kind_hint = QLabel(objectName="subtle")
        self.kind_hint.setWordWrap(True)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("&Patient", self.finder)
        form.addRow("&Reason", self.reason)
        form.addRow("", self.errors.add("reason", self.reason))
        form.addRow("&Type", self.kind)
        form.addRow("", self.kind_hint)

        self.book_button = QPushButton(objectName="primary")
        # Enter books (in the reason box, the type box, anywhere but the patient search).
        self.book_button.setDefault(True)
        self.book_button.setAutoDefault(False)
        self.book_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        # The patient at the desk usually takes a slip away: book, then save it, in one go.
        self.slip_after = False  # read by whoever handles ``booked``: save the slip next
        self.book_slip_button = QPushButton("Book and save &slip", objectName="bookAndSlip")
        self.book_slip_button.setAutoDefault(False)
        self.book_slip_button.setToolTip(f"Book, then save the appointment slip as a PDF ({keys.SAVE_SLIP})")
        self.book_slip_button.clicked.connect(self.submit_with_slip)
        QShortcut(QKeySequence(keys.SAVE_SLIP), self, activated=self.submit_with_slip)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.book_slip_button)
        buttons.addWidget(self.book_button)

        # A refusal or a live "taken" notice fills this area; its height is reserved from the start
        # so the dialog never grows (it used to gain ~220 px with every refusal).
        self.notice_area = QWidget(objectName="noticeArea")
        notice = QVBoxLayout(self.notice_area)
        notice.setContentsMargins(0, 0, 0, 0)
        notice.addWidget(self.banner)
        notice.addWidget(self.suggestions_label)
        notice.addWidget(self.suggestions)
        notice.addStretch()
        line = self.fontMetrics().lineSpacing()
        scroll = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.suggestions.setFixedHeight(line + 14 + scroll)  # one row of times, and its scroll bar
        self.notice_area.setFixedHeight(line * 5 + 44)  # a two-line banner, the label, the row

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.where)
        layout.addLayout(form, 1)
        layout.addWidget(self.notice_area)
        layout.addLayout(buttons)

        self.kind.currentIndexChanged.connect(lambda _i: self._show_slot())
        self.suggestions.itemClicked.connect(self._suggestion_picked)
        self.suggestions.itemActivated.connect(self._suggestion_picked)  # Enter on a time
        self.finder.patient_chosen.connect(lambda _p: self.reason.setFocus())
        self._show_slot()
        self.finder.search.setFocus()
        if patient is not None:
            self.finder.choose(patient if isinstance(patient, ChosenPatient) else ChosenPatient.of(patient))
        # "Primary doctor: Dr X" under the chosen patient (and a word when this slot is someone else's).
        self.primary_doctor = show_primary_doctor(self, runner, patients.primary_doctor, doctor_of_slot=slot.doctor_id)

    @property
    def patient(self) -> ChosenPatient | None:
        return self.finder.patient

    def _show_slot(self) -> None:
        s = self.slot
        walk_in = self.kind.currentData() == "walk_in"
        self.book_button.setEnabled(walk_in or not self._taken)
        self.book_slip_button.setEnabled(self.book_button.isEnabled())
        if walk_in:
            self.heading.setText(f"Walk-in · {s.doctor_name}")
            self.kind_hint.setText("The patient gets the next token; the time is fitted into the doctor's day.")
            self.book_button.setText("Add to queue")
        else:
            self.heading.setText(f"{s.local_start:%A %d %B %Y}, {s.local_start:%H:%M}–{s.local_end:%H:%M}")
            self.kind_hint.setText("")
            self.book_button.setText(f"Book {s.local_start:%H:%M}")
            if self._taken:
                self.heading.setText(self.heading.text() + "  (taken)")
        self.where.setText(f"{s.doctor_name}" + (f" · {s.location}" if s.location else ""))

    def _suggestion_picked(self, item: QListWidgetItem) -> None:
        self.slot = item.data(SuggestionRole)
        self._taken = False
        self.banner.hide()
        self._show_slot()

    # --- another desk took the slot --------------------------------------------------------------

    def schedule_changed(self, changes: list[Change]) -> None:
        """The change feed's notices (the Scheduler tab passes them on). One that may concern this
        doctor's day makes the dialog ask, on the worker, whether its slot is still free."""
        s = self.slot
        if self._taken or self.kind.currentData() == "walk_in" or not self.book_button.isEnabled():
            return  # already said, not a timed booking, or our own booking is in flight
        if not any(c.is_resync or (c.topic == "schedule" and c.doctor_id in (None, s.doctor_id)
                                   and c.day in (None, s.day)) for c in changes):
            return
        # The next free times from the slot's start: if the first is not the slot, it has gone.
        self._runner.submit(
            self._scheduling.next_available, s.doctor_id, after=s.starts_at, count=OFFERED + 1,
            on_done=lambda free, asked=s: self._slot_checked(asked, free),
            on_error=lambda _exc: None,  # only a courtesy: Book still checks for itself
            context=self,
        )

    def _slot_checked(self, asked: Slot, free: list[Slot]) -> None:
        if asked != self.slot or self._taken or not self.book_button.isEnabled():
            return  # the desk moved on (picked another time, or is booking) meanwhile
        if any(f.starts_at == asked.starts_at for f in free):
            return
        others = [f for f in free if f.starts_at != asked.starts_at][:OFFERED]
        message = f"{asked.local_start:%H:%M} with {asked.doctor_name} has just been taken at another desk."
        if others:
            message += f" The next free time is {others[0].local_start:%H:%M}: pick it below."
        self._taken = True
        self._offer(SlotTaken(message, others), focus=False)

    # --- booking -----------------------------------------------------------------------------

    def submit_with_slip(self) -> None:
        if self.book_button.isEnabled():
            self.slip_after = True
            self.submit()

    def submit(self) -> None:
        self.errors.clear()
        patient = self.finder.patient
        if patient is None:
            self.slip_after = False
            self.finder.show_error("Choose the patient first (or register a new one).")
            return
        self._busy(True)
        kind = self.kind.currentData()
        if kind == "walk_in":
            self._runner.submit(
                self._scheduling.add_walk_in, patient.id, self.slot.doctor_id, reason=self.reason.text(),
                on_done=self._walked_in, on_error=self._failed, context=self,
            )
            return
        self._runner.submit(
            self._scheduling.book, patient.id, self.slot.doctor_id, self.slot.starts_at,
            reason=self.reason.text(), kind=kind,
            on_done=self._booked, on_error=self._failed, context=self,
        )

    def _booked(self, record: AppointmentRecord) -> None:
        self._busy(False)
        self.booked.emit(record)
        self.accept()

    def _walked_in(self, result: WalkIn) -> None:
        self._busy(False)
        self.walked_in.emit(result)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        self.slip_after = False
        if isinstance(exc, SlotTaken):
            self._offer(exc)
        else:
            report_in_form(self, exc, self.errors, self.banner)

    def _offer(self, exc: SlotTaken, *, focus: bool = True) -> None:
        self.suggestions.clear()
        for slot in exc.suggestions:
            # The same day needs only the time: more of the row fits in the dialog's width.
            same_day = slot.day == self.slot.day
            item = QListWidgetItem(f"{slot.local_start:%H:%M}–{slot.local_end:%H:%M}" if same_day else slot_text(slot))
            item.setData(SuggestionRole, slot)
            self.suggestions.addItem(item)
        extra = "" if exc.suggestions else " There is no other free time soon; try another day or doctor."
        show_banner(self.banner, exc.message + extra, "bannerWarning")
        self.suggestions_label.setVisible(bool(exc.suggestions))
        self.suggestions.setVisible(bool(exc.suggestions))
        if exc.suggestions:
            self.suggestions.setCurrentRow(0)
            if focus:  # not when a live notice arrives while the desk is typing the reason
                self.suggestions.setFocus()
        self._taken = True
        self._show_slot()

    def _busy(self, busy: bool) -> None:
        self.book_button.setEnabled(not busy)
        self.book_slip_button.setEnabled(not busy)
        if busy:
            self.book_button.setText("Booking…")
        else:
            self._show_slot()

    # --- the patient's balance (only for users who may see billing) ----------------------------

    def offer_balance(self, load: Callable[[list[int]], dict[int, str]]) -> None:
        """Under the patient, once one is chosen: "owes ₹1,200.00" / "credit ₹300.00"; nothing
        when settled. ``load`` runs on the worker (ui/common/balances.py)."""
        self.balance_label = QLabel(objectName="bookingBalance")
        self.balance_label.setTextFormat(Qt.TextFormat.PlainText)
        self.balance_label.hide()
        self.findChildren(QFormLayout)[0].insertRow(1, "", self.balance_label)

        def chosen(patient: ChosenPatient) -> None:
            self.balance_label.hide()
            self._runner.submit(load, [patient.id], on_done=lambda texts: shown(patient.id, texts),
                                on_error=lambda _exc: None, context=self)

        def shown(patient_id: int, texts: dict[int, str]) -> None:
            text = texts.get(patient_id, "")
            current = self.finder.patient
            if current is not None and current.id == patient_id:
                self.balance_label.setText(text[:1].lower() + text[1:])
                self.balance_label.setVisible(bool(text))

        self.finder.patient_chosen.connect(chosen)
        if self.finder.patient is not None:
            chosen(self.finder.patient)


class WalkInDialog(QDialog):
    """Add a patient who is at the desk now to a doctor's queue; shows the token and expected wait."""

    walked_in = Signal(object)  # WalkIn

    def __init__(
        self,
        scheduling: SchedulingService,
        patients,  # type: ignore[no-untyped-def] - PatientService
        runner: TaskRunner,
        doctors: list[DoctorRecord],
        *,
        doctor_id: int | None = None,
        can_register: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._scheduling = scheduling
        self._runner = runner
        self.result: WalkIn | None = None
        self.setWindowTitle("Add walk-in")
        self.setMinimumWidth(600)
        self.errors = FieldErrors()

        self.banner = banner_label()
        self.token_label = QLabel(objectName="walkInToken")
        self.token_label.setWordWrap(True)
        self.token_label.setStyleSheet("font-size: 13pt; font-weight: bold; color: #0b5d52;")
        self.token_label.hide()
        self.finder = PatientFinder(patients, runner, can_register=can_register, parent=self)
        self.doctor = DoctorBox(objectName="walkInDoctor")
        for d in doctors:
            self.doctor.addItem(f"{d.full_name}" + (f" — {d.specialty_names}" if d.specialty_names else ""), d.id)
        if doctor_id is not None and self.doctor.findData(doctor_id) >= 0:
            self.doctor.setCurrentIndex(self.doctor.findData(doctor_id))
        self.reason = QLineEdit(objectName="walkInReason")
        self.reason.setPlaceholderText("Why they came in today")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("&Patient", self.finder)
        form.addRow("&Doctor", self.doctor)
        form.addRow("", self.errors.add("doctor_id", self.doctor))
        form.addRow("&Reason", self.reason)
        form.addRow("", self.errors.add("reason", self.reason))

        self.add_button = QPushButton("Add to queue", objectName="primary")
        self.add_button.setAutoDefault(False)
        self.add_button.setDefault(True)  # Enter adds to the queue once the patient is chosen
        self.add_button.clicked.connect(self.submit)
        self.close_button = QPushButton("Cancel")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.add_button)

        layout = QVBoxLayout(self)
        heading = QLabel("Walk-in for today", objectName="heading")
        layout.addWidget(heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.token_label)
        layout.addLayout(form, 1)
        layout.addLayout(buttons)
        self.finder.patient_chosen.connect(lambda _p: self.reason.setFocus())
        self.finder.search.setFocus()
        # The chosen patient's primary doctor, named and preselected (the desk may choose another).
        self.primary_doctor = show_primary_doctor(self, runner, patients.primary_doctor, choose=self.doctor.select)

    def submit(self) -> None:
        self.errors.clear()
        self.banner.hide()
        patient = self.finder.patient
        if patient is None:
            self.finder.show_error("Choose the patient first (or register a new one).")
            return
        if self.doctor.currentData() is None:
            self.errors.show({"doctor_id": "Choose the doctor."})
            return
        self.add_button.setEnabled(False)
        self._runner.submit(
            self._scheduling.add_walk_in, patient.id, self.doctor.currentData(), reason=self.reason.text(),
            on_done=self._added, on_error=self._failed, context=self,
        )

    def _added(self, result: WalkIn) -> None:
        self.result = result
        self.token_label.setText(walk_in_text(result))
        self.token_label.show()
        # Done: the desk reads the token out; the dialog stays until closed.
        self.add_button.hide()
        self.close_button.setText("Done")
        self.close_button.clicked.disconnect()
        self.close_button.clicked.connect(self.accept)
        self.close_button.setFocus()
        for widget in (self.finder, self.doctor, self.reason):
            widget.setEnabled(False)
        self.walked_in.emit(result)

    def _failed(self, exc: Exception) -> None:
        self.add_button.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)
