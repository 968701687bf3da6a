"""The cashier's shift: open it with the float in the drawer; close it with what was counted, by
method (cash note by note if wanted), the over/short and its reason; then print the closure slip
on A4 or the 80 mm roll through the one print path."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...services.billing import ShiftRecord
from ...services.documents import Paper
from ...services.money import MoneyError
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.money_field import MoneyField
from ..common.printing import Printout
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms
from .payment_dialog import METHODS

#: Notes and coins a drawer holds, in minor units, for the currencies we know; others count cash as one sum.
DENOMINATIONS = {
    "INR": (200000, 50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100),
    "USD": (10000, 5000, 2000, 1000, 500, 100, 25, 10, 5, 1),
    "EUR": (50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1),
}
LABELS = dict(METHODS)


class ShiftDialog(QDialog):
    shift_changed = Signal(object)  # ShiftRecord now, or None once closed

    def __init__(self, services, runner: TaskRunner, shift: ShiftRecord | None, *,  # type: ignore[no-untyped-def]
                 terms: MoneyTerms | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shiftDialog")
        self._services = services
        self._runner = runner
        self.terms = terms or MoneyTerms()
        self.shift = shift
        self.closed: ShiftRecord | None = None
        self.printout: Printout | None = None
        self.errors = FieldErrors()
        self.banner = banner_label()
        self.counted: dict[str, MoneyField] = {}
        self.notes: dict[int, QSpinBox] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = QPushButton(objectName="shiftOk")
        self.buttons.addButton(self.ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_a4 = QPushButton("Print closure (&A4)", objectName="closurePrintA4")
        self.print_roll = QPushButton("Print closure (&80 mm)", objectName="closurePrintRoll")
        for button in (self.print_a4, self.print_roll):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.hide()  # after adding: the box shows what it is given
        self.buttons.rejected.connect(self.reject)
        self.print_a4.clicked.connect(lambda: self.print_closure(Paper.A4))
        self.print_roll.clicked.connect(lambda: self.print_closure(Paper.ROLL_80MM))
        if shift is None:
            self._build_open(layout)
        else:
            self._build_close(layout, shift)
        layout.addWidget(self.buttons)
        self.ok.setDefault(True)  # once it is in the dialog: Enter closes or opens the shift

    # --- opening -----------------------------------------------------------------------------

    def _build_open(self, layout: QVBoxLayout) -> None:
        self.setWindowTitle("Open your cashier shift")
        self.float_field = MoneyField(self.terms.currency, self.terms.locale, objectName="openingFloat")
        form = QFormLayout()
        form.addRow("Cash in the drawer (&float)", self.float_field)
        form.addRow("", self.errors.add("opening_float", self.float_field))
        layout.addLayout(form)
        self.ok.setText("Open shift")
        self.ok.clicked.connect(self._open)
        self.float_field.setFocus()

    def _open(self) -> None:
        try:
            amount = self.float_field.value_minor()
        except MoneyError as exc:
            self.errors.show({"opening_float": str(exc)})
            return
        self.ok.setEnabled(False)
        self._runner.submit(self._services.shifts.open, amount, on_done=self._opened, on_error=self._refused,
                            context=self)

    def _opened(self, shift: ShiftRecord) -> None:
        self.shift_changed.emit(shift)
        self.accept()

    # --- closing -----------------------------------------------------------------------------

    def _build_close(self, layout: QVBoxLayout, shift: ShiftRecord) -> None:
        money = self.terms.money
        self.setWindowTitle(f"Close shift {shift.reference}")
        layout.addWidget(QLabel(f"Opened {shift.opened_at:%Y-%m-%d %H:%M} with a float of {money(shift.opening_float)}"))
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Method</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Expected</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Counted</b>"), 0, 2)
        self.expected_labels: dict[str, QLabel] = {}
        row = 1
        for method in shift.expected:
            grid.addWidget(QLabel(LABELS.get(method, method)), row, 0)
            expected = QLabel(money(shift.expected[method]), objectName=f"expected_{method}")
            self.expected_labels[method] = expected
            grid.addWidget(expected, row, 1)
            field = MoneyField(self.terms.currency, self.terms.locale, objectName=f"counted_{method}")
            field.textChanged.connect(self._update_difference)
            self.counted[method] = field
            grid.addWidget(field, row, 2)
            grid.addWidget(self.errors.add(f"counted.{method}", field), row, 3)
            row += 1
        layout.addLayout(grid)
        values = DENOMINATIONS.get(self.terms.currency.upper())
        if values and "cash" in self.counted:
            box = QGroupBox("Count the cash note by note (optional)")
            notes = QGridLayout(box)
            for i, value in enumerate(values):
                spin = QSpinBox(objectName=f"note_{value}", maximum=100000)
                spin.valueChanged.connect(self._notes_changed)
                self.notes[value] = spin
                label = QLabel(f"{self.terms.money(value)} ×")
                label.setBuddy(spin)
                notes.addWidget(label, i // 5, (i % 5) * 2)
                notes.addWidget(spin, i // 5, (i % 5) * 2 + 1)
            layout.addWidget(box)
            layout.addWidget(self.errors.add("denominations", box))
        self.difference = QLabel(objectName="shiftDifference")
        layout.addWidget(self.difference)
        self.reason = QLineEdit(objectName="shiftReason")
        self.reason.setPlaceholderText("Why the count is over or short")
        self.reason.setMaxLength(300)
        form = QFormLayout()
        form.addRow("&Reason", self.reason)
        form.addRow("", self.errors.add("reason", self.reason))
        layout.addLayout(form)
        self.ok.setText("Close shift")
        self.ok.clicked.connect(self._close)
        self._update_difference()
        first = next(iter(self.counted.values()), None)
        if first is not None:
            first.setFocus()

    def _notes_changed(self) -> None:
        total = sum(value * spin.value() for value, spin in self.notes.items())
        if any(spin.value() for spin in self.notes.values()):
            self.counted["cash"].set_value_minor(total)

    def _read_counted(self) -> dict[str, int] | None:
        counted: dict[str, int] = {}
        problems: dict[str, str] = {}
        for method, field in self.counted.items():
            try:
                counted[method] = field.value_minor()
            except MoneyError as exc:
                problems[f"counted.{method}"] = str(exc)
        if problems:
            self.errors.show(problems)
            return None
        return counted

    def _update_difference(self) -> None:
        if self.shift is None:
            return
        try:
            counted = sum(field.value_minor() for field in self.counted.values())
        except MoneyError:
            self.difference.setText("")
            return
        diff = counted - sum(self.shift.expected.values())
        word = "over" if diff > 0 else "short" if diff < 0 else "exactly right"
        self.difference.setText(f"Counted {self.terms.money(counted)}: "
                                + (f"{self.terms.money(abs(diff))} {word}" if diff else word))

    def _close(self) -> None:
        assert self.shift is not None
        counted = self._read_counted()
        if counted is None:
            return
        notes = tuple((value, spin.value()) for value, spin in self.notes.items() if spin.value())
        self.ok.setEnabled(False)
        self._runner.submit(self._services.shifts.close, self.shift.id, self.shift.version, counted,
                            denominations=notes, reason=self.reason.text().strip(), on_done=self._closed,
                            on_error=self._refused, context=self)

    def _closed(self, shift: ShiftRecord) -> None:
        self.closed = shift
        word = "over" if shift.over_short > 0 else "short"
        text = f"Shift {shift.reference} is closed."
        if shift.over_short:
            text += f" {self.terms.money(abs(shift.over_short))} {word}: {shift.reason}"
        show_banner(self.banner, text, "bannerInfo")
        for widget in [*self.counted.values(), *self.notes.values(), self.reason]:
            widget.setEnabled(False)
        self.ok.hide()
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Done")
        self.print_a4.show()
        self.print_roll.show()
        self.print_a4.setDefault(True)
        self.print_a4.setFocus()
        self.shift_changed.emit(None)

    def print_closure(self, paper: Paper) -> None:
        if self.closed is None:
            return
        shift_id = self.closed.id
        self._runner.submit(self._services.shifts.closure_pdf, shift_id, paper,
                            on_done=lambda pdf: self._to_print_path(pdf, paper), on_error=self._refused, context=self)

    def _to_print_path(self, pdf: bytes, paper: Paper) -> None:
        assert self.closed is not None
        name = f"{self.closed.reference}-closure{'' if paper == Paper.A4 else '-80mm'}.pdf"
        self.printout = Printout(pdf, f"Closure of {self.closed.reference}", name, self)
        self.printout.print_dialog()

    def _refused(self, exc: Exception) -> None:
        self.ok.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)
