"""Add or edit one medicine of the clinic formulary: generic name, strength, form, the usual route,
dose and frequency, and whether it is offered to prescribers.

The service checks everything (permission first); a refusal is shown under its field and nothing
is saved. If another desk saved the same medicine meanwhile, their changes come into the form
through the shared three-way merge (ui/common/conflict_merge.py) and the next Save is on their
version."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...services.clinical import FormularyRecord, MedicineInput
from ..common.conflict_merge import ConflictMerge, FieldSpec, MergingEditor
from ..common.form_helpers import FieldErrors, banner_label
from ..common.worker import TaskRunner

# (field, label, placeholder, longest)
FIELDS = (
    ("name", "Generic &name", "Amoxicillin", 200),
    ("strength", "&Strength", "500 mg", 60),
    ("form", "&Form", "capsule", 40),
    ("route", "&Route", "oral", 40),
    ("dose", "&Dose", "1 capsule", 60),
    ("frequency", "Fre&quency", "three times a day", 60),
)


class FormularyItemDialog(MergingEditor, QDialog):
    record_type = FormularyRecord
    saved = Signal(object)  # FormularyRecord, as saved

    def __init__(self, formulary: Any, runner: TaskRunner, record: FormularyRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formularyItemDialog")
        self._formulary = formulary
        self._runner = runner
        self.record = record  # the version this form edits on top of (None: a new medicine)
        self.setWindowTitle(f"Edit {record.label}" if record else "Add to the formulary")
        self.banner = banner_label()
        self.errors = FieldErrors()
        self.boxes: dict[str, QLineEdit] = {}
        for name, _label, hint, longest in FIELDS:
            box = QLineEdit(objectName=f"formulary_{name}")
            box.setPlaceholderText(hint)
            box.setMaxLength(longest)
            self.boxes[name] = box
        self.active = QCheckBox("&Active (offered when prescribing)", objectName="formularyActive")
        self.active.setChecked(True)

        self.merge: ConflictMerge[FormularyRecord] = ConflictMerge(self._specs())
        form = QFormLayout()
        for name, label, _hint, _longest in FIELDS:
            form.addRow(label, self.boxes[name])
            form.addRow("", self.errors.add(name, self.boxes[name]))
            form.addRow("", self.merge.label(name))
        form.addRow("", self.active)
        form.addRow("", self.merge.label("active"))

        self.buttons = self.save_buttons("formulary")

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        if record is not None:
            self.merge.fill(record)
        self.boxes["name"].setFocus()

    def _specs(self) -> list[FieldSpec[FormularyRecord]]:
        def line(name: str, label: str) -> FieldSpec[FormularyRecord]:
            box = self.boxes[name]
            return FieldSpec(name, label, lambda r: getattr(r, name), lambda: box.text().strip(), box.setText)

        specs = [line(name, label.replace("&", "").lower()) for name, label, _h, _l in FIELDS]
        specs.append(FieldSpec("active", "active", lambda r: r.active, self.active.isChecked, self.active.setChecked,
                               lambda v: "offered" if v else "no longer offered"))
        return specs

    def medicine(self) -> MedicineInput:
        return MedicineInput(**{name: box.text() for name, box in self.boxes.items()})

    def submit(self) -> None:
        self.errors.clear()
        self.banner.hide()
        self.save_button.setEnabled(False)
        if self.record is None:
            self._runner.submit(self._formulary.add, self.medicine(), on_done=self._saved, on_error=self._refused,
                                context=self)
        else:
            self._runner.submit(self._formulary.update, self.record.id, self.record.version, self.medicine(),
                                active=self.active.isChecked(), on_done=self._saved, on_error=self._refused,
                                context=self)

    def record_words(self, record: FormularyRecord) -> str:
        return record.label
