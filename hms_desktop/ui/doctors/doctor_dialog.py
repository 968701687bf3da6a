"""Add a doctor, or view and edit one: specialties, fee, room, linked staff account, verification.

Opened with ``open()``; the specialty list and the staff accounts are loaded through the worker when
the dialog opens, and saving goes through the worker too. ``saved`` reports the doctor as saved;
``doctor_changed`` reports a newer version seen meanwhile (verified here, or saved at another desk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...services.doctors import DoctorInput, DoctorRecord, DoctorService, SpecialtyRecord, validate
from ...services.errors import ConflictError, HmsError, PermissionDenied, ValidationError
from ...services.identity import CurrentUser
from ...services.money import MoneyError, format_money
from ...services.permissions import Permission
from ...services.staff import StaffService
from ..common.conflict_merge import ConflictMerge, FieldSpec
from ..common.discard_guard import DiscardGuard
from ..common.form_helpers import FieldErrors, banner_label, show_banner
from ..common.messages import confirm, show_error
from ..common.money_field import MoneyField
from ..common.worker import TaskRunner

FIELD_LABELS = {
    "full_name": "Full name", "specialty_ids": "Specialties", "qualifications": "Qualifications",
    "registration_number": "Registration number",
    "years_experience": "Years of experience", "location": "Location / room", "phone": "Phone",
    "email": "E-mail", "consultation_fee_minor": "Consultation fee", "notes": "Notes",
    "staff_account_id": "Linked staff account", "active": "Active",
}
DOCTOR_ROLE = "doctor"


@dataclass(frozen=True)
class StaffOption:
    """A staff account with the doctor role that a doctor profile could be linked to."""

    id: int
    label: str
    active: bool
    linked_to: str = ""  # the other doctor it is already linked to, if any


@dataclass(frozen=True)
class DoctorChoices:
    specialties: list[SpecialtyRecord]
    staff: list[StaffOption]
    staff_listed: bool  # False when the signed-in user may not list staff accounts


def load_choices(doctors: DoctorService, staff: StaffService, editing_id: int | None) -> DoctorChoices:
    """Worker thread: everything the form offers to choose from."""
    specialties = doctors.specialties(include_inactive=True)
    try:
        members = [m for m in staff.list(include_inactive=True) if m.role == DOCTOR_ROLE]
    except PermissionDenied:
        return DoctorChoices(specialties, [], False)
    linked = {
        d.staff_account_id: d.full_name
        for d in doctors.search(include_inactive=True, limit=5000)
        if d.staff_account_id is not None and d.id != editing_id
    }
    options = [
        StaffOption(m.id, f"{m.full_name} ({m.username})" + ("" if m.active else " — deactivated"), m.active,
                    linked.get(m.id, ""))
        for m in members
    ]
    return DoctorChoices(specialties, options, True)


def save_doctor(doctors: DoctorService, record: DoctorRecord | None, data: DoctorInput, active: bool) -> DoctorRecord:
    """Worker thread: add or update, then (de)activate if the box was changed."""
    saved = doctors.add(data) if record is None else doctors.update(record.id, record.version, data)
    if saved.active != active:
        saved = doctors.set_active(saved.id, saved.version, active)
    return saved


class SpecialtyChecklist(QListWidget):
    """Checkable specialties. A click anywhere on a row ticks it, not only on the little box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)

    def set_specialties(self, specialties: Sequence[SpecialtyRecord], checked: Sequence[int]) -> None:
        """Active specialties, plus retired ones only where already ticked (they stay, but are not offered)."""
        self.clear()
        wanted = set(checked)
        for spec in specialties:
            if not spec.active and spec.id not in wanted:
                continue
            item = QListWidgetItem(spec.name if spec.active else f"{spec.name} (retired)")
            item.setData(Qt.ItemDataRole.UserRole, spec.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if spec.id in wanted else Qt.CheckState.Unchecked)
            if not spec.active:
                item.setToolTip("This specialty has been retired; untick it to remove it from this doctor.")
            self.addItem(item)

    def checked_ids(self) -> tuple[int, ...]:
        return tuple(
            item.data(Qt.ItemDataRole.UserRole) for item in self.items() if item.checkState() == Qt.CheckState.Checked
        )

    def item_named(self, name: str) -> QListWidgetItem | None:
        return next((i for i in self.items() if i.text() == name), None)

    def items(self) -> list[QListWidgetItem]:
        return [self.item(row) for row in range(self.count())]

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        item = self.itemAt(event.position().toPoint())
        before = item.checkState() if item is not None else None
        super().mouseReleaseEvent(event)  # a click on the box itself toggles it here
        if (
            item is not None and event.button() == Qt.MouseButton.LeftButton and self.isEnabled()
            and item.checkState() == before
        ):
            item.setCheckState(
                Qt.CheckState.Unchecked if before == Qt.CheckState.Checked else Qt.CheckState.Checked
            )


