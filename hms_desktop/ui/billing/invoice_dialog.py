"""One invoice: a draft's lines from the price list (quantity, a discount within the role's limit,
with its reason, the item's tax), the totals as the service works them out, then issue, take
payment and print (invoice A4). An issued invoice is shown as issued and never edited.

Keyboard first: the item box has the focus; type to pick, Tab to the quantity, Enter adds the
line; Ctrl+Enter issues and opens the payment; Ctrl+Shift+P prints the invoice.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...services.billing import InvoiceRecord, LineInput, PriceItemRecord
from ...services.errors import ValidationError
from ...services.money import MoneyError
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.money_field import MoneyField
from ..common.printing import Printout
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms

LINE_HEADERS = ("Item", "Qty", "Unit price", "Discount", "Tax", "Total")
NO_DISCOUNT, PERCENT, AMOUNT = "none", "pct", "amount"


def percent_to_bp(text: str) -> int:
    """ "10" or "12.5 %" -> basis points (1000, 1250); ValueError in plain words otherwise."""
    cleaned = text.replace("%", "").strip().replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"“{text}” is not a percentage: type a number such as 10 or 12.5.") from None
    if not 0 < value <= 100:
        raise ValueError("A percentage discount is more than 0 and at most 100.")
    bp = round(value * 100)
    if abs(bp - value * 100) > 1e-6:
        raise ValueError("Give the percentage with at most two decimals (12.5, 7.25).")
    return bp


class InvoiceDialog(QDialog):
    """Open with ``InvoiceDialog(services, runner, record)``; start one with :meth:`for_patient`."""

    changed = Signal(object)  # InvoiceRecord after each save, issue, payment
    payment_wanted = Signal(object)  # InvoiceRecord just issued: the tab opens the payment dialog

    def __init__(self, services, runner: TaskRunner, record: InvoiceRecord | None = None, *,  # type: ignore[no-untyped-def]
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("invoiceDialog")
        self._services = services
        self._runner = runner
        self.record: InvoiceRecord | None = None
        self.items: list[PriceItemRecord] = []
        self.printout: Printout | None = None
        self.terms = MoneyTerms()
        self.setWindowTitle("Invoice")
        self.resize(820, 560)

        self.banner = banner_label()
        self.heading = QLabel(objectName="invoiceHeading")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setWordWrap(True)
        self.lines = QTableWidget(0, len(LINE_HEADERS), objectName="invoiceLines")
        self.lines.setHorizontalHeaderLabels(LINE_HEADERS)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines.verticalHeader().hide()
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(LINE_HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        # The line being added.
        self.item = QComboBox(objectName="lineItem")
        self.item.setEditable(True)
        self.item.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.item.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.item.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.item.lineEdit().setPlaceholderText("Type a price list item (code or name)")
        self.quantity = QSpinBox(objectName="lineQuantity", minimum=1, maximum=999)
        self.discount_kind = QComboBox(objectName="lineDiscountKind")
        self.discount_kind.addItem("No discount", NO_DISCOUNT)
        self.discount_kind.addItem("Discount %", PERCENT)
        self.discount_kind.addItem("Discount amount", AMOUNT)
        self.discount_value = QLineEdit(objectName="lineDiscount")
        self.discount_value.setPlaceholderText("10 or 50.00")
        self.discount_value.setMaximumWidth(110)
        self.discount_reason = QLineEdit(objectName="lineDiscountReason")
        self.discount_reason.setPlaceholderText("Why the discount")
        self.discount_reason.setMaxLength(200)
        self.add_button = QPushButton("Add &line", objectName="addLine")
        self.remove_button = QPushButton("&Remove line", objectName="removeLine")
        self.errors = FieldErrors()
        add_row = QHBoxLayout()
        self._entry_labels: list[QLabel] = []
        for text, widget, stretch in (("&Item", self.item, 3), ("&Qty", self.quantity, 0),
                                      (None, self.discount_kind, 0), (None, self.discount_value, 0),
                                      (None, self.discount_reason, 2)):
            if text:
                label = QLabel(text)
                label.setBuddy(widget)
                self._entry_labels.append(label)
                add_row.addWidget(label)
            add_row.addWidget(widget, stretch)
        add_row.addWidget(self.add_button)
        self.line_error = self.errors.add("lines", self.item)

        self.totals = QLabel(objectName="invoiceTotals")
        self.totals.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.totals.setTextFormat(Qt.TextFormat.PlainText)

        self.buttons = QDialogButtonBox()
        self.issue_pay_button = QPushButton("Issue and take &payment", objectName="issueAndPay")
        self.issue_button = QPushButton("Iss&ue only", objectName="issueInvoice")
        self.pay_button = QPushButton("Take &payment", objectName="invoicePay")
        self.print_button = QPushButton("Print in&voice (A4)", objectName="printInvoice")
        self.delete_button = QPushButton("&Delete draft", objectName="deleteDraft")
        for button in (self.issue_pay_button, self.issue_button, self.pay_button, self.print_button, self.delete_button):
            button.setAutoDefault(False)
            self.buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        self.issue_pay_button.clicked.connect(lambda: self.issue(then_pay=True))
        self.issue_button.clicked.connect(lambda: self.issue(then_pay=False))
        self.pay_button.clicked.connect(lambda: self.payment_wanted.emit(self.record))
        self.print_button.clicked.connect(self.print_invoice)
        self.delete_button.clicked.connect(self.delete_draft)
        self.add_button.clicked.connect(self.add_line)
        self.remove_button.clicked.connect(self.remove_line)
        QShortcut(QKeySequence("Ctrl+Return"), self, activated=lambda: self.issue(then_pay=True))
        QShortcut(QKeySequence("Ctrl+Enter"), self, activated=lambda: self.issue(then_pay=True))
        QShortcut(QKeySequence("Ctrl+Shift+P"), self, activated=self.print_invoice)
        QShortcut(QKeySequence.StandardKey.Delete, self.lines, activated=self.remove_line)
        # Enter in the line being typed adds it (not "Close", not "Issue").
        for widget in (self.item.lineEdit(), self.discount_value, self.discount_reason):
            widget.returnPressed.connect(self.add_line)
        self.quantity.lineEdit().returnPressed.connect(self.add_line)
        self.discount_kind.currentIndexChanged.connect(self._discount_kind_changed)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.heading)
        layout.addWidget(self.lines, 1)
        remove_row = QHBoxLayout()
        remove_row.addWidget(self.remove_button)
        remove_row.addStretch(1)
        remove_row.addWidget(self.totals)
        layout.addLayout(remove_row)
        layout.addLayout(add_row)
        layout.addWidget(self.line_error)
        layout.addWidget(self.buttons)
        self._discount_kind_changed()
        self._busy(True)
        self._runner.submit(services.price_list.items, on_done=self._items_loaded, on_error=self._refused, context=self)
        if record is not None:
            self._show(record)

    @classmethod
    def for_patient(cls, services, runner: TaskRunner, patient_id: int, *, appointment_id: int | None = None,  # type: ignore[no-untyped-def]
                    parent: QWidget | None = None) -> InvoiceDialog:
        """A new draft for the patient (from a visit, its consultation is the first line); an
        invoice the visit already has is opened instead of starting a second."""
        dialog = cls(services, runner, parent=parent)
        if appointment_id is not None:
            runner.submit(services.invoices.for_appointment, appointment_id,
                          on_done=lambda found: dialog._show(found) if found is not None else dialog._start(
                              patient_id, appointment_id),
                          on_error=dialog._refused, context=dialog)
        else:
            dialog._start(patient_id, None)
        return dialog

    def _start(self, patient_id: int, appointment_id: int | None) -> None:
        self._runner.submit(self._services.invoices.start, patient_id, appointment_id=appointment_id,
                            on_done=self._saved, on_error=self._refused, context=self)

    # --- showing -----------------------------------------------------------------------------

    def _busy(self, busy: bool) -> None:
        for button in (self.issue_pay_button, self.issue_button, self.add_button, self.remove_button):
            button.setEnabled(not busy)

    def _items_loaded(self, items: list[PriceItemRecord]) -> None:
        self.items = [item for item in items if item.active]
        current = self.item.currentText()
        self.item.clear()
        for item in self.items:
            self.item.addItem(f"{item.code} · {item.name} · {self.terms.money(item.price_minor)}", item.id)
        self.item.setCurrentIndex(-1)
        self.item.setEditText(current)
        if self.record is not None:
            self._busy(not self.record.is_draft)

    def _show(self, record: InvoiceRecord) -> None:
        self.record = record
        self.terms = MoneyTerms.of(record)
        draft = record.is_draft
        money = self.terms.money
        self.setWindowTitle(f"Invoice {record.number}" if record.number else f"Draft invoice for {record.patient_name}")
        visit = f" · {record.doctor_name}" if record.doctor_name else ""
        payer = f" · billed to {record.payer_name} {record.claim_reference}".rstrip() if record.payer_id else ""
        self.heading.setText(f"{record.patient_name} (MRN {record.patient_mrn}){visit}{payer}\n"
                             f"{record.number or 'Draft'} · {record.state_label} · {record.local_day.isoformat()}")
        self.lines.setRowCount(len(record.lines))
        for row, line in enumerate(record.lines):
            discount = ""
            if line.discount:
                how = f"{line.discount_bp / 100:g} %" if line.discount_bp else "amount"
                discount = f"−{money(line.discount)} ({how}{': ' + line.discount_reason if line.discount_reason else ''})"
            cells = (line.description + (f" ({line.note})" if line.note else ""), str(line.quantity),
                     money(line.unit_price), discount, f"{line.tax_rate_bp / 100:g} %  {money(line.tax)}",
                     money(line.total))
            for col, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if col:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.lines.setItem(row, col, cell)
        totals = (f"Subtotal {money(record.subtotal)}   Discount −{money(record.discount)}   Tax {money(record.tax)}"
                  f"   Total {money(record.total)}")
        if not draft:
            totals += f"\nCredited {money(record.credited)}   " if record.credited else "\n"
            totals += f"Paid {money(record.kept)}   Balance {money(record.balance)}"
        self.totals.setText(totals)
        for widget in (self.item, self.quantity, self.discount_kind, self.discount_value, self.discount_reason,
                       self.add_button, self.remove_button, self.issue_button, self.issue_pay_button,
                       self.delete_button, *self._entry_labels):
            widget.setVisible(draft)
        self._discount_kind_changed()
        self.pay_button.setVisible(not draft and record.patient_balance > 0 and record.state != "void")
        self.print_button.setVisible(not draft)
        self._busy(not draft)
        if draft:
            self.issue_pay_button.setDefault(False)
            self.item.setFocus()
        elif self.pay_button.isVisible():
            self.pay_button.setDefault(True)
            self.pay_button.setFocus()

    def _discount_kind_changed(self) -> None:
        editing = self.record is None or self.record.is_draft
        on = self.discount_kind.currentData() != NO_DISCOUNT and editing
        self.discount_value.setVisible(on)
        self.discount_reason.setVisible(on)

    # --- editing a draft ---------------------------------------------------------------------

    def _chosen_item(self) -> PriceItemRecord | None:
        text = self.item.currentText().strip()
        if not text:
            return None
        index = self.item.findText(text, Qt.MatchFlag.MatchExactly)
        if index < 0:  # typed, not picked: the one item whose code or name it is (or starts)
            lowered = text.lower()
            matches = [i for i, item in enumerate(self.items)
                       if item.code.lower() == lowered or item.name.lower() == lowered]
            if not matches:
                matches = [i for i, item in enumerate(self.items)
                           if lowered in f"{item.code} {item.name}".lower()]
            if len(matches) != 1:
                return None
            index = matches[0]
        item_id = self.item.itemData(index)
        return next((item for item in self.items if item.id == item_id), None)

    def _new_line(self) -> LineInput | None:
        self.errors.clear()
        item = self._chosen_item()
        if item is None:
            self.errors.show({"lines": (
                f"“{self.item.currentText().strip()}” is not one item of the price list: type more of its code "
                "or name, or pick it from the list." if self.item.currentText().strip()
                else "Choose an item from the price list first.")})
            return None
        kind = self.discount_kind.currentData()
        discount_bp = discount_minor = 0
        reason = self.discount_reason.text().strip()
        try:
            if kind == PERCENT:
                discount_bp = percent_to_bp(self.discount_value.text())
            elif kind == AMOUNT:
                field = MoneyField(self.terms.currency, self.terms.locale, empty_value=None)
                field.setText(self.discount_value.text())
                discount_minor = field.value_minor()
                field.deleteLater()
        except (ValueError, MoneyError) as exc:
            self.errors.show({"lines": str(exc)})
            self.discount_value.setFocus()
            return None
        if kind != NO_DISCOUNT and not reason:
            self.errors.show({"lines": "Say why the discount is given (it is recorded with the invoice)."})
            self.discount_reason.setFocus()
            return None
        return LineInput(item.name, self.quantity.value(), item.price_minor, item.tax_rate_bp, item.id, item.kind,
                         item.code, discount_bp, discount_minor, reason if kind != NO_DISCOUNT else "")

    def add_line(self) -> None:
        if self.record is None or not self.record.is_draft:
            return
        line = self._new_line()
        if line is None:
            return
        self._save([*(ln.as_input() for ln in self.record.lines), line], clear_entry=True)

    def remove_line(self) -> None:
        if self.record is None or not self.record.is_draft:
            return
        row = self.lines.currentRow()
        if not 0 <= row < len(self.record.lines):
            return
        self._save([ln.as_input() for i, ln in enumerate(self.record.lines) if i != row])

    def _save(self, lines: list[LineInput], *, clear_entry: bool = False) -> None:
        record = self.record
        assert record is not None
        self._busy(True)
        self._clear_entry = clear_entry
        self._runner.submit(self._services.invoices.save_draft, record.id, record.version, lines,
                            payer_id=record.payer_id, claim_reference=record.claim_reference,
                            payer_share=record.payer_share, notes=record.notes,
                            on_done=self._saved, on_error=self._refused, context=self)

    def _saved(self, record: InvoiceRecord) -> None:
        if getattr(self, "_clear_entry", False):
            self.item.setCurrentIndex(-1)
            self.item.setEditText("")
            self.quantity.setValue(1)
            self.discount_kind.setCurrentIndex(0)
            self.discount_value.clear()
            self.discount_reason.clear()
            self._clear_entry = False
        self.banner.hide()
        self._show(record)
        self.changed.emit(record)

    def _refused(self, exc: Exception) -> None:
        if self.record is not None:
            self._busy(not self.record.is_draft)
        if isinstance(exc, ValidationError):
            # Line problems (a discount beyond the role's limit...) go under the line being added.
            self.errors.show({"lines": " ".join(exc.fields.values())})
            return
        report_in_form(self, exc, self.errors, self.banner)

    # --- issuing, paying, printing -----------------------------------------------------------

    def issue(self, *, then_pay: bool) -> None:
        record = self.record
        if record is None:
            return
        if not record.is_draft:
            if then_pay and self.pay_button.isVisible():
                self.payment_wanted.emit(record)
            return
        if self.item.currentText().strip():
            self.errors.show({"lines": "Add the line you typed (Enter) or clear it before issuing."})
            return
        self._busy(True)
        self._runner.submit(self._services.invoices.issue, record.id, record.version,
                            on_done=lambda issued: self._issued(issued, then_pay), on_error=self._refused,
                            context=self)

    def _issued(self, record: InvoiceRecord, then_pay: bool) -> None:
        self._show(record)
        show_banner(self.banner, f"Issued invoice {record.number} for {self.terms.money(record.total)}.", "bannerInfo")
        self.changed.emit(record)
        if then_pay and record.patient_balance > 0:
            self.payment_wanted.emit(record)

    def show_paid(self, record: InvoiceRecord) -> None:
        """The payment dialog took money on this invoice: show the new figures."""
        self._show(record)
        self.changed.emit(record)

    def print_invoice(self) -> None:
        record = self.record
        if record is None or record.number is None:
            return
        self._runner.submit(self._services.billing_documents.invoice_pdf, record.number,
                            on_done=self._to_print_path, on_error=self._refused, context=self)

    def _to_print_path(self, document) -> None:  # type: ignore[no-untyped-def]
        self.printout = Printout(document.pdf, f"Invoice {document.number}", document.suggested_name, self)
        self.printout.print_dialog()

    def delete_draft(self) -> None:
        record = self.record
        if record is None or not record.is_draft:
            return
        self._runner.submit(self._services.invoices.delete_draft, record.id, record.version,
                            on_done=lambda _none: self._deleted(), on_error=self._refused, context=self)

    def _deleted(self) -> None:
        self.changed.emit(None)
        self.accept()
