"""Register a new patient or view and edit an existing one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import ConflictError, ValidationError
from ...services.patients import (
    MAX_AGE_YEARS,
    PatientInput,
    PatientRecord,
    PatientService,
    age_on,
    parse_date,
    validate,
)
from ..common.conflict_merge import ConflictMerge, FieldSpec
from ..common.discard_guard import DiscardGuard
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner
from ..notifications.consent_boxes import ConsentBoxes, consent_words
from .duplicates_dialog import DuplicatesDialog
from .patient_history import PatientHistory, PatientHistoryPanel
from .patient_photo import PhotoBox
from .primary_doctor_box import PrimaryDoctorBox

SEX_CHOICES = [("Female", "female"), ("Male", "male"), ("Other", "other"), ("Unknown", "unknown")]
BLOOD_GROUPS = ["", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"]
FIELD_LABELS = {
    "given_name": "Given name", "family_name": "Family name", "sex": "Sex", "date_of_birth": "Date of birth",
    "phone": "Phone", "email": "E-mail", "address": "Address", "blood_group": "Blood group",
    "allergies": "Allergies", "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency phone", "notes": "Notes", "message_channels": "Messages by",
    "primary_doctor_id": "Primary doctor",
}


def _born_words(value: tuple[bool, object]) -> str:
    estimated, shown = value
    return f"about {shown} years old (estimated)" if estimated else str(shown)


def _multiline(name: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class PatientDialog(QDialog):
    saved = Signal(object)  # PatientRecord
    open_existing = Signal(int)

    def __init__(
        self,
        patients: PatientService,
        runner: TaskRunner,
        record: PatientRecord | None = None,
        *,
        can_edit: bool = True,
        parent: QWidget | None = None,
        history: Callable[[int], PatientHistory] | None = None,
        book: Callable[[PatientRecord], None] | None = None,
        bill: Callable[[int, int | None], object] | None = None,
        balance: Callable[[list[int]], dict[int, str]] | None = None,
        clinical: Callable[[int], Any] | None = None,
        photos: Any = None,  # PatientPhotos, for any user who sees the patient
        documents: Any = None,  # a DocumentDesk (ui/clinical/documents_panel.py), for clinical readers
        waitlist: Callable[[PatientRecord], None] | None = None,
        doctors: Callable[..., list[Any]] | None = None,
    ) -> None:
        super().__init__(parent)
        self._patients = patients
        self._runner = runner
        self.record = record
        self._today = date.today()
        self.duplicates_dialog: DuplicatesDialog | None = None
        title = "New patient" if record is None else f"{record.full_name} — MRN {record.mrn}"
        self.setWindowTitle(title)
        self.setMinimumWidth(760)
        self.errors = FieldErrors()

        self.banner = banner_label()
        self.use_theirs_button = QPushButton("Discard my edits and use their version")
        self.use_theirs_button.hide()
        self.use_theirs_button.clicked.connect(self._use_theirs)

        self.given_name = QLineEdit(objectName="given_name")
        self.family_name = QLineEdit(objectName="family_name")
        self.sex = QComboBox(objectName="sex")
        for label, value in SEX_CHOICES:
            self.sex.addItem(label, value)
        self.sex.setCurrentIndex(3)
        self.date_of_birth = QLineEdit(objectName="date_of_birth")
        self.date_of_birth.setPlaceholderText("YYYY-MM-DD or DD/MM/YYYY")
        self.dob_unknown = QCheckBox("Not known: use age", objectName="dob_unknown")
        self.estimated_age = QSpinBox(objectName="estimated_age")
        self.estimated_age.setRange(0, MAX_AGE_YEARS)
        self.estimated_age.setSuffix(" years")
        self.estimated_age.setEnabled(False)
        self.estimated_age.setMaximumWidth(110)
        self.dob_unknown.setToolTip("The date of birth is not known: estimate it from the age in years")
        self.age_hint = QLabel(objectName="subtle")
        self.phone = QLineEdit(objectName="phone")
        self.phone.setPlaceholderText("+91 98450 12345")
        self.email = QLineEdit(objectName="email")
        self.message_channels = ConsentBoxes()
        self.address = _multiline("address", 56)
        self.blood_group = QComboBox(objectName="blood_group")
        for group in BLOOD_GROUPS:
            self.blood_group.addItem(group or "Not known", group)
        self.allergies = _multiline("allergies", 56)
        self.emergency_contact_name = QLineEdit(objectName="emergency_contact_name")
        self.emergency_contact_phone = QLineEdit(objectName="emergency_contact_phone")
        self.notes = _multiline("notes", 72)
        self.primary_doctor = PrimaryDoctorBox()
        if record is not None:
            self.primary_doctor.set_value(record.primary_doctor_id)
        if doctors is not None:
            self.primary_doctor.load(runner, doctors)

        self.dob_unknown.toggled.connect(self._dob_unknown_toggled)
        self.merge: ConflictMerge[PatientRecord] = ConflictMerge(self._field_specs())
        self.date_of_birth.textChanged.connect(self._update_age_hint)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        grid.setColumnMinimumWidth(3, 200)  # the right-hand fields must not be squeezed by the left
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.date_of_birth, 2)
        dob_row.addWidget(self.age_hint, 1)
        age_row = QHBoxLayout()
        age_row.addWidget(self.dob_unknown)
        age_row.addWidget(self.estimated_age)
        left = [
            ("given_name", "&Given name *", self.given_name),
            ("family_name", "&Family name", self.family_name),
            ("sex", "&Sex", self.sex),
            ("date_of_birth", "&Date of birth *", dob_row),
            (None, "", age_row),
            ("phone", "&Phone", self.phone),
            ("email", "&E-mail", self.email),
            ("message_channels", "&Messages by", self.message_channels),
            ("address", "&Address", self.address),
        ]
        right = [
            ("primary_doctor_id", "Primar&y doctor", self.primary_doctor),
            ("blood_group", "&Blood group", self.blood_group),
            ("allergies", "All&ergies", self.allergies),
            ("emergency_contact_name", "Emergency &contact", self.emergency_contact_name),
            ("emergency_contact_phone", "Emergency p&hone", self.emergency_contact_phone),
            ("notes", "&Notes", self.notes),
        ]
        for column, rows in ((0, left), (2, right)):
            r = 0
            for name, label_text, widget in rows:
                label = QLabel(label_text)
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                grid.addWidget(label, r, column)
                if isinstance(widget, QHBoxLayout):
                    if name == "date_of_birth":
                        label.setBuddy(self.date_of_birth)
                    grid.addLayout(widget, r, column + 1)
                else:
                    label.setBuddy(widget)
                    grid.addWidget(widget, r, column + 1)
                r += 1
                if name is not None:
                    target = self.date_of_birth if name == "date_of_birth" else widget
                    grid.addWidget(self.errors.add(name, target), r, column + 1)
                    r += 1
                    grid.addWidget(self.merge.label(name), r, column + 1)
                    r += 1

        self.meta = QLabel(objectName="subtle")
        self.meta.setWordWrap(True)  # never cut off beside the buttons on a small screen
        self.save_button = QPushButton("Register patient" if record is None else "Save changes")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.submit)
        cancel = QPushButton("Close" if record is not None else "Cancel")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.meta, 1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)

        self._book = book
        self.book_button = QPushButton("Boo&k appointment…", objectName="bookForPatient")
        self.book_button.setToolTip("Open the Scheduler to book this patient")
        self.book_button.clicked.connect(self._book_clicked)
        self.book_button.setVisible(record is not None and book is not None)
        buttons.insertWidget(1, self.book_button)
        # "Add to waiting list…": the Scheduler's waiting list with this patient chosen (for those who keep it).
        self._waitlist = waitlist
        self.waitlist_button = QPushButton("Add to &waiting list…", objectName="waitlistForPatient")
        self.waitlist_button.setToolTip("Put this patient on the waiting list for a doctor or a specialty")
        self.waitlist_button.clicked.connect(self._waitlist_clicked)
        self.waitlist_button.setVisible(record is not None and waitlist is not None)
        buttons.insertWidget(2, self.waitlist_button)
        # "Bill this visit": the selected (or newest) checked-in, in-progress or completed visit.
        self._bill = bill
        self.bill_button = QPushButton("&Bill this visit…", objectName="billForPatient")
        self.bill_button.setToolTip("Open the invoice for the selected visit, or the newest one that can be billed")
        self.bill_button.clicked.connect(self._bill_clicked)
        self.bill_button.setVisible(record is not None and bill is not None and history is not None)
        self.bill_button.setEnabled(False)
        buttons.insertWidget(3, self.bill_button)

        # What the patient owes or holds as credit (billing users); nothing when settled.
        self.balance_line = QLabel(objectName="patientBalance")
        self.balance_line.setTextFormat(Qt.TextFormat.PlainText)
        font = self.balance_line.font()
        font.setBold(True)  # money owed is what the desk must not miss
        self.balance_line.setFont(font)
        self.balance_line.hide()
        if record is not None and balance is not None:
            runner.submit(balance, [record.id], on_done=lambda texts: self._show_balance(texts.get(record.id, "")),
                          on_error=lambda _exc: None, context=self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.balance_line)
        layout.addWidget(self.use_theirs_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.history: PatientHistoryPanel | None = None
        self.clinical: Any = None  # ClinicalHistoryPanel, for users who may read clinical records
        self.documents: Any = None  # DocumentsPanel, likewise
        self.photo: PhotoBox | None = None
        if record is not None and photos is not None:
            self.photo = PhotoBox(runner, photos, record.id, can_edit=can_edit)
            self.photo.load()
            with_photo = QHBoxLayout()
            with_photo.addLayout(grid, 1)
            with_photo.addWidget(self.photo, 0, Qt.AlignmentFlag.AlignTop)
            form: QHBoxLayout | QGridLayout = with_photo
        else:
            form = grid
        if record is not None and (history is not None or clinical is not None or documents is not None):
            # The record's appointments beside its details, one tab each, so the dialog stays short.
            details = QWidget()
            details.setLayout(form)
            self.sections = QTabWidget(objectName="patientSections")
            self.sections.addTab(details, "De&tails")
            if history is not None:
                self.history = PatientHistoryPanel(runner, history)
                self.sections.addTab(self.history, "Appointments and &visits")
                self.history.loaded.connect(lambda: self.bill_button.setEnabled(
                    self.history is not None and self.history.visit_to_bill() is not None))
                self.history.load(record.id)
            if clinical is not None:
                from ..clinical.clinical_history import ClinicalHistoryPanel

                self.clinical = ClinicalHistoryPanel(runner, clinical)
                self.sections.addTab(self.clinical, "C&linical history")
                self.clinical.load(record.id)
                if self.photo is not None:  # a new photo shows at the top of the history too
                    self.photo.changed.connect(self.clinical.show_photo)
            if documents is not None:
                from ..clinical.documents_panel import DocumentsPanel

                self.documents = DocumentsPanel(runner, documents, record.id)
                self.sections.addTab(self.documents, "Doc&uments")
                self.documents.load()
                if self.clinical is not None:  # the timeline lists documents: keep it in step
                    self.documents.added.connect(lambda _r: self.clinical.load(record.id))
            layout.addWidget(self.sections)
        else:
            layout.addLayout(form)
        layout.addLayout(buttons)

        if record is not None:
            self._fill(record)
        if not can_edit:
            self._read_only()
        self.given_name.setFocus()
        self.discard_guard = DiscardGuard(self)

    def reject(self) -> None:  # Esc, Cancel/Close and the window's close button
        if self.discard_guard.allow_close():
            super().reject()

    def _book_clicked(self) -> None:
        """Hand the patient to the Scheduler's booking; this record closes first (asking if typed
        changes would be lost), so the booking is not behind a window that blocks it."""
        record, book = self.record, self._book
        if record is None or book is None:
            return
        if self.discard_guard.allow_close(then=lambda: book(record)):
            QDialog.reject(self)
            book(record)

    def _waitlist_clicked(self) -> None:
        """Hand the patient to the waiting list, closing this record first (as booking does)."""
        record, waitlist = self.record, self._waitlist
        if record is None or waitlist is None:
            return
        if self.discard_guard.allow_close(then=lambda: waitlist(record)):
            QDialog.reject(self)
            waitlist(record)

    def _show_balance(self, text: str) -> None:
        self.balance_line.setText(text)
        self.balance_line.setVisible(bool(text))

    def _bill_clicked(self) -> None:
        """Hand the visit to Billing, closing this record first (as booking does)."""
        record, bill = self.record, self._bill
        visit = self.history.visit_to_bill() if self.history is not None else None
        if record is None or bill is None or visit is None:
            return
        if self.discard_guard.allow_close(then=lambda: bill(record.id, visit.id)):
            QDialog.reject(self)
            bill(record.id, visit.id)

    # --- form <-> data -----------------------------------------------------------------------

    def _fill(self, record: PatientRecord) -> None:
        self.given_name.setText(record.given_name)
        self.family_name.setText(record.family_name)
        self.sex.setCurrentIndex(max(0, self.sex.findData(record.sex)))
        self.dob_unknown.setChecked(False)
        self.date_of_birth.setText(record.date_of_birth.isoformat())
        if record.dob_estimated:
            self.dob_unknown.setChecked(True)
            self.estimated_age.setValue(age_on(record.date_of_birth, self._today))
        self.phone.setText(record.phone)
        self.email.setText(record.email)
        self.message_channels.set_value(record.message_channels)
        self.address.setPlainText(record.address)
        self.blood_group.setCurrentIndex(max(0, self.blood_group.findData(record.blood_group)))
        self.allergies.setPlainText(record.allergies)
        self.emergency_contact_name.setText(record.emergency_contact_name)
        self.emergency_contact_phone.setText(record.emergency_contact_phone)
        self.notes.setPlainText(record.notes)
        self.primary_doctor.set_value(record.primary_doctor_id)
        self._fill_meta(record)

    def _fill_meta(self, record: PatientRecord) -> None:
        status = "Archived. " if record.archived else ""
        self.meta.setText(
            f"{status}MRN {record.mrn} · registered {record.created_at:%Y-%m-%d} · "
            f"last changed {record.updated_at:%Y-%m-%d %H:%M}"
        )

    def form_input(self) -> PatientInput:
        """What the form holds now. Raises ValidationError for a date that cannot be read."""
        born: date | None = None
        estimated: int | None = None
        if self.dob_unknown.isChecked():
            estimated = self.estimated_age.value()
        else:
            text = self.date_of_birth.text().strip()
            if text:
                born = parse_date(text)
                if born is None:
                    raise ValidationError(
                        {"date_of_birth": "Cannot read that date. Type it as 1984-05-17 or 17/05/1984."}
                    )
        return PatientInput(
            given_name=self.given_name.text(),
            family_name=self.family_name.text(),
            sex=self.sex.currentData(),
            date_of_birth=born,
            estimated_age_years=estimated,
            phone=self.phone.text(),
            email=self.email.text(),
            address=self.address.toPlainText(),
            blood_group=self.blood_group.currentData(),
            allergies=self.allergies.toPlainText(),
            emergency_contact_name=self.emergency_contact_name.text(),
            emergency_contact_phone=self.emergency_contact_phone.text(),
            notes=self.notes.toPlainText(),
            message_channels=self.message_channels.value(),
            primary_doctor_id=self.primary_doctor.value(),
        )

    def _dob_unknown_toggled(self, unknown: bool) -> None:
        self.estimated_age.setEnabled(unknown)
        self.date_of_birth.setEnabled(not unknown)
        self._update_age_hint()

    def _update_age_hint(self) -> None:
        if self.dob_unknown.isChecked():
            self.age_hint.setText("")
            return
        born = parse_date(self.date_of_birth.text())
        if born is None or born > self._today:
            self.age_hint.setText("")
        else:
            years = age_on(born, self._today)
            self.age_hint.setText(f"{years} year{'s' if years != 1 else ''} old")

    def _read_only(self) -> None:
        for widget in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            widget.setReadOnly(True)
        for widget in self.findChildren(QComboBox) + self.findChildren(QSpinBox) + self.findChildren(QCheckBox):
            widget.setEnabled(False)
        self.save_button.hide()

    # --- saving ------------------------------------------------------------------------------

    def submit(self) -> None:
        self.errors.clear()
        try:
            data = self.form_input()
        except ValidationError as exc:
            self.errors.show(exc.fields)
            return
        self._busy(True)
        if self.record is None:
            self._runner.submit(
                self._check_then_register, data, on_done=self._registered_or_duplicates,
                on_error=self._failed, context=self,
            )
        else:
            self._runner.submit(
                self._patients.update, self.record.id, self.record.version, data,
                on_done=self._saved, on_error=self._failed, context=self,
            )

    def _check_then_register(self, data: PatientInput) -> Any:
        # Worker thread. Validate first so a typo is reported before any duplicate question.
        validate(data)
        candidates = self._patients.find_duplicates(data)
        if candidates:
            return candidates
        return self._patients.register(data)

    def _registered_or_duplicates(self, result: Any) -> None:
        if isinstance(result, PatientRecord):
            self._saved(result)
            return
        self._busy(False)
        self.duplicates_dialog = DuplicatesDialog(result, self)
        self.duplicates_dialog.open_existing.connect(self._open_existing)
        self.duplicates_dialog.register_anyway.connect(self._register_anyway)
        self.duplicates_dialog.open()

    def _open_existing(self, patient_id: int) -> None:
        self.discard_guard.release()  # they chose the existing record over what was typed
        self.reject()
        self.open_existing.emit(patient_id)

    def _register_anyway(self) -> None:
        try:
            data = self.form_input()
        except ValidationError as exc:
            self.errors.show(exc.fields)
            return
        self._busy(True)
        self._runner.submit(self._patients.register, data, on_done=self._saved, on_error=self._failed, context=self)

    def _saved(self, record: PatientRecord) -> None:
        self._busy(False)
        self.record = record
        self.saved.emit(record)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        if isinstance(exc, ConflictError) and isinstance(exc.current, PatientRecord):
            self._show_conflict(exc)
        else:
            report_in_form(self, exc, self.errors, self.banner)

    def _show_conflict(self, exc: ConflictError) -> None:
        """Another desk saved this patient meanwhile: their changes come into the form, this desk's
        edits stay on top, and the next Save is made on their version (see conflict_merge)."""
        theirs: PatientRecord = exc.current
        base = self.record
        if base is None:
            report_in_form(self, exc, self.errors, self.banner)
            return
        outcome = self.merge.merge(base, theirs)
        extra = " They also archived the record." if theirs.archived and not base.archived else ""
        self.record = theirs
        self._fill_meta(theirs)
        self._show_banner(outcome.sentence(exc.message) + extra, "bannerWarning")
        self.use_theirs_button.show()

    def _use_theirs(self) -> None:
        if self.record is not None:
            self._fill(self.record)
        self.merge.hide()
        self.errors.clear()
        self.banner.hide()
        self.use_theirs_button.hide()

    def _field_specs(self) -> list[FieldSpec[PatientRecord]]:
        def line(name: str) -> FieldSpec[PatientRecord]:
            widget: QLineEdit = getattr(self, name)
            return FieldSpec(name, FIELD_LABELS[name], lambda r: getattr(r, name), lambda: widget.text().strip(),
                             widget.setText)

        def block(name: str) -> FieldSpec[PatientRecord]:
            widget: QPlainTextEdit = getattr(self, name)
            return FieldSpec(name, FIELD_LABELS[name], lambda r: getattr(r, name), widget.toPlainText,
                             widget.setPlainText)

        def choice(name: str, box: QComboBox, describe: Any) -> FieldSpec[PatientRecord]:
            return FieldSpec(name, FIELD_LABELS[name], lambda r: getattr(r, name), box.currentData,
                             lambda v: box.setCurrentIndex(max(0, box.findData(v))), describe)

        return [
            line("given_name"), line("family_name"),
            choice("sex", self.sex, lambda v: dict((b, a) for a, b in SEX_CHOICES).get(v, v)),
            FieldSpec("date_of_birth", FIELD_LABELS["date_of_birth"], self._born_of, self._born_in_form,
                      self._set_born, _born_words),
            line("phone"), line("email"),
            FieldSpec("message_channels", FIELD_LABELS["message_channels"], lambda r: r.message_channels,
                      self.message_channels.value, self.message_channels.set_value, consent_words),
            block("address"),
            choice("blood_group", self.blood_group, lambda v: v or "Not known"),
            block("allergies"), line("emergency_contact_name"),
            line("emergency_contact_phone"),
            block("notes"),
            FieldSpec("primary_doctor_id", FIELD_LABELS["primary_doctor_id"], lambda r: r.primary_doctor_id,
                      self.primary_doctor.value, self.primary_doctor.set_value, self.primary_doctor.words),
        ]

    def _born_of(self, record: PatientRecord) -> tuple[bool, object]:
        if record.dob_estimated:
            return (True, age_on(record.date_of_birth, self._today))
        return (False, record.date_of_birth.isoformat())

    def _born_in_form(self) -> tuple[bool, object]:
        if self.dob_unknown.isChecked():
            return (True, self.estimated_age.value())
        typed = self.date_of_birth.text().strip()
        parsed = parse_date(typed)
        return (False, parsed.isoformat() if parsed is not None else typed)

    def _set_born(self, value: tuple[bool, object]) -> None:
        estimated, shown = value
        if estimated:
            self.dob_unknown.setChecked(True)
            self.estimated_age.setValue(int(shown))  # type: ignore[call-overload]
        else:
            self.dob_unknown.setChecked(False)
            self.date_of_birth.setText(str(shown))

    def _show_banner(self, text: str, kind: str) -> None:
        show_banner(self.banner, text, kind)

    def _busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.save_button.setDefault(not busy)  # a disabled button loses its default status
        self.save_button.setText(
            "Saving…" if busy else ("Register patient" if self.record is None else "Save changes")
        )
