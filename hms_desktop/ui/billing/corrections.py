"""Corrections to an issued invoice: refund part or all of a payment, a credit note against what is
still owed, or void (nothing kept on it). Each needs a reason; the service checks the amounts and
the permission and the dialog shows its refusal in plain words, losing nothing typed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...services.billing import InvoiceRecord
from ...services.money import MoneyError
from ..common.form_helpers import FieldErrors, banner_label, report_in_form
from ..common.money_field import MoneyField
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms


class _Correction(QDialog):
    done_with = Signal(object)  # what the service returned
    title = ""
    action = ""

    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self.invoice = invoice
        self.terms = MoneyTerms.of(invoice)
        self.setWindowTitle(f"{self.title}: {invoice.number}")
        self.banner = banner_label()
        self.summary = QLabel(f"{invoice.patient_name} (MRN {invoice.patient_mrn}) · total "
                              f"{self.terms.money(invoice.due)} · paid {self.terms.money(invoice.kept)} · owed "
                              f"{self.terms.money(invoice.balance)}")
        self.summary.setWordWrap(True)
        self.reason = QLineEdit(objectName="correctionReason")
        self.reason.setMaxLength(300)
        self.errors = FieldErrors()
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.action)
        self.ok.setObjectName("correctionOk")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.summary)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)

    def _add_reason(self) -> None:
        self.form.addRow("Rea&son", self.reason)
        self.form.addRow("", self.errors.add("reason", self.reason))

    def _amount_field(self, prefill: int) -> MoneyField:
        field = MoneyField(self.terms.currency, self.terms.locale, empty_value=None, objectName="correctionAmount")
        field.set_value_minor(prefill)
        self.form.addRow("&Amount", field)
        self.form.addRow("", self.errors.add("amount", field))
        return field

    def _read_amount(self, field: MoneyField) -> int | None:
        try:
            return field.value_minor()
        except MoneyError as exc:
            self.errors.show({"amount": str(exc)})
            return None

    def _send(self, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.errors.clear()
        self.banner.hide()
        self.ok.setEnabled(False)
        self._runner.submit(fn, *args, **kwargs, on_done=self._done, on_error=self._refused, context=self)

    def _refused(self, exc: Exception) -> None:
        self.ok.setEnabled(True)
        report_in_form(self, exc, self.errors, self.banner)

    def _done(self, result) -> None:  # type: ignore[no-untyped-def]
        self.done_with.emit(result)
        self.accept()

    def submit(self) -> None:
        raise NotImplementedError


class RefundDialog(_Correction):
    title = "Refund"
    action = "Refund"

    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(services, runner, invoice, parent)
        self.setObjectName("refundDialog")
        self.payment = QComboBox(objectName="refundPayment")
        for p in invoice.payments:
            if p.refundable > 0:
                self.payment.addItem(f"{p.receipt_number} · {p.method_label} · {self.terms.money(p.amount)} "
                                     f"(up to {self.terms.money(p.refundable)} can be given back)", p.id)
        self._refundable = {p.id: p.refundable for p in invoice.payments}
        self.form.addRow("&Payment", self.payment)
        self.amount = self._amount_field(self._refundable.get(self.payment.currentData(), 0))
        self._add_reason()
        self.payment.currentIndexChanged.connect(
            lambda _i: self.amount.set_value_minor(self._refundable.get(self.payment.currentData(), 0)))
        if not self.payment.count():
            self.banner.setText("Nothing paid on this invoice can be given back.")
            self.banner.show()
            self.ok.setEnabled(False)
        self.amount.setFocus()
        self.amount.selectAll()

    def submit(self) -> None:
        amount = self._read_amount(self.amount)
        if amount is None or self.payment.currentData() is None:
            return
        self._send(self._services.payments.refund, self.payment.currentData(), amount, self.reason.text().strip())


class CreditNoteDialog(_Correction):
    title = "Credit note"
    action = "Issue credit note"

    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(services, runner, invoice, parent)
        self.setObjectName("creditNoteDialog")
        self.amount = self._amount_field(max(0, invoice.balance))
        self._add_reason()
        self.amount.setFocus()
        self.amount.selectAll()

    def submit(self) -> None:
        amount = self._read_amount(self.amount)
        if amount is None:
            return
        self._send(self._services.invoices.credit_note, self.invoice.id, self.invoice.version, amount,
                   self.reason.text().strip())


class VoidDialog(_Correction):
    title = "Void invoice"
    action = "Void invoice"

    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(services, runner, invoice, parent)
        self.setObjectName("voidDialog")
        self.form.addRow(QLabel("The invoice keeps its number and shows as void; this cannot be undone."))
        self._add_reason()
        self.form.addRow("", self.errors.add("state", self.reason))
        self.reason.setFocus()

    def submit(self) -> None:
        self._send(self._services.invoices.void, self.invoice.id, self.invoice.version, self.reason.text().strip())
