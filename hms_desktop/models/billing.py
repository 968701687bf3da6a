"""Billing: the price list, invoices and their lines, payments, refunds, credit notes, cashier shifts,
document numbers and the archive of printed documents.

Money is integer minor units (paise, cents) everywhere. An issued invoice is never edited: its
lines keep their own name, price and tax rate, and corrections are credit notes or a void. The
running figures on an invoice (paid, refunded, credited) are kept on the row, under the row's lock,
and the database refuses an invoice that would be paid beyond what is owed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ItemKind(StrEnum):
    CONSULTATION = "consultation"
    PROCEDURE = "procedure"
    LAB = "lab"
    MEDICINE = "medicine"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"lab": "Lab test", "medicine": "Medicine / consumable"}.get(self.value, self.value.capitalize())


class InvoiceState(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    VOID = "void"

    @property
    def label(self) -> str:
        return {"partly_paid": "Partly paid"}.get(self.value, self.value.capitalize())


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    UPI = "upi"
    BANK = "bank"
    PAYER = "payer"  # insurer or company settles its share
    CREDIT = "credit"  # the patient's advance applied to an invoice
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"upi": "UPI", "bank": "Bank transfer", "payer": "Insurer / company",
                "credit": "Advance applied"}.get(self.value, self.value.capitalize())


class ShiftState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class TaxRate(Base):
    """The clinic's list of tax rates (0 %, 5 %, 18 %...), in basis points."""

    __tablename__ = "tax_rates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    rate_bp: Mapped[int] = mapped_column(Integer, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate"),)


class PriceItem(Base):
    """One thing the clinic charges for. Doctors' consultations are priced on the doctor."""

    __tablename__ = "price_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    price_minor: Mapped[int] = mapped_column(Integer)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("price_minor >= 0", name="price"),
        CheckConstraint("tax_rate_bp >= 0 AND tax_rate_bp <= 10000", name="tax_rate"),
    )


class PayerAccount(Base):
    """An insurer or a company that pays part or all of some patients' bills."""

    __tablename__ = "payer_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="insurer")  # insurer | company
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class DocumentCounter(Base):
    """The next number of a document series in a year, e.g. INV 2026 -> 124.

    Taken with ``UPDATE ... RETURNING`` in the transaction that issues the document, so the number
    is used exactly when the document commits: no gaps (a sequence skips on rollback) and no
    repeats (MAX()+1 races between desks)."""

    __tablename__ = "document_counters"

    series: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class CashierShift(Base):
    __tablename__ = "cashier_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cashier_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id"))
    workstation: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(8), default=ShiftState.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opening_float: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # {"cash": {"expected": 120000, "counted": 119500}, ...} frozen at close
    counts: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    denominations: Mapped[list | None] = mapped_column(JSON, nullable=True)  # [[50000, 2], [10000, 3]]
    over_short: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(300), default="")
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("opening_float >= 0", name="float"),
        Index("ix_cashier_shifts_cashier_state", "cashier_id", "state"),
    )


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True, nullable=True)  # drafts have none
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("doctors.id"), nullable=True)
    payer_id: Mapped[int | None] = mapped_column(ForeignKey("payer_accounts.id"), nullable=True)
    claim_reference: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default=InvoiceState.DRAFT)
    # The clinic-local day the invoice belongs to: the day it was issued (or started, for a draft).
    local_day: Mapped[date] = mapped_column(Date)
    subtotal: Mapped[int] = mapped_column(Integer, default=0)
    discount: Mapped[int] = mapped_column(Integer, default=0)
    tax: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    payer_share: Mapped[int] = mapped_column(Integer, default=0)  # of total, what the payer owes
    paid: Mapped[int] = mapped_column(Integer, default=0)  # all payments received, payer's included
    payer_paid: Mapped[int] = mapped_column(Integer, default=0)  # of paid, what the payer settled
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    credited: Mapped[int] = mapped_column(Integer, default=0)  # credit notes against it
    notes: Mapped[str] = mapped_column(String(500), default="")
    void_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("total >= 0 AND paid >= 0 AND refunded >= 0 AND credited >= 0", name="amounts"),
        CheckConstraint("refunded <= paid", name="refund"),
        CheckConstraint("credited <= total", name="credit"),
        # Never paid beyond what is owed: what was kept (paid - refunded) fits what is due.
        CheckConstraint("paid - refunded <= total - credited", name="overpaid"),
        CheckConstraint("payer_share >= 0 AND payer_share <= total", name="payer_share"),
        CheckConstraint("payer_paid >= 0 AND payer_paid <= payer_share AND payer_paid <= paid", name="payer_paid"),
        CheckConstraint("(state = 'draft') = (number IS NULL)", name="numbered"),
        # The Billing tab pages by (local_day, id) newest first, filtered by state, patient, doctor.
        Index("ix_invoices_day_id", "local_day", "id"),
        Index("ix_invoices_patient", "patient_id", "local_day"),
        Index("ix_invoices_doctor_day", "doctor_id", "local_day"),
        # One state's invoices newest first straight from the index; several states are merged
        # (listing.page), since no index hands out "state IN (...)" in day order.
        Index("ix_invoices_state_day_id", "state", "local_day", "id"),
        # The revenue reports: every figure they sum, by the clinic's day, from the index alone.
        Index("ix_invoices_day_figures", "local_day", "state", "doctor_id", "payer_id", "total", "discount", "credited",
              "paid", "refunded", "payer_share", "payer_paid"),
        # One live invoice per visit, whichever desk starts it first (a void one may be replaced).
        Index("uq_invoices_appointment_live", "appointment_id", unique=True,
              sqlite_where=text("state != 'void'"), postgresql_where=text("state != 'void'")),
    )


