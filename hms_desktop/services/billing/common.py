"""What the billing services share: the clinic's terms, the clock, locking an invoice, and building
records from rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (
    CreditNote,
    Doctor,
    Invoice,
    InvoiceLine,
    InvoiceState,
    Patient,
    PayerAccount,
    Payment,
    Refund,
    StaffAccount,
)
from ..errors import ConflictError, NotFound, ValidationError
from ..money import format_money
from ..settings import ClinicSettings, SettingsService, is_valid_time_zone
from ..text import check_text
from .records import CreditNoteRecord, InvoiceRecord, LineRecord, PaymentRecord, RefundRecord

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Terms:
    """The clinic settings a billing call needs, read in its own transaction."""

    settings: ClinicSettings
    zone: ZoneInfo

    @property
    def currency(self) -> str:
        return self.settings.currency

    @property
    def locale(self) -> str:
        return self.settings.locale

    def money(self, minor: int) -> str:
        return format_money(minor, self.settings.currency, self.settings.locale)


def terms(session: Session) -> Terms:
    settings = SettingsService._stored(session)
    zone = ZoneInfo(settings.time_zone if is_valid_time_zone(settings.time_zone) else ClinicSettings.time_zone)
    return Terms(settings, zone)


def is_int(value: object) -> bool:
    """A whole number that is not a bool (True is an int to Python, not an amount to us)."""
    return isinstance(value, int) and not isinstance(value, bool)


def amount_and_reason(amount: int, reason: str, missing_reason: str) -> str:
    """The checks every correction shares: an amount above zero and a reason; the reason to store."""
    reason = check_text("reason", reason, 300, required=missing_reason)
    if not is_int(amount) or amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    return reason


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


class ClockMixin:
    """A service's clock: tests set ``clock`` to a fixed aware datetime function."""

    clock: Clock

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the billing clock must return an aware datetime")
        return now


def lock_invoice(session: Session, invoice_id: int) -> Invoice:
    """The invoice row, locked until the transaction ends (PostgreSQL ``FOR UPDATE``; on SQLite the
    unit of work already holds the write lock), so payments on one invoice from several desks
    queue up instead of each reading the same balance."""
    invoice = session.scalar(
        select(Invoice).where(Invoice.id == invoice_id).with_for_update().execution_options(populate_existing=True)
    )
    if invoice is None:
        raise NotFound("That invoice no longer exists.")
    return invoice


def check_version(invoice: Invoice, version: int | None) -> None:
    if version is not None and invoice.version != version:
        raise ConflictError(
            "Someone at another desk changed this invoice while you were working on it. Nothing of yours "
            "was saved; it is shown as it is now."
        )


def names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(StaffAccount.id, StaffAccount.full_name).where(StaffAccount.id.in_(wanted)))
    return {staff_id: name for staff_id, name in rows}


def patient_name(patient: Patient) -> str:
    return f"{patient.given_name} {patient.family_name}".strip()


def refresh_state(invoice: Invoice) -> None:
    """An issued invoice's state from its figures: issued, partly paid or paid."""
    if invoice.state in (InvoiceState.DRAFT, InvoiceState.VOID):
        return
    invoice.state = issued_state(invoice)


def issued_state(invoice: Invoice) -> InvoiceState:
    """The state an invoice that is not void has once issued, from its figures."""
    kept = invoice.paid - invoice.refunded
    due = invoice.total - invoice.credited
    if kept <= 0 and due > 0:
        return InvoiceState.ISSUED
    if kept >= due:
        return InvoiceState.PAID
    return InvoiceState.PARTLY_PAID


def payment_record(p: Payment, staff: dict[int, str], invoice_number: str | None) -> PaymentRecord:
    return PaymentRecord(
        id=p.id, receipt_number=p.receipt_number, patient_id=p.patient_id, invoice_id=p.invoice_id,
        invoice_number=invoice_number, method=p.method, amount=p.amount, tendered=p.tendered, change=p.change,
        reference=p.reference, refunded=p.refunded, applied=p.applied, received_at=p.received_at,
        received_by=staff.get(p.received_by_id or 0, ""), shift_id=p.shift_id, version=p.version,
    )