def _multiline(name: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit(objectName=name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class DoctorDialog(QDialog):
    saved = Signal(object)  # DoctorRecord
    doctor_changed = Signal(object)  # DoctorRecord, as it now stands in the database

    def __init__(
        self,
        doctors: DoctorService,
        staff: StaffService,
        runner: TaskRunner,
        user: CurrentUser,
        record: DoctorRecord | None = None,
        parent: QWidget | None = None,
        currency: str = "INR",  # the clinic's, once clinic settings hold it
        locale: str = "en_IN",
    ) -> None:
        super().__init__(parent)
        self._doctors = doctors
        self._staff = staff
        self._runner = runner
        self._user = user
        self.record = record
        self.can_edit = user.can(Permission.DOCTOR_MANAGE)
        self.choices: DoctorChoices | None = None
        self.errors = FieldErrors()
        self.setWindowTitle("Add doctor" if record is None else record.full_name)
        self.setMinimumWidth(820)

        self.banner = banner_label()
        self.use_theirs_button = QPushButton("Discard my edits and use their version", objectName="useTheirs")
        self.use_theirs_button.hide()
        self.use_theirs_button.clicked.connect(self._use_theirs)

        self.verify_notice = QLabel(objectName="bannerWarning")
        self.verify_notice.setWordWrap(True)
        self.verify_button = QPushButton("Verify doctor", objectName="verifyDoctor")
        self.verify_button.setToolTip("Approve this doctor: from now on they can be booked.")
        self.verify_button.clicked.connect(self.verify)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_notice, 1)
        verify_row.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.verify_strip = QWidget()
        self.verify_strip.setLayout(verify_row)
        verify_row.setContentsMargins(0, 0, 0, 0)

        self.full_name = QLineEdit(objectName="full_name")
        self.full_name.setPlaceholderText("e.g. Dr Meera Iyer")
        self.specialties = SpecialtyChecklist()
        self.specialties.setObjectName("specialty_ids")
        self.specialties.setMinimumHeight(140)
        self.specialties.addItem("Loading the specialty list…")
        self.qualifications = QLineEdit(objectName="qualifications")
        self.qualifications.setPlaceholderText("e.g. MBBS, MD (Dermatology)")
        self.registration_number = QLineEdit(objectName="registration_number")
        self.registration_number.setPlaceholderText("medical council registration, e.g. KMC 45821")
        self.registration_number.setToolTip("Printed on the doctor's prescriptions.")
        self.years_experience = QSpinBox(objectName="years_experience")
        self.years_experience.setRange(0, 70)
        self.years_experience.setSuffix(" years")
        self.active = QCheckBox("Active: can be booked once verified", objectName="active")
        self.active.setChecked(True)
        self.location = QLineEdit(objectName="location")
        self.location.setPlaceholderText("e.g. East wing, room 12")
        self.phone = QLineEdit(objectName="phone")
        self.phone.setPlaceholderText("+91 98450 12345")
        self.email = QLineEdit(objectName="email")
        self.fee = MoneyField(currency, locale, objectName="consultation_fee_minor")
        self.fee.setMaximumWidth(160)
        self.staff_account = QComboBox(objectName="staff_account_id")
        self.staff_account.addItem("Not linked", None)
        self.staff_hint = QLabel("Their own sign-in: for their day list and own hours.", objectName="subtle")
        self.staff_account.setToolTip(
            "A staff account with the doctor role. Linked, the doctor sees their own day list and can "
            "change their own hours and leave."
        )
        self.notes = _multiline("notes", 60)

        left: list[tuple[str | None, str, QWidget]] = [
            ("full_name", "&Full name *", self.full_name),
            ("specialty_ids", "&Specialties *", self.specialties),
            ("qualifications", "&Qualifications", self.qualifications),
            ("registration_number", "Re&gistration no.", self.registration_number),
            ("years_experience", "&Experience", self.years_experience),
            ("active", "", self.active),
        ]
        right: list[tuple[str | None, str, QWidget]] = [
            ("location", "&Location / room", self.location),
            ("phone", "&Phone", self.phone),
            ("email", "E-&mail", self.email),
            ("consultation_fee_minor", "Consultation &fee", self.fee),
            ("staff_account_id", "Linked &account", self.staff_account),
            (None, "", self.staff_hint),
            ("notes", "&Notes", self.notes),
        ]
        columns = QHBoxLayout()
        columns.setSpacing(18)
        self.merge: ConflictMerge[DoctorRecord] = ConflictMerge(self._field_specs())
        for rows in (left, right):
            # Each side its own grid: the tall specialty list must not stretch the rows beside it.
            grid = QGridLayout()
            grid.setHorizontalSpacing(10)
            grid.setVerticalSpacing(3)
            grid.setColumnStretch(1, 1)
            r = 0
            for name, label_text, widget in rows:
                label = QLabel(label_text)
                tall = widget in (self.specialties, self.notes)
                label.setAlignment(Qt.AlignmentFlag.AlignRight
                                   | (Qt.AlignmentFlag.AlignTop if tall else Qt.AlignmentFlag.AlignVCenter))
                label.setBuddy(widget)
                grid.addWidget(label, r, 0)
                grid.addWidget(widget, r, 1)
                r += 1
                if name is None:
                    continue
                grid.addWidget(self.errors.add(name, widget), r, 1)
                grid.addWidget(self.merge.label(name), r + 1, 1)
                r += 2
            grid.setRowStretch(r, 1)
            columns.addLayout(grid, 1)

        self.meta = QLabel(objectName="subtle")
        self.save_button = QPushButton(self._save_text(), objectName="primary")
        self.save_button.setDefault(True)
        self.save_button.setEnabled(False)  # until the specialty list has arrived
        self.save_button.clicked.connect(self.submit)
        self.cancel_button = QPushButton("Cancel" if self.can_edit else "Close", objectName="cancel")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.meta, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.use_theirs_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.verify_strip)
        layout.addLayout(columns)
        layout.addLayout(buttons)

        if record is not None:
            self._fill(record)
        self._update_verify_strip()
        if not self.can_edit:
            self._read_only()
        self.full_name.setFocus()
        self.discard_guard = DiscardGuard(self)
        self._runner.submit(
            load_choices, self._doctors, self._staff, record.id if record else None,
            on_done=self._choices_loaded, on_error=self._choices_failed, context=self,
        )

    # --- loading -----------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self.choices is not None

    def reject(self) -> None:  # Esc, Cancel/Close and the window's close button
        if self.discard_guard.allow_close():
            super().reject()

    def _choices_loaded(self, choices: DoctorChoices) -> None:
        untouched = not self.discard_guard.dirty
        self.choices = choices
        checked = self.specialties.checked_ids() if self.record is None else self.record_specialty_ids()
        self.specialties.set_specialties(choices.specialties, checked)
        if not any(s.active for s in choices.specialties) and self.record is None:
            self.errors.show({"specialty_ids": "There are no specialties yet: add them with “Specialties…” first."})
        current = self.staff_account.currentData()
        self.staff_account.clear()
        self.staff_account.addItem("Not linked", None)
        for option in choices.staff:
            label = option.label + (f" — linked to {option.linked_to}" if option.linked_to else "")
            self.staff_account.addItem(label, option.id)
            if option.linked_to:  # one account, one doctor: shown, but cannot be chosen
                item = self.staff_account.model().item(self.staff_account.count() - 1)  # type: ignore[attr-defined]
                item.setEnabled(False)
        self._select_staff(current if self.record is None else self.record.staff_account_id)
        if not choices.staff_listed:
            self.staff_account.setEnabled(False)
            self.staff_account.setToolTip("Only an administrator can see the staff accounts.")
        if self.can_edit:
            self.save_button.setEnabled(True)
        if untouched:  # the lists filled in are not typed data
            self.discard_guard.mark_clean()

    def _choices_failed(self, exc: Exception) -> None:
        self.specialties.clear()
        self._show_banner(f"Could not load the specialty list: {exc}", "bannerError")
        if not isinstance(exc, HmsError):
            show_error(self, exc)

    def record_specialty_ids(self) -> tuple[int, ...]:
        return tuple(s.id for s in self.record.specialties) if self.record else ()

    def _select_staff(self, staff_id: int | None) -> None:
        index = self.staff_account.findData(staff_id)
        if index < 0 and staff_id is not None:  # not listable here: show it rather than silently unlink it
            self.staff_account.addItem(f"Staff account #{staff_id}", staff_id)
            index = self.staff_account.count() - 1
        self.staff_account.setCurrentIndex(max(0, index))

    # --- form <-> data -----------------------------------------------------------------------

    def _fill(self, record: DoctorRecord) -> None:
        self.full_name.setText(record.full_name)
        if self.choices is not None:  # otherwise the list is ticked from self.record when it arrives
            self.specialties.set_specialties(self.choices.specialties, [s.id for s in record.specialties])
        self.qualifications.setText(record.qualifications)
        self.registration_number.setText(record.registration_number)
        self.years_experience.setValue(record.years_experience)
        self.active.setChecked(record.active)
        self.location.setText(record.location)
        self.phone.setText(record.phone)
        self.email.setText(record.email)
        self.fee.set_value_minor(record.consultation_fee_minor)
        self._select_staff(record.staff_account_id)
        self.notes.setPlainText(record.notes)
        verified = (
            f"verified {record.verified_at:%Y-%m-%d}" if record.verified and record.verified_at
            else ("verified" if record.verified else "not verified yet")
        )
        self.meta.setText(f"Doctor #{record.id} · {verified}")

    def form_input(self) -> DoctorInput:
        """What the form holds now. Raises ValidationError for a fee that cannot be read."""
        try:
            fee = self.fee.value_minor()
        except MoneyError as exc:
            raise ValidationError({"consultation_fee_minor": str(exc)}) from None
        return self._input_with_fee(fee)

    def _input_with_fee(self, fee: int) -> DoctorInput:
        return DoctorInput(
            full_name=self.full_name.text(),
            specialty_ids=self.specialties.checked_ids(),
            qualifications=self.qualifications.text(),
            registration_number=self.registration_number.text(),
            years_experience=self.years_experience.value(),
            location=self.location.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            consultation_fee_minor=fee,
            notes=self.notes.toPlainText(),
            staff_account_id=self.staff_account.currentData(),
        )

    def _read_only(self) -> None:
        for widget in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            widget.setReadOnly(True)
        for widget in (self.years_experience, self.active, self.staff_account, self.specialties):
            widget.setEnabled(False)
        self.save_button.hide()

    # --- saving ------------------------------------------------------------------------------

    def submit(self) -> None:
        if not self.can_edit or not self.loaded:
            return
        self.errors.clear()
        try:
            data = self.form_input()
        except ValidationError as exc:
            # Report the rest of the form too, not only the fee (the checks are quick and local).
            fields = dict(exc.fields)
            try:
                validate(self._input_with_fee(0))
            except ValidationError as more:
                fields = {**more.fields, **fields}
            self._show_errors(fields)
            return
        active = self.active.isChecked()
        if self.record is not None and self.record.active and not active:
            confirm(
                self, title="Deactivate doctor", action="Deactivate", name="confirmDeactivateDoctor",
                text=f"Deactivate {self.record.full_name}?",
                informative="They can no longer be booked. Appointments already booked are kept: "
                "rebook or cancel them from the scheduler.",
                on_yes=lambda: self._save(data, active),
            )
            return
        self._save(data, active)

    def _save(self, data: DoctorInput, active: bool) -> None:
        self._busy(True)
        self._runner.submit(
            save_doctor, self._doctors, self.record, data, active,
            on_done=self._saved, on_error=self._failed, context=self,
        )

    def _saved(self, record: DoctorRecord) -> None:
        self._busy(False)
        self.record = record
        self.saved.emit(record)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError):
            for message in self._show_errors(exc.fields):
                self._show_banner(message, "bannerError")
        elif isinstance(exc, ConflictError) and isinstance(exc.current, DoctorRecord):
            self._show_conflict(
                f"Someone at another desk saved changes to {exc.current.full_name} while you were editing. "
                "Nothing of yours has been saved yet.", exc.current,
            )
        elif isinstance(exc, HmsError):
            self._show_banner(exc.message, "bannerError")
        else:
            show_error(self, exc)

    # --- verifying ---------------------------------------------------------------------------

    def verify(self) -> None:
        if self.record is None or self.record.verified or not self._user.can(Permission.DOCTOR_VERIFY):
            return
        self.verify_button.setEnabled(False)
        self.verify_button.setText("Verifying…")
        self._runner.submit(
            self._doctors.verify, self.record.id, on_done=self._verified, on_error=self._verify_failed, context=self,
        )

    def _verified(self, record: DoctorRecord) -> None:
        base = self.record
        self.verify_button.setText("Verify doctor")
        self.verify_button.setEnabled(True)
        if base is not None and (base.as_input(), base.active) != (record.as_input(), record.active):
            # Someone else saved this doctor meanwhile: say so, as for any save made on top of theirs.
            self._show_conflict(f"Verified. Someone at another desk had also changed {record.full_name} meanwhile.",
                                record)
        else:
            self.record = record
        self._update_verify_strip()
        self.meta.setText(f"Doctor #{record.id} · verified just now")
        self.doctor_changed.emit(record)

    def _verify_failed(self, exc: Exception) -> None:
        self.verify_button.setText("Verify doctor")
        self.verify_button.setEnabled(True)
        self._failed(exc)

    def _update_verify_strip(self) -> None:
        record = self.record
        if record is None or record.verified:
            self.verify_strip.hide()
            return
        can_verify = self._user.can(Permission.DOCTOR_VERIFY)
        self.verify_notice.setText(
            f"{record.full_name} is not verified yet and cannot be booked."
            + ("" if can_verify else " An administrator must verify them.")
        )
        self.verify_button.setVisible(can_verify)
        self.verify_strip.show()

    # --- another desk's version --------------------------------------------------------------

    def _show_conflict(self, message: str, theirs: DoctorRecord) -> None:
        """Another desk saved this doctor meanwhile: their changes come into the form, this desk's
        edits stay on top, and the next Save is made on their version (see conflict_merge)."""
        base = self.record
        if base is None:
            return
        outcome = self.merge.merge(base, theirs)
        self.record = theirs
        self._update_verify_strip()
        self._show_banner(outcome.sentence(message), "bannerWarning")
        self.use_theirs_button.show()
        self.doctor_changed.emit(theirs)

    def _field_specs(self) -> list[FieldSpec[DoctorRecord]]:
        def line(name: str) -> FieldSpec[DoctorRecord]:
            widget: QLineEdit = getattr(self, name)
            return FieldSpec(name, FIELD_LABELS[name], lambda r: getattr(r, name), lambda: widget.text().strip(),
                             widget.setText)

        return [
            line("full_name"),
            FieldSpec("specialty_ids", FIELD_LABELS["specialty_ids"], lambda r: sorted(s.id for s in r.specialties),
                      lambda: sorted(self.specialties.checked_ids()), self._tick_specialties,
                      self._specialty_words),
            line("qualifications"), line("registration_number"),
            FieldSpec("years_experience", FIELD_LABELS["years_experience"], lambda r: r.years_experience,
                      self.years_experience.value, self.years_experience.setValue, lambda v: f"{v} years"),
            line("location"), line("phone"), line("email"),
            FieldSpec("consultation_fee_minor", FIELD_LABELS["consultation_fee_minor"],
                      lambda r: r.consultation_fee_minor, self._fee_in_form, self.fee.set_value_minor,
                      lambda v: format_money(v, self.fee.currency, self.fee.locale)),
            FieldSpec("staff_account_id", FIELD_LABELS["staff_account_id"], lambda r: r.staff_account_id,
                      self.staff_account.currentData, self._select_staff, self._staff_words),
            FieldSpec("notes", FIELD_LABELS["notes"], lambda r: r.notes, self.notes.toPlainText,
                      self.notes.setPlainText),
            FieldSpec("active", FIELD_LABELS["active"], lambda r: r.active, self.active.isChecked,
                      self.active.setChecked, lambda v: "active" if v else "deactivated"),
        ]

    def _fee_in_form(self) -> object:
        try:
            return self.fee.value_minor()
        except MoneyError:
            return self.fee.text()  # unreadable, so certainly typed here

    def _tick_specialties(self, ids: list[int]) -> None:
        if self.choices is not None:
            self.specialties.set_specialties(self.choices.specialties, ids)

    def _specialty_words(self, ids: list[int]) -> str:
        names = {s.id: s.name for s in (self.choices.specialties if self.choices else [])}
        return ", ".join(names.get(i, f"#{i}") for i in ids) or "(none)"

    def _staff_words(self, staff_id: int | None) -> str:
        index = self.staff_account.findData(staff_id)
        return self.staff_account.itemText(index) if index >= 0 and staff_id is not None else "Not linked"

    def _use_theirs(self) -> None:
        if self.record is not None:
            self._fill(self.record)
        self.merge.hide()
        self.errors.clear()
        self.banner.hide()
        self.use_theirs_button.hide()

    # --- state -------------------------------------------------------------------------------

    def _show_banner(self, text: str, kind: str) -> None:
        show_banner(self.banner, text, kind)
        self._grow()

    def _show_errors(self, fields: dict[str, str]) -> list[str]:
        unplaced = self.errors.show(fields)
        self._grow()
        return unplaced

    def _grow(self) -> None:
        """Messages appeared: make room for them rather than squeezing the fields (word-wrapped
        labels do not push a dialog's minimum size up by themselves)."""
        self.layout().activate()
        wanted = self.sizeHint().height()
        if wanted > self.height():
            self.resize(self.width(), wanted)

    def _save_text(self) -> str:
        return "Add doctor" if self.record is None else "Save changes"

    def _busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy and self.loaded)
        self.save_button.setDefault(not busy)  # a disabled button loses its default status
        self.save_button.setText("Saving…" if busy else self._save_text())