class InvoiceLine(Base):
    """A line as it was billed: its own copy of the item's name, price and tax rate."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("price_items.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default=ItemKind.OTHER)
    code: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(Integer)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    tax_inclusive: Mapped[bool] = mapped_column(Boolean, default=False)
    discount_bp: Mapped[int] = mapped_column(Integer, default=0)
    discount_minor: Mapped[int] = mapped_column(Integer, default=0)
    discount_reason: Mapped[str] = mapped_column(String(200), default="")
    # Why a line is free, printed under it ("Follow-up within 7 days of 2 Dec").
    note: Mapped[str] = mapped_column(String(200), default="")
    gross: Mapped[int] = mapped_column(Integer)
    discount: Mapped[int] = mapped_column(Integer)
    net: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("quantity > 0 AND unit_price >= 0", name="quantity_price"),
        CheckConstraint("discount >= 0 AND discount <= gross", name="discount"),
        CheckConstraint("total = net + tax", name="total"),
        UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_position"),
    )


class Payment(Base):
    """Money received: against an invoice, or as an advance held as the patient's credit."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_number: Mapped[str] = mapped_column(String(24), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)  # None: advance
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("cashier_shifts.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    tendered: Mapped[int | None] = mapped_column(Integer, nullable=True)  # cash handed over
    change: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reference: Mapped[str] = mapped_column(String(64), default="")  # card last 4, UPI id, cheque...
    refunded: Mapped[int] = mapped_column(Integer, default=0)
    applied: Mapped[int] = mapped_column(Integer, default=0)  # of an advance, what later invoices used
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("refunded >= 0 AND applied >= 0 AND refunded + applied <= amount", name="used"),
        CheckConstraint("tendered IS NULL OR (tendered >= amount AND change = tendered - amount)", name="change"),
        Index("ix_payments_invoice", "invoice_id"),
        Index("ix_payments_patient", "patient_id"),
        Index("ix_payments_shift", "shift_id"),
        # The day's payments (the Billing tab) and the collection reports, from the index alone.
        Index("ix_payments_day_figures", "local_day", "method", "received_by_id", "amount"),
    )


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("cashier_shifts.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(300))
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    refunded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_refunds_shift", "shift_id"),
        Index("ix_refunds_day", "local_day"),
    )


class CreditNote(Base):
    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    amount: Mapped[int] = mapped_column(Integer)
    tax: Mapped[int] = mapped_column(Integer, default=0)  # of the amount, the tax it reverses
    reason: Mapped[str] = mapped_column(String(300))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)

    __table_args__ = (
        CheckConstraint("amount > 0 AND tax >= 0 AND tax <= amount", name="amount"),
        Index("ix_credit_notes_invoice", "invoice_id"),
        Index("ix_credit_notes_day", "local_day"),
    )


class ArchivedDocument(Base):
    """A document exactly as first printed; a reprint is these bytes stamped COPY."""

    __tablename__ = "archived_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # invoice | receipt_a5 | receipt_a4 | receipt_80mm | closure...
    number: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    first_printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    reprints: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("kind", "number", name="uq_archived_documents_kind_number"),)
