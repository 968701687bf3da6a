"""Take a payment on an issued invoice (or an advance): cash tendered and the change due, card last
four digits, a UPI or bank reference; then print the receipt (A5 or the 80 mm roll) or save it as a
PDF through the one print path (ui/common/printing.Printout).

Keyboard first: the amount is filled with what the patient owes and focused; Enter takes the
payment; after it, Enter prints the receipt, Alt+8 prints on the roll, Alt+F saves as PDF.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.billing import InvoiceRecord, PaymentRecord
from ...services.documents import Paper
from ...services.money import MoneyError
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.money_field import MoneyField
from ..common.printing import Printout
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms

#: (value, label) in the order the desk offers them; "credit" only when the patient holds an advance.
METHODS = (("cash", "Cash"), ("card", "Card"), ("upi", "UPI"), ("bank", "Bank transfer"),
           ("payer", "Insurer / company"), ("credit", "Advance applied"), ("other", "Other"))
REFERENCE_HINTS = {
    "card": "Last 4 digits of the card, or the slip number",
    "upi": "UPI transaction reference",
    "bank": "Bank transfer reference",
    "payer": "Claim or settlement reference",
    "other": "What it was (cheque number...)",
}


class PaymentDialog(QDialog):
    """``PaymentDialog(services, runner, invoice)`` for an invoice; ``patient_id=`` alone for an advance."""

    paid = Signal(object)  # PaymentRecord
    printed = Signal(object)  # the Printout, once a receipt went to the print path

    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord | None = None, *,  # type: ignore[no-untyped-def]
                 patient_id: int | None = None, terms: MoneyTerms | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDialog")
        self._services = services
        self._runner = runner
        self.invoice = invoice
        self.patient_id = invoice.patient_id if invoice is not None else patient_id
        self.terms = terms or (MoneyTerms.of(invoice) if invoice is not None else MoneyTerms())
        self.payment: PaymentRecord | None = None
        self.printout: Printout | None = None
        self.setWindowTitle(f"Take payment: {invoice.number}" if invoice else "Take an advance")
        self.setMinimumWidth(460)

        self.banner = banner_label()
        self.summary = QLabel(objectName="paymentSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.method = QComboBox(objectName="paymentMethod")
        for value, label in METHODS:
            if invoice is None and value in ("payer", "credit"):
                continue
            if invoice is not None and value == "payer" and invoice.payer_id is None:
                continue
            self.method.addItem(label, value)
        self.amount = MoneyField(self.terms.currency, self.terms.locale, empty_value=None, objectName="paymentAmount")
        self.tendered = MoneyField(self.terms.currency, self.terms.locale, empty_value=None,
                                   objectName="paymentTendered")
        self.change = QLabel(objectName="paymentChange")
        self.reference = QLineEdit(objectName="paymentReference")
        self.reference.setMaxLength(64)
        self.errors = FieldErrors()

        form = QFormLayout()
        form.addRow("&Method", self.method)
        form.addRow("&Amount", self.amount)
        form.addRow("", self.errors.add("amount", self.amount))
        self._tendered_label = QLabel("Cash &tendered")
        self._tendered_label.setBuddy(self.tendered)
        form.addRow(self._tendered_label, self.tendered)
        form.addRow("", self.errors.add("tendered", self.tendered))
        self._change_label = QLabel("Change due")
        form.addRow(self._change_label, self.change)
        self._reference_label = QLabel("&Reference")
        self._reference_label.setBuddy(self.reference)
        form.addRow(self._reference_label, self.reference)
        form.addRow("", self.errors.add("reference", self.reference))

        self.buttons = QDialogButtonBox()
        self.take_button = QPushButton("Take payment", objectName="takePayment")
        self.buttons.addButton(self.take_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button = QPushButton("&Print receipt (A5)", objectName="printReceipt")
        self.roll_button = QPushButton("Print &80 mm", objectName="printRoll")
        self.save_button = QPushButton("Save as PD&F", objectName="saveReceipt")
        self.save_roll_button = QPushButton("Sa&ve 80 mm PDF", objectName="saveRollReceipt")
        for button in (self.print_button, self.roll_button, self.save_button, self.save_roll_button):
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.hide()  # after adding: the box shows what it is given
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.take_button.clicked.connect(self.take)
        self.print_button.clicked.connect(lambda: self.print_receipt(Paper.A5, "print"))
        self.roll_button.clicked.connect(lambda: self.print_receipt(Paper.ROLL_80MM, "print"))
        self.save_button.clicked.connect(lambda: self.print_receipt(Paper.A5, "save"))
        self.save_roll_button.clicked.connect(lambda: self.print_receipt(Paper.ROLL_80MM, "save"))
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.take_button.setDefault(True)  # once it is in the dialog: Enter takes the payment

        self.method.currentIndexChanged.connect(self._method_changed)
        self.amount.textChanged.connect(self._update_change)
        self.tendered.textChanged.connect(self._update_change)
        self._show_summary()
        self._method_changed()
        self.amount.setFocus()

    # --- what is shown -----------------------------------------------------------------------

    def _owed(self) -> int:
        inv = self.invoice
        if inv is None:
            return 0
        return inv.payer_balance if self.method.currentData() == "payer" else inv.patient_balance

    def _show_summary(self) -> None:
        inv = self.invoice
        if inv is None:
            self.summary.setText("An advance is held as the patient's credit and used on later invoices.")
            return
        money = self.terms.money
        self.summary.setText(
            f"{inv.patient_name} (MRN {inv.patient_mrn}) · invoice {inv.number}\n"
            f"Total {money(inv.due)} · paid {money(inv.kept)} · still owed {money(inv.balance)}"
            + (f" (patient {money(inv.patient_balance)}, {inv.payer_name} {money(inv.payer_balance)})"
               if inv.payer_id else "")
        )

    def _method_changed(self) -> None:
        method = self.method.currentData()
        cash = method == "cash"
        for widget in (self._tendered_label, self.tendered, self._change_label, self.change):
            widget.setVisible(cash)
        hint = REFERENCE_HINTS.get(method, "")
        for widget in (self._reference_label, self.reference):
            widget.setVisible(bool(hint))
        self.reference.setPlaceholderText(hint)
        if self.invoice is not None and self.payment is None:
            self.amount.set_value_minor(max(0, self._owed()))
            self.amount.selectAll()
        self._update_change()

    def _update_change(self) -> None:
        try:
            amount = self.amount.value_minor()
            tendered = self.tendered.value_minor() if self.tendered.text().strip() else amount
        except MoneyError:
            self.change.setText("")
            return
        if tendered < amount:
            self.change.setText(f"{self.terms.money(amount - tendered)} short of the amount")
        else:
            self.change.setText(self.terms.money(tendered - amount))

    # --- taking the payment ------------------------------------------------------------------

    def _read(self) -> tuple[int, int | None] | None:
        self.errors.clear()
        self.banner.hide()
        try:
            amount = self.amount.value_minor()
        except MoneyError as exc:
            self.errors.show({"amount": str(exc)})
            return None
        tendered = None
        if self.method.currentData() == "cash" and self.tendered.text().strip():
            try:
                tendered = self.tendered.value_minor()
            except MoneyError as exc:
                self.errors.show({"tendered": str(exc)})
                return None
            if tendered < amount:
                self.errors.show({"tendered": (
                    f"{self.terms.money(tendered)} tendered is less than the {self.terms.money(amount)} "
                    "being paid. Enter what the patient handed over, or lower the amount.")})
                return None
        return amount, tendered

    def take(self) -> None:
        if self.payment is not None:  # Enter after the payment prints the receipt
            self.print_receipt(Paper.A5, "print")
            return
        read = self._read()
        if read is None:
            return
        amount, tendered = read
        method = self.method.currentData()
        reference = self.reference.text().strip() if self.reference.isVisible() else ""
        self.take_button.setEnabled(False)
        if self.invoice is not None:
            call = (self._services.payments.pay, self.invoice.id, method, amount)
        else:
            call = (self._services.payments.advance, self.patient_id, method, amount)
        self._runner.submit(*call, tendered=tendered, reference=reference, on_done=self._taken,
                            on_error=self._refused, context=self)

    def _refused(self, exc: Exception) -> None:
        self.take_button.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)

    def _taken(self, payment: PaymentRecord) -> None:
        self.payment = payment
        money = self.terms.money
        text = f"Receipt {payment.receipt_number}: {money(payment.amount)} by {payment.method_label}."
        if payment.change:
            text += f" Give {money(payment.change)} change."
        show_banner(self.banner, text, "bannerInfo")
        for widget in (self.method, self.amount, self.tendered, self.reference):
            widget.setEnabled(False)
        self.take_button.hide()
        for button in (self.print_button, self.roll_button, self.save_button, self.save_roll_button):
            button.show()
        self.adjustSize()  # the receipt buttons came after the dialog was sized: room for their words
        self.print_button.setDefault(True)
        self.print_button.setFocus()
        self.close_button.setText("Done")
        self.paid.emit(payment)

    # --- the receipt -------------------------------------------------------------------------

    def print_receipt(self, paper: Paper, how: str) -> None:
        """``how``: "print" (the system print dialog), "preview" or "save" (Save as PDF)."""
        if self.payment is None:
            return
        number = self.payment.receipt_number
        self._runner.submit(self._services.billing_documents.receipt_pdf, number, paper,
                            on_done=lambda doc: self._to_print_path(doc, paper, how),
                            on_error=lambda exc: report_in_form(self, exc, self.errors, self.banner), context=self)

    def _to_print_path(self, document, paper: Paper, how: str) -> None:  # type: ignore[no-untyped-def]
        suffix = "" if paper == Paper.A5 else f"-{paper.value}"
        self.printout = Printout(document.pdf, f"Receipt {document.number}",
                                 document.suggested_name.replace(".pdf", f"{suffix}.pdf"), self)
        if how == "save":
            self.printout.save_as_pdf()
        elif how == "preview":
            self.printout.preview()
        else:
            self.printout.print_dialog()
        self.printed.emit(self.printout)
