"""Reprint a receipt of an invoice: pick the payment, then A5 or the 80 mm roll, to the printer
or to a PDF. A reprint is the archived original stamped COPY (the service decides)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ...services.billing import InvoiceRecord
from ...services.documents import Paper
from ..common.form_helpers import banner_label, show_banner
from ..common.messages import show_error
from ..common.printing import Printout
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms


class ReceiptChooser(QDialog):
    def __init__(self, services, runner: TaskRunner, invoice: InvoiceRecord, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setObjectName("receiptChooser")
        self.setWindowTitle(f"Receipts of {invoice.number}")
        self._services = services
        self._runner = runner
        self.printout: Printout | None = None
        terms = MoneyTerms.of(invoice)
        self.banner = banner_label()
        self.payment = QComboBox(objectName="receiptPayment")
        for p in invoice.payments:
            self.payment.addItem(f"{p.receipt_number} · {terms.money(p.amount)} {p.method_label} · "
                                 f"{p.received_at:%Y-%m-%d %H:%M}", p.receipt_number)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.print_button = QPushButton("&Print (A5)", objectName="receiptPrint")
        self.roll_button = QPushButton("80 &mm roll", objectName="receiptRoll")
        self.save_button = QPushButton("Save as PD&F", objectName="receiptSave")
        self.save_roll_button = QPushButton("Sa&ve 80 mm PDF", objectName="receiptSaveRoll")
        for button in (self.print_button, self.roll_button, self.save_button, self.save_roll_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.setDefault(True)
        buttons.rejected.connect(self.reject)
        self.print_button.clicked.connect(lambda: self._fetch(Paper.A5, "print"))
        self.roll_button.clicked.connect(lambda: self._fetch(Paper.ROLL_80MM, "print"))
        self.save_button.clicked.connect(lambda: self._fetch(Paper.A5, "save"))
        self.save_roll_button.clicked.connect(lambda: self._fetch(Paper.ROLL_80MM, "save"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(QLabel("&Receipt", buddy=self.payment))
        layout.addWidget(self.payment)
        layout.addWidget(buttons)
        if not invoice.payments:
            show_banner(self.banner, "Nothing has been paid on this invoice, so it has no receipt.", "bannerInfo")

    def _fetch(self, paper: Paper, how: str) -> None:
        number = self.payment.currentData()
        if not number:
            return
        self._runner.submit(self._services.billing_documents.receipt_pdf, number, paper,
                            on_done=lambda doc: self._print(doc, how),
                            on_error=lambda exc: show_error(self, exc), context=self)

    def _print(self, document, how: str) -> None:  # type: ignore[no-untyped-def]
        self.printout = Printout(document.pdf, f"Receipt {document.number}", document.suggested_name, self)
        if how == "save":
            self.printout.save_as_pdf()
        else:
            self.printout.print_dialog()
