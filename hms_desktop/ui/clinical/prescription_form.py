"""One medicine line of the visit screen, and the question asked when it matches a recorded allergy.

The allergy match is the service's (services/clinical/allergy_match.py, against the allergy list
and what was typed at registration): the screen does not guess, it shows the service's warning
and asks for the reason the service requires to go past it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.clinical import AllergyWarning, PrescriptionInput, PrescriptionRecord
from ..common.form_helpers import FieldErrors

# (field, label, placeholder); medicine first, on its own row.
FIELDS = (
    ("medicine", "&Medicine", "Amoxicillin"),
    ("strength", "Strengt&h", "500 mg"),
    ("form", "Fo&rm", "capsule"),
    ("dose", "D&ose", "1 capsule"),
    ("frequency", "Fre&quency", "three times a day"),
    ("route", "Ro&ute", "oral"),
    ("duration", "Durat&ion", "5 days"),
    ("quantity", "Quantity", "15"),
    ("instructions", "Instru&ctions", "after food"),
)


def medicine_line(p: PrescriptionRecord) -> str:
    """One prescription in the words of a written one: "Amoxicillin 500 mg capsule — 1 capsule,
    three times a day, oral, 5 days (qty 15). After food"."""
    head = " ".join(x for x in (p.medicine, p.strength, p.form) if x)
    how = ", ".join(x for x in (p.dose, p.frequency, p.route, p.duration) if x)
    text = head + (f" — {how}" if how else "") + (f" (qty {p.quantity})" if p.quantity else "")
    if p.instructions:
        text += f". {p.instructions}"
    if p.allergy_override:
        text += f"  [despite allergy to {p.allergy_override}: {p.allergy_override_reason}]"
    return text


class PrescriptionForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.errors = FieldErrors()
        self.boxes: dict[str, QLineEdit] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        for n, (name, label, hint) in enumerate(FIELDS):
            box = QLineEdit(objectName=f"rx_{name}")
            box.setPlaceholderText(hint)
            self.boxes[name] = box
            if name in ("medicine", "instructions"):
                row, column, span = (0 if name == "medicine" else 10), 0, 3
            else:
                row, column, span = 2 + ((n - 1) // 2) * 2, ((n - 1) % 2) * 2, 1
            grid.addWidget(QLabel(label, buddy=box), row, column)
            grid.addWidget(box, row, column + 1, 1, span)
            grid.addWidget(self.errors.add(name, box), row + 1, column + 1, 1, span)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def item(self) -> PrescriptionInput:
        return PrescriptionInput(**{name: box.text().strip() for name, box in self.boxes.items()})

    def clear(self) -> None:
        for box in self.boxes.values():
            box.clear()
        self.errors.clear()

    def has_input(self) -> bool:
        return any(box.text().strip() for box in self.boxes.values())

    def set_editable(self, editable: bool) -> None:
        for box in self.boxes.values():
            box.setReadOnly(not editable)


class AllergyOverrideDialog(QDialog):
    """The service's allergy warning, and the reason the doctor must give to prescribe anyway."""

    confirmed = Signal(str)  # the reason

    def __init__(self, warning: AllergyWarning, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("allergyOverride")
        self.setWindowTitle("Recorded allergy")
        self.setMinimumWidth(460)
        text = QLabel(warning.fields.get("medicine", warning.message), objectName="bannerWarning")
        text.setTextFormat(Qt.TextFormat.PlainText)
        text.setWordWrap(True)
        self.reason = QPlainTextEdit(objectName="overrideReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        self.reason.setPlaceholderText("Why it is safe for this patient (kept with the prescription)")
        self.error = FieldErrors()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.prescribe = QPushButton(f"Prescribe {warning.medicine} anyway", objectName="overrideConfirm")
        self.prescribe.setEnabled(False)
        buttons.addButton(self.prescribe, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(QLabel("&Reason for prescribing it", buddy=self.reason))
        layout.addWidget(self.reason)
        layout.addWidget(self.error.add("override_reason", self.reason))
        layout.addWidget(buttons)
        self.reason.textChanged.connect(lambda: self.prescribe.setEnabled(bool(self.reason.toPlainText().strip())))
        buttons.rejected.connect(self.reject)
        self.prescribe.clicked.connect(self._confirm)
        self.reason.setFocus()

    def _confirm(self) -> None:
        reason = self.reason.toPlainText().strip()
        if reason:
            self.confirmed.emit(reason)
            self.accept()
