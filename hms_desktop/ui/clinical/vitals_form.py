"""The vitals entry of the visit screen: one box per reading with its unit, checked as it is typed
by the service's own rules (services/clinical/vitals.py), BMI worked out as the weight and height
are typed, and readings outside the usual range flagged before anything is saved."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QWidget

from ...services.clinical import VITAL_SIGNS, VitalsInput
from ...services.clinical.vitals import BY_FIELD, bmi, check_vitals, flags
from ...services.errors import ValidationError
from ..common.form_helpers import FieldErrors

_SHORT = {"systolic_mmhg": "BP systolic", "diastolic_mmhg": "BP diastolic"}


def parse_number(text: str) -> float | None:
    """A typed reading as a number ("37,2" too), None when empty; ValueError when not a number."""
    cleaned = text.strip().replace(",", ".")
    return float(cleaned) if cleaned else None


class VitalsForm(QWidget):
    """``reading()`` gives the VitalsInput typed, or raises ValidationError in the service's words."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors = FieldErrors()
        self.boxes: dict[str, QLineEdit] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for n, sign in enumerate(VITAL_SIGNS):
            row, column = (n // 2) * 2, (n % 2) * 3
            box = QLineEdit(objectName=f"vital_{sign.field}")
            box.setMaximumWidth(90)
            low, high = sign.plausible
            box.setToolTip(f"{sign.label} in {sign.unit} ({low:g}–{high:g})")
            label = QLabel(f"{_SHORT.get(sign.field, sign.label)}:", buddy=box)
            grid.addWidget(label, row, column)
            grid.addWidget(box, row, column + 1)
            grid.addWidget(QLabel(sign.unit, objectName="subtle"), row, column + 2)
            grid.addWidget(self.errors.add(sign.field, box), row + 1, column, 1, 3)
            box.textChanged.connect(self._typed)
            self.boxes[sign.field] = box
        rows = (len(VITAL_SIGNS) + 1) // 2 * 2
        self.bmi_line = QLabel(objectName="vitalsBmi")
        self.flags_line = QLabel(objectName="vitalsFlags")
        self.flags_line.setWordWrap(True)
        grid.addWidget(self.bmi_line, rows, 0, 1, 6)
        grid.addWidget(self.flags_line, rows + 1, 0, 1, 6)
        grid.setColumnStretch(2, 1)
        grid.setColumnStretch(5, 1)

    def _values(self) -> tuple[dict[str, float | None], dict[str, str]]:
        values: dict[str, float | None] = {}
        problems: dict[str, str] = {}
        for sign in VITAL_SIGNS:
            try:
                values[sign.field] = parse_number(self.boxes[sign.field].text())
            except ValueError:
                problems[sign.field] = f"{sign.label}: enter a number in {sign.unit} (digits only)."
        return values, problems

    def _typed(self) -> None:
        """Each box on its own against its plausible range (a pair rule such as systolic above
        diastolic waits for Record, when both are typed)."""
        values, problems = self._values()
        for name, value in values.items():
            if value is None or name in problems:
                continue
            try:
                check_vitals(VitalsInput(**{name: value}))
            except ValidationError as exc:
                problems.update({k: v for k, v in exc.fields.items() if k == name})
        self.errors.show(problems) if problems else self.errors.clear()
        known = {k: v for k, v in values.items() if k not in problems}
        index = bmi(known.get("weight_kg"), known.get("height_cm"))
        self.bmi_line.setText(f"BMI {index:.1f}" if index is not None else "")
        noted = flags(known)
        self.flags_line.setText("Worth a look: " + " ".join(noted) if noted else "")
        self.changed.emit()

    def reading(self) -> VitalsInput:
        values, problems = self._values()
        if problems:
            raise ValidationError(problems)
        # Whole-number readings (pulse, blood pressure) are stored as such; "72.0" is 72.
        typed = VitalsInput(**{k: v if v is None or BY_FIELD[k].decimals else round(v)  # type: ignore[arg-type]
                               for k, v in values.items()})
        check_vitals(typed)  # the plain-words refusal, before the worker is asked
        return typed

    def show_errors(self, fields: dict[str, str]) -> list[str]:
        return self.errors.show(fields)

    def clear(self) -> None:
        for box in self.boxes.values():
            box.blockSignals(True)
            box.clear()
            box.blockSignals(False)
        self.errors.clear()
        self.bmi_line.clear()
        self.flags_line.clear()

    def has_input(self) -> bool:
        return any(box.text().strip() for box in self.boxes.values())

    def set_editable(self, editable: bool) -> None:
        for box in self.boxes.values():
            box.setReadOnly(not editable)