def invoice_record(session: Session, invoice: Invoice, t: Terms, *, detail: bool = True, new: bool = False,
                   by: tuple[int | None, str] | None = None,
                   written: Sequence[InvoiceLine] | None = None) -> InvoiceRecord:
    """The invoice as a record. ``new``: it has no payments, refunds or credit notes to read (made
    or issued in this transaction); ``by``: (id, name) of the signed-in person, saving a lookup;
    ``written``: its lines as this transaction wrote them, saving reading them back."""
    patient = session.get(Patient, invoice.patient_id)
    doctor = session.get(Doctor, invoice.doctor_id) if invoice.doctor_id else None
    payer = session.get(PayerAccount, invoice.payer_id) if invoice.payer_id else None
    lines: tuple[LineRecord, ...] = ()
    payments: tuple[PaymentRecord, ...] = ()
    refunds: tuple[RefundRecord, ...] = ()
    credits: tuple[CreditNoteRecord, ...] = ()
    staff_ids: list[int | None] = [invoice.issued_by_id]
    if detail:
        line_rows = sorted(written, key=lambda ln: ln.position) if written is not None else session.scalars(
            select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).order_by(InvoiceLine.position)
        ).all()
        lines = tuple(
            LineRecord(ln.id, ln.position, ln.item_id, ln.kind, ln.code, ln.description, ln.quantity, ln.unit_price,
                       ln.tax_rate_bp, ln.tax_inclusive, ln.discount_bp, ln.discount_minor, ln.discount_reason, ln.note,
                       ln.gross, ln.discount, ln.net, ln.tax, ln.total)
            for ln in line_rows
        )
        if new:
            pay_rows: list[Payment] = []
            refund_rows: list[Refund] = []
            credit_rows: list[CreditNote] = []
        else:
            pay_rows = list(session.scalars(select(Payment).where(Payment.invoice_id == invoice.id)
                                            .order_by(Payment.id)))
            refund_rows = list(session.scalars(select(Refund).where(Refund.invoice_id == invoice.id)
                                               .order_by(Refund.id)))
            credit_rows = list(session.scalars(select(CreditNote).where(CreditNote.invoice_id == invoice.id)
                                               .order_by(CreditNote.id)))
        staff_ids += [p.received_by_id for p in pay_rows] + [r.refunded_by_id for r in refund_rows]
        staff_ids += [c.issued_by_id for c in credit_rows]
        known = {by[0]: by[1]} if by and by[0] is not None else {}
        staff = {**known, **names(session, [i for i in staff_ids if i not in known])}
        receipts = {p.id: p.receipt_number for p in pay_rows}
        payments = tuple(payment_record(p, staff, invoice.number) for p in pay_rows)
        refunds = tuple(
            RefundRecord(r.id, r.number, r.payment_id, receipts.get(r.payment_id, ""), r.invoice_id, r.method,
                         r.amount, r.reason, r.refunded_at, staff.get(r.refunded_by_id or 0, ""))
            for r in refund_rows
        )
        credits = tuple(
            CreditNoteRecord(c.id, c.number, c.invoice_id, c.amount, c.tax, c.reason, c.issued_at,
                             staff.get(c.issued_by_id or 0, ""))
            for c in credit_rows
        )
    else:
        staff = names(session, staff_ids)
    return InvoiceRecord(
        id=invoice.id, number=invoice.number, state=invoice.state, patient_id=invoice.patient_id,
        patient_name=patient_name(patient) if patient else "", patient_mrn=patient.mrn if patient else "",
        appointment_id=invoice.appointment_id, doctor_id=invoice.doctor_id,
        doctor_name=doctor.full_name if doctor else "", payer_id=invoice.payer_id,
        payer_name=payer.name if payer else "", claim_reference=invoice.claim_reference,
        local_day=invoice.local_day, subtotal=invoice.subtotal, discount=invoice.discount, tax=invoice.tax,
        total=invoice.total, payer_share=invoice.payer_share, paid=invoice.paid, payer_paid=invoice.payer_paid,
        refunded=invoice.refunded, credited=invoice.credited, notes=invoice.notes, void_reason=invoice.void_reason,
        created_at=invoice.created_at, issued_at=invoice.issued_at, issued_by=staff.get(invoice.issued_by_id or 0, ""),
        version=invoice.version, currency=t.currency, locale=t.locale, lines=lines, payments=payments,
        refunds=refunds, credit_notes=credits,
    )
