"""What the billing services hand out: frozen dataclasses, money in int minor units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ...models import InvoiceState, ItemKind, PaymentMethod
from ..money import LineAmounts


@dataclass(frozen=True)
class LineInput:
    """A line as the desk types it. ``unit_price`` and ``tax_rate_bp`` are copied onto the invoice,
    so a later price change never touches an invoice already made."""

    description: str
    quantity: int
    unit_price: int
    tax_rate_bp: int = 0
    item_id: int | None = None
    kind: str = ItemKind.OTHER
    code: str = ""
    discount_bp: int = 0  # a percentage discount, in basis points ...
    discount_minor: int = 0  # ... or an amount, not both
    discount_reason: str = ""
    note: str = ""  # set by the service for a free follow-up; ignored from the desk


@dataclass(frozen=True)
class LineRecord:
    id: int
    position: int
    item_id: int | None
    kind: str
    code: str
    description: str
    quantity: int
    unit_price: int
    tax_rate_bp: int
    tax_inclusive: bool
    discount_bp: int
    discount_minor: int
    discount_reason: str
    note: str
    gross: int
    discount: int
    net: int
    tax: int
    total: int

    @property
    def amounts(self) -> LineAmounts:
        """The line's stored figures, for the sums in :func:`money.invoice_totals`."""
        return LineAmounts(self.quantity, self.unit_price, self.tax_rate_bp, self.tax_inclusive, self.gross,
                           self.discount, self.net, self.tax, self.total)

    def as_input(self) -> LineInput:
        return LineInput(self.description, self.quantity, self.unit_price, self.tax_rate_bp, self.item_id,
                         self.kind, self.code, self.discount_bp, self.discount_minor, self.discount_reason, self.note)


@dataclass(frozen=True)
class PaymentRecord:
    id: int
    receipt_number: str
    patient_id: int
    invoice_id: int | None  # None: an advance, held as the patient's credit
    invoice_number: str | None
    method: str
    amount: int
    tendered: int | None
    change: int | None
    reference: str
    refunded: int
    applied: int
    received_at: datetime
    received_by: str
    shift_id: int | None
    version: int

    @property
    def method_label(self) -> str:
        return PaymentMethod(self.method).label

    @property
    def refundable(self) -> int:
        """What may still be given back: neither refunded nor used on a later invoice."""
        return self.amount - self.refunded - self.applied

    @property
    def is_advance(self) -> bool:
        return self.invoice_id is None


@dataclass(frozen=True)
class RefundRecord:
    id: int
    number: str
    payment_id: int
    receipt_number: str
    invoice_id: int | None
    method: str
    amount: int
    reason: str
    refunded_at: datetime
    refunded_by: str


@dataclass(frozen=True)
class CreditNoteRecord:
    id: int
    number: str
    invoice_id: int
    amount: int
    tax: int
    reason: str
    issued_at: datetime
    issued_by: str


@dataclass(frozen=True)
class InvoiceRecord:
    id: int
    number: str | None  # None while a draft
    state: str
    patient_id: int
    patient_name: str
    patient_mrn: str
    appointment_id: int | None
    doctor_id: int | None
    doctor_name: str
    payer_id: int | None
    payer_name: str
    claim_reference: str
    local_day: date
    subtotal: int
    discount: int
    tax: int
    total: int
    payer_share: int
    paid: int
    payer_paid: int
    refunded: int
    credited: int
    notes: str
    void_reason: str
    created_at: datetime
    issued_at: datetime | None
    issued_by: str
    version: int
    currency: str
    locale: str
    lines: tuple[LineRecord, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    refunds: tuple[RefundRecord, ...] = ()
    credit_notes: tuple[CreditNoteRecord, ...] = ()

    @property
    def state_label(self) -> str:
        return InvoiceState(self.state).label

    @property
    def is_draft(self) -> bool:
        return self.state == InvoiceState.DRAFT

    @property
    def due(self) -> int:
        """The total less credit notes."""
        return self.total - self.credited

    @property
    def kept(self) -> int:
        """What was paid and not refunded."""
        return self.paid - self.refunded

    @property
    def balance(self) -> int:
        """Still owed on the invoice, by the patient and the payer together (0 once void)."""
        return 0 if self.state == InvoiceState.VOID else self.due - self.kept

    @property
    def payer_balance(self) -> int:
        if self.state == InvoiceState.VOID:
            return 0
        return max(0, min(self.payer_share, self.due) - self.payer_paid)

    @property
    def patient_balance(self) -> int:
        return self.balance - self.payer_balance


@dataclass(frozen=True)
class InvoiceRow:
    """One row of the Billing tab."""

    id: int
    number: str | None
    state: str
    local_day: date
    patient_id: int
    patient_name: str
    patient_mrn: str
    doctor_name: str
    payer_name: str
    total: int
    kept: int
    balance: int
    issued_by: str

    @property
    def state_label(self) -> str:
        return InvoiceState(self.state).label


@dataclass(frozen=True)
class InvoiceFilter:
    """What the Billing tab shows. Empty fields do not filter. ``text`` is an invoice or receipt
    number (whole or its last digits) or the start of a patient's name or MRN."""

    day_from: date | None = None
    day_to: date | None = None
    states: tuple[str, ...] = ()
    patient_id: int | None = None
    doctor_id: int | None = None
    payer_id: int | None = None
    cashier_id: int | None = None  # who issued it
    text: str = ""


@dataclass(frozen=True)
class ListTotals:
    count: int
    total: int
    kept: int
    balance: int


@dataclass(frozen=True)
class InvoicePage:
    rows: tuple[InvoiceRow, ...]
    # Pass as ``after`` for the next page; None when this was the last.
    next_after: tuple[date, int] | None


@dataclass(frozen=True)
class Balance:
    patient_id: int
    owed: int  # on issued invoices, the patient's share not yet paid
    credit: int  # advances not yet used or refunded

    @property
    def net(self) -> int:
        return self.owed - self.credit


@dataclass(frozen=True)
class ShiftRecord:
    id: int
    cashier_id: int
    cashier_name: str
    workstation: str
    state: str
    opened_at: datetime
    opening_float: int
    closed_at: datetime | None
    # method -> amount the drawer/terminal should hold (cash includes the float), payments less refunds
    expected: dict[str, int] = field(default_factory=dict)
    counted: dict[str, int] = field(default_factory=dict)  # at close
    denominations: tuple[tuple[int, int], ...] = ()
    over_short: int = 0
    reason: str = ""
    reopened_count: int = 0
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def reference(self) -> str:
        return f"SHIFT-{self.id:05d}"


@dataclass(frozen=True)
class PriceItemRecord:
    id: int
    code: str
    name: str
    kind: str
    price_minor: int
    tax_rate_bp: int
    active: bool
    version: int

    @property
    def kind_label(self) -> str:
        return ItemKind(self.kind).label


@dataclass(frozen=True)
class TaxRateRecord:
    id: int
    name: str
    rate_bp: int
    active: bool


@dataclass(frozen=True)
class PayerRecord:
    id: int
    name: str
    kind: str
    active: bool
