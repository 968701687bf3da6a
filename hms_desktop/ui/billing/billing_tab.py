"""The Billing tab: the invoices (newest first, fetched a page at a time as the list scrolls),
filters, totals of what is shown, and from the selected invoice: open it, take a payment, print
the receipt, refund, credit note, void. The cashier's shift is opened and closed from here.

Changes made at other desks arrive through the window's change feed (topic "billing") and the
list reloads without anyone pressing a key.

Keyboard: Ctrl+F search; Down from the search to the list; Enter opens the invoice; F9 (or
Alt+K) takes a payment; Alt+W starts a new invoice; Alt+F the shift.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.billing import InvoiceFilter, InvoicePage, InvoiceRecord, InvoiceRow, ListTotals, ShiftRecord
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ..common.messages import show_error
from ..common.row_table_model import CELL_PADDING, make_record_table
from ..common.search_box import SearchBox
from ..common.worker import TaskRunner
from .invoice_dialog import InvoiceDialog
from .invoice_table_model import PATIENT, InvoiceRowRole, InvoiceTableModel
from .money_terms import MoneyTerms
from .payment_dialog import PaymentDialog

PAGE_SIZE = 100
#: (label, states) for the status filter.
STATUS_CHOICES = (
    ("Any status", ()),
    ("Unpaid (issued or partly paid)", ("issued", "partly_paid")),
    ("Draft", ("draft",)),
    ("Issued", ("issued",)),
    ("Partly paid", ("partly_paid",)),
    ("Paid", ("paid",)),
    ("Void", ("void",)),
)


def billing_keys() -> str:
    """The Billing tab's keys, for the window's Help > Keyboard shortcuts."""
    return ("Ctrl+F  search invoices\nEnter  open the selected invoice\nF9  take a payment on it\n"
            "F5  reload the list\nIn an invoice: Enter adds the line, Ctrl+Enter issues and takes payment, "
            "Ctrl+Shift+P prints it\nIn a payment: Enter takes it, then Enter prints the receipt")


class BillingTab(QWidget):
    status_message = Signal(str)

    def __init__(self, services, runner: TaskRunner, user: CurrentUser, watcher=None,  # type: ignore[no-untyped-def]
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("billingTab")
        self.services = services
        self.runner = runner
        self.user = user
        self.terms = MoneyTerms()
        self.shift: ShiftRecord | None = None
        self.patient_id: int | None = None  # set when opened for one patient
        self.dialogs: list[QWidget] = []  # open dialogs, newest last (tests and hooks find them here)

        self.search = SearchBox(objectName="billingSearch", clear_on_escape=True)
        self.search.setPlaceholderText("Invoice or receipt number, or patient name / MRN   (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.all_dates = QCheckBox("All &dates", objectName="billingAllDates")
        today = QDate.currentDate()
        self.day_from = QDateEdit(today.addDays(-30), objectName="billingFrom", calendarPopup=True)
        self.day_to = QDateEdit(today, objectName="billingTo", calendarPopup=True)
        for edit in (self.day_from, self.day_to):
            edit.setDisplayFormat("yyyy-MM-dd")
        self.status = QComboBox(objectName="billingStatus")
        for label, states in STATUS_CHOICES:
            self.status.addItem(label, states)
        self.doctor = QComboBox(objectName="billingDoctor")
        self.doctor.addItem("Any doctor", None)
        self.payer = QComboBox(objectName="billingPayer")
        self.payer.addItem("Any payer", None)
        self.mine = QCheckBox("Only m&ine", objectName="billingMine")
        self.patient_chip = QPushButton(objectName="billingPatientFilter")
        self.patient_chip.setToolTip("Showing one patient's invoices; click to show everyone's")
        self.patient_chip.hide()
        self.patient_chip.clicked.connect(lambda: self.show_patient(None))

        self.model = InvoiceTableModel(self.terms.money, self)
        self.model.more_wanted.connect(self._fetch_more)
        self.table = QTableView(objectName="billingTable")
        self.table.setModel(self.model)
        make_record_table(self.table)
        self.table.setStyleSheet(CELL_PADDING)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(PATIENT, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.activated.connect(lambda _i: self.open_selected())
        self.totals = QLabel(objectName="billingTotals")
        self.totals.setTextFormat(Qt.TextFormat.PlainText)
        self.shift_label = QLabel(objectName="billingShiftState")
        self.shift_label.setTextFormat(Qt.TextFormat.PlainText)

        self.new_button = QPushButton("Ne&w invoice…", objectName="billingNew")
        self.open_button = QPushButton("&Open", objectName="billingOpen")
        self.pay_button = QPushButton("Ta&ke payment (F9)", objectName="billingPay")
        self.receipt_button = QPushButton("Print rece&ipt", objectName="billingReceipt")
        self.refund_button = QPushButton("&Refund…", objectName="billingRefund")
        self.credit_button = QPushButton("Credit &note…", objectName="billingCredit")
        self.void_button = QPushButton("&Void…", objectName="billingVoid")
        self.shift_button = QPushButton("Shi&ft…", objectName="billingShift")
        self.advance_button = QPushButton("Deposi&t…", objectName="billingAdvance")
        self.advance_button.setToolTip("Take an advance from a patient: held as their credit and used on a later "
                                       "invoice (pay it with \"Advance applied\")")
        self.new_button.clicked.connect(self.new_invoice)
        self.open_button.clicked.connect(self.open_selected)
        self.pay_button.clicked.connect(self.pay_selected)
        self.receipt_button.clicked.connect(self.receipt_for_selected)
        self.refund_button.clicked.connect(self.refund_selected)
        self.credit_button.clicked.connect(self.credit_selected)
        self.void_button.clicked.connect(self.void_selected)
        self.shift_button.clicked.connect(self.shift_dialog)
        self.advance_button.clicked.connect(self.new_advance)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self._focus_search)
        QShortcut(QKeySequence("F9"), self, activated=self.pay_selected)
        QShortcut(QKeySequence("F5"), self, activated=self.reload)
        self.search.down_pressed.connect(self._into_table)
        self.search.returnPressed.connect(self._search_entered)

        can = user.can
        self.new_button.setVisible(can(Permission.INVOICE_CREATE))
        self.pay_button.setVisible(can(Permission.PAYMENT_TAKE))
        self.advance_button.setVisible(can(Permission.PAYMENT_TAKE))
        self.refund_button.setVisible(can(Permission.PAYMENT_REFUND))
        self.credit_button.setVisible(can(Permission.INVOICE_VOID))
        self.void_button.setVisible(can(Permission.INVOICE_VOID))
        self.shift_button.setVisible(can(Permission.SHIFT_CLOSE))

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.patient_chip)
        filters.addWidget(self.all_dates)
        filters.addWidget(QLabel("From"))
        filters.addWidget(self.day_from)
        filters.addWidget(QLabel("to"))
        filters.addWidget(self.day_to)
        more_filters = QHBoxLayout()
        for widget in (self.status, self.doctor, self.payer):
            more_filters.addWidget(widget, 1)
        more_filters.addWidget(self.mine)
        more_filters.addStretch(1)
        more_filters.addWidget(self.shift_label)
        actions = QHBoxLayout()
        for button in (self.open_button, self.pay_button, self.receipt_button, self.refund_button,
                       self.credit_button, self.void_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.advance_button)
        actions.addWidget(self.new_button)
        actions.addWidget(self.shift_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addLayout(more_filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addLayout(actions)

        # A search waits for a pause in typing; any other filter applies at once.
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for signal in (self.all_dates.toggled, self.day_from.dateChanged, self.day_to.dateChanged,
                       self.status.currentIndexChanged, self.doctor.currentIndexChanged,
                       self.payer.currentIndexChanged, self.mine.toggled):
            signal.connect(lambda *_a: self.reload())
        self.all_dates.toggled.connect(self._dates_enabled)
        self._feed_timer = QTimer(self, singleShot=True, interval=150)  # a burst of notices, one reload
        self._feed_timer.timeout.connect(self._reload_keeping_selection)
        if watcher is not None:
            watcher.changed.connect(self._changes_arrived)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self._loaded_once = False
        self._reselect: int | None = None
        self._update_buttons()

    # --- loading -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """The tab came to the front: the settings (currency), lookups, the shift and the list."""
        if not self._loaded_once:
            self._loaded_once = True
            self.runner.submit(self.services.settings.get, on_done=self._settings_loaded, on_error=lambda _e: None,
                               context=self)
            self.runner.submit(self.services.doctors.search, on_done=self._doctors_loaded, on_error=lambda _e: None,
                               context=self)
            self.runner.submit(self.services.price_list.payers, on_done=self._payers_loaded,
                               on_error=lambda _e: None, context=self)
        self._load_shift()
        self.reload()

    def _settings_loaded(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.terms = MoneyTerms(settings.currency, settings.locale)
        self.model.set_money_format(self.terms.money)

    def _doctors_loaded(self, doctors) -> None:  # type: ignore[no-untyped-def]
        self._fill(self.doctor, [(d.full_name, d.id) for d in doctors])

    def _payers_loaded(self, payers) -> None:  # type: ignore[no-untyped-def]
        self._fill(self.payer, [(p.name, p.id) for p in payers])

    @staticmethod
    def _fill(combo: QComboBox, entries: list[tuple[str, int]]) -> None:
        chosen = combo.currentData()
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        for label, value in entries:
            combo.addItem(label, value)
        index = combo.findData(chosen)
        combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def current_filter(self) -> InvoiceFilter:
        dated = not self.all_dates.isChecked()
        return InvoiceFilter(
            day_from=self.day_from.date().toPython() if dated else None,
            day_to=self.day_to.date().toPython() if dated else None,
            states=tuple(self.status.currentData() or ()),
            patient_id=self.patient_id,
            doctor_id=self.doctor.currentData(),
            payer_id=self.payer.currentData(),
            cashier_id=self.user.id if self.mine.isChecked() else None,
            text=self.search.text().strip(),
        )

    def reload(self) -> None:
        self._debounce.stop()
        f = self.current_filter()
        generation = self.model.start()
        self.totals.setText("Loading…")
        self.runner.submit(self.services.invoices.page, f, limit=PAGE_SIZE, key="billing-page",
                           on_done=lambda page: self._page_arrived(generation, page),
                           on_error=lambda exc: self._page_failed(generation, exc), context=self)
        self.runner.submit(self.services.invoices.totals, f, key="billing-totals",
                           on_done=lambda totals: self._totals_arrived(generation, totals),
                           on_error=lambda _e: None, context=self)

    def _fetch_more(self, after) -> None:  # type: ignore[no-untyped-def]
        generation = self.model.generation
        self.runner.submit(self.services.invoices.page, self.current_filter(), after=after, limit=PAGE_SIZE,
                           on_done=lambda page: self._page_arrived(generation, page),
                           on_error=lambda exc: self._page_failed(generation, exc), context=self)

    def _page_arrived(self, generation: int, page: InvoicePage) -> None:
        if not self.model.append_page(generation, page):
            return
        if self._reselect is not None:
            row = self.model.row_of(self._reselect)
            if row is not None:
                self.table.selectRow(row)
                self._reselect = None
        if self.table.currentIndex().row() < 0 and self.model.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def _page_failed(self, generation: int, exc: Exception) -> None:
        self.model.page_failed(generation)
        show_error(self, exc)

    def _totals_arrived(self, generation: int, totals: ListTotals) -> None:
        if generation != self.model.generation:
            return
        money = self.terms.money
        self.totals.setText(f"{totals.count} invoice{'s' if totals.count != 1 else ''} shown · "
                            f"total {money(totals.total)} · paid {money(totals.kept)} · "
                            f"still owed {money(totals.balance)}")

    def _reload_keeping_selection(self) -> None:
        selected = self.selected()
        self._reselect = selected.id if selected is not None else None
        self.reload()

    def _changes_arrived(self, changes: list) -> None:
        if any(c.topic in ("billing", "") for c in changes):
            self._feed_timer.start()
            if any(c.topic == "" or c.kind == "shift" for c in changes):
                self._load_shift()

    def _load_shift(self) -> None:
        if not self.user.can(Permission.SHIFT_CLOSE):
            self.shift_label.setText("")
            return
        self.runner.submit(self.services.shifts.current, on_done=self._shift_loaded, on_error=lambda _e: None,
                           context=self)

    def _shift_loaded(self, shift: ShiftRecord | None) -> None:
        self.shift = shift
        if shift is None:
            self.shift_label.setText("Your shift is not open: open it (Alt+F) before taking money.")
            self.shift_button.setText("Open shi&ft…")
        else:
            self.shift_label.setText(f"Shift {shift.reference} open since {shift.opened_at:%H:%M}")
            self.shift_button.setText("Close shi&ft…")

    # --- the selection -----------------------------------------------------------------------

    def selected(self) -> InvoiceRow | None:
        index = self.table.currentIndex()
        return index.data(InvoiceRowRole) if index.isValid() else None

    def _update_buttons(self) -> None:
        row = self.selected()
        issued = row is not None and row.state not in ("draft", "void")
        self.open_button.setEnabled(row is not None)
        self.pay_button.setEnabled(issued and row.balance > 0)
        self.receipt_button.setEnabled(issued and row.kept > 0)
        self.refund_button.setEnabled(issued and row.kept > 0)
        self.credit_button.setEnabled(issued and row.balance > 0)
        self.void_button.setEnabled(issued and row.kept == 0)

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _into_table(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if self.table.currentIndex().row() < 0:
                self.table.selectRow(0)

    def _search_entered(self) -> None:
        """Enter in the search: the one invoice found opens at once (a number read off a slip)."""
        self.reload()
        self.table.setFocus()

    def show_patient(self, patient_id: int | None, name: str = "") -> None:
        """Show one patient's invoices (from their record), or everyone's again."""
        self.patient_id = patient_id
        self.patient_chip.setText(f"{name or 'One patient'}  ✕")
        self.patient_chip.setVisible(patient_id is not None)
        self.reload()

    def _with_invoice(self, then) -> None:  # type: ignore[no-untyped-def]
        row = self.selected()
        if row is None:
            return
        self.runner.submit(self.services.invoices.get, row.id, on_done=then, on_error=lambda exc: show_error(self, exc),
                           context=self)

    # --- actions -----------------------------------------------------------------------------

    def _keep(self, dialog: QWidget) -> QWidget:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(dialog)
        dialog.destroyed.connect(lambda *_a, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        dialog.open()
        return dialog

    def open_selected(self) -> None:
        self._with_invoice(self.open_invoice)

    def open_invoice(self, record: InvoiceRecord) -> InvoiceDialog:
        dialog = InvoiceDialog(self.services, self.runner, record, parent=self)
        self._wire_invoice(dialog)
        self._keep(dialog)
        return dialog

    def bill_visit(self, patient_id: int, appointment_id: int | None = None) -> InvoiceDialog:
        """Start (or open) the invoice for a patient, from a visit when one is given: the one click
        the Scheduler, the Queues tab and the patient's record offer."""
        dialog = InvoiceDialog.for_patient(self.services, self.runner, patient_id, appointment_id=appointment_id,
                                           parent=self)
        self._wire_invoice(dialog)
        self._keep(dialog)
        return dialog

    def new_invoice(self) -> None:
        from .patient_picker import PatientPicker

        picker = PatientPicker(self.services.patients, self.runner, parent=self)
        picker.chosen.connect(lambda patient_id: self.bill_visit(patient_id))
        self._keep(picker)

    def new_advance(self) -> None:
        """A deposit from a patient (not against an invoice): held as their credit, applied to a
        later invoice with the payment method "Advance applied"."""
        from .patient_picker import PatientPicker

        picker = PatientPicker(self.services.patients, self.runner, parent=self,
                               title="Advance: from which patient?", action="Take advance")
        picker.chosen.connect(self.take_advance)
        self._keep(picker)

    def take_advance(self, patient_id: int) -> PaymentDialog:
        dialog = PaymentDialog(self.services, self.runner, patient_id=patient_id, terms=self.terms, parent=self)
        dialog.paid.connect(lambda _p: self._load_shift())
        self._keep(dialog)
        return dialog

    def _wire_invoice(self, dialog: InvoiceDialog) -> None:
        dialog.changed.connect(lambda _r: self._feed_timer.start())
        dialog.payment_wanted.connect(lambda record: self.take_payment(record, invoice_dialog=dialog))

    def pay_selected(self) -> None:
        if self.pay_button.isVisible() and self.pay_button.isEnabled():
            self._with_invoice(self.take_payment)

    def take_payment(self, record: InvoiceRecord, invoice_dialog: InvoiceDialog | None = None) -> PaymentDialog:
        parent = invoice_dialog if invoice_dialog is not None else self
        dialog = PaymentDialog(self.services, self.runner, record, parent=parent)
        dialog.paid.connect(lambda _p: self._feed_timer.start())
        dialog.paid.connect(lambda _p: self._load_shift())
        if invoice_dialog is not None:
            dialog.paid.connect(lambda _p: self.runner.submit(
                self.services.invoices.get, record.id, on_done=invoice_dialog.show_paid, context=invoice_dialog))
        self._keep(dialog)
        return dialog

    def receipt_for_selected(self) -> None:
        self._with_invoice(self._receipt_for)

    def _receipt_for(self, record: InvoiceRecord) -> None:
        from .receipt_dialog import ReceiptChooser

        self._keep(ReceiptChooser(self.services, self.runner, record, parent=self))

    def refund_selected(self) -> None:
        from .corrections import RefundDialog

        self._with_invoice(lambda record: self._correction(RefundDialog, record))

    def credit_selected(self) -> None:
        from .corrections import CreditNoteDialog

        self._with_invoice(lambda record: self._correction(CreditNoteDialog, record))

    def void_selected(self) -> None:
        from .corrections import VoidDialog

        self._with_invoice(lambda record: self._correction(VoidDialog, record))

    def _correction(self, kind, record: InvoiceRecord) -> QWidget:  # type: ignore[no-untyped-def]
        dialog = kind(self.services, self.runner, record, parent=self)
        dialog.done_with.connect(lambda _r: self._feed_timer.start())
        dialog.done_with.connect(lambda _r: self._load_shift())
        return self._keep(dialog)

    def shift_dialog(self) -> QWidget:
        from .shift_dialog import ShiftDialog

        dialog = ShiftDialog(self.services, self.runner, self.shift, terms=self.terms, parent=self)
        dialog.shift_changed.connect(self._shift_loaded)
        return self._keep(dialog)

    def _dates_enabled(self, all_dates: bool) -> None:
        self.day_from.setEnabled(not all_dates)
        self.day_to.setEnabled(not all_dates)

