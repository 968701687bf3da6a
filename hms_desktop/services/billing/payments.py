"""Payments, advances and refunds, always into the cashier's open shift.

A payment locks its invoice's row, so desks paying one invoice at the same moment queue up; the
balance is checked under that lock and again by the database (``ck_invoices_overpaid``).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import CashierShift, Invoice, InvoiceState, Patient, Payment, PaymentMethod, Refund, ShiftState
from ...models.base import utcnow
from ..errors import ConflictError, NotFound, ValidationError
from ..permissions import Permission
from ..text import check_text
from ..unit_of_work import UnitOfWork, UnitsOfWork
from . import numbering
from .common import (
    Clock,
    ClockMixin,
    Terms,
    amount_and_reason,
    is_int,
    local_day,
    lock_invoice,
    names,
    payment_record,
    refresh_state,
    terms,
)
from .records import PaymentRecord, RefundRecord

LAST4 = re.compile(r"^\d{4}$")
METHODS_FROM_DESK = tuple(m.value for m in PaymentMethod if m != PaymentMethod.CREDIT)
OVERPAID = "ck_invoices_overpaid"



def open_shift_of(s: Session, uow: UnitOfWork, *, lock: bool = True) -> CashierShift | None:
    """The signed-in cashier's open shift, which every desk payment and refund goes into. The command
    line (acting as the system, no account) records back-office entries outside any shift."""
    if uow.actor.id is None:
        return None
    query = select(CashierShift).where(CashierShift.cashier_id == uow.actor.id, CashierShift.state == ShiftState.OPEN)
    if lock:
        query = query.with_for_update()
    shift = s.scalar(query)
    if shift is None:
        raise ValidationError({"shift": "Open your cashier shift first (Billing, Open shift), then take the payment."})
    return shift


class PaymentService(ClockMixin):
    def __init__(self, units: UnitsOfWork, clock: Clock = utcnow) -> None:
        self._units = units
        self.clock = clock  # tests set a fixed clock

    def pay(
        self,
        invoice_id: int,
        method: str,
        amount: int,
        *,
        tendered: int | None = None,
        reference: str = "",
    ) -> PaymentRecord:
        """Take ``amount`` on an issued invoice. Cash: ``tendered`` is what was handed over and the
        change is worked out. Card: ``reference`` is the card's last four digits or the slip number.
        "credit" uses the patient's advances. Never more than is owed (by the patient, or for
        "payer", by the insurer or company)."""
        self._units.authorise(Permission.PAYMENT_TAKE)  # before any check of the input
        method, reference = self._check(method, amount, tendered, reference)
        with self._units.write(Permission.PAYMENT_TAKE) as uow:
            uow.explain_constraint(OVERPAID, self._overpaid)
            s = uow.session
            t = terms(s)
            shift = open_shift_of(s, uow)
            invoice = lock_invoice(s, invoice_id)
            if invoice.state == InvoiceState.DRAFT:
                raise ValidationError({"amount": "Issue the invoice before taking payment on it."})
            if invoice.state == InvoiceState.VOID:
                raise ValidationError({"amount": f"Invoice {invoice.number} is void; nothing can be paid on it."})
            balance = (invoice.total - invoice.credited) - (invoice.paid - invoice.refunded)
            payer_left = max(0, min(invoice.payer_share, invoice.total - invoice.credited) - invoice.payer_paid)
            if method == PaymentMethod.PAYER:
                if invoice.payer_id is None:
                    raise ValidationError({"method": "This invoice is not billed to an insurer or company."})
                limit, whose = payer_left, "the payer's share"
            else:
                limit, whose = balance - payer_left, "the patient's share"
            if limit <= 0:
                raise ValidationError({"amount": f"Nothing is owed on {whose} of invoice {invoice.number}."})
            if amount > limit:
                raise ValidationError({"amount": (
                    f"{t.money(amount)} is more than the {t.money(limit)} still owed on {whose} of invoice "
                    f"{invoice.number}. Take at most {t.money(limit)}; money beyond that can be kept as an advance."
                )})
            if method == PaymentMethod.CREDIT:
                self._use_credit(s, invoice.patient_id, amount, t)
            now = self._now()
            day = local_day(now, t.zone)
            payment = Payment(
                receipt_number=numbering.next_number(s, numbering.RECEIPT, day.year), patient_id=invoice.patient_id,
                invoice_id=invoice.id, shift_id=shift.id if shift else None, method=method, amount=amount,
                tendered=tendered if method == PaymentMethod.CASH else None,
                change=(tendered - amount) if method == PaymentMethod.CASH and tendered is not None else None,
                reference=reference, received_at=now, local_day=day, received_by_id=uow.actor.id,
            )
            s.add(payment)
            old = {"paid": invoice.paid, "state": invoice.state}
            invoice.paid += amount
            if method == PaymentMethod.PAYER:
                invoice.payer_paid += amount
            refresh_state(invoice)
            invoice.version += 1
            s.flush()
            uow.audit("payment.taken", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Receipt {payment.receipt_number}: {t.money(amount)} by {PaymentMethod(method).label} "
                              f"on {invoice.number}",
                      changes={"paid": [old["paid"], invoice.paid], "state": [old["state"], invoice.state],
                               "receipt": [None, payment.receipt_number], "method": [None, method],
                               "tendered": [None, payment.tendered], "change": [None, payment.change]})
            uow.announce("billing", "payment", entity_id=invoice.id)
            return payment_record(payment, names(s, [uow.actor.id]), invoice.number)

    def advance(self, patient_id: int, method: str, amount: int, *, tendered: int | None = None,
                reference: str = "") -> PaymentRecord:
        """A deposit held as the patient's credit and used on later invoices (method "credit")."""
        self._units.authorise(Permission.PAYMENT_TAKE)  # before any check of the input
        method, reference = self._check(method, amount, tendered, reference)
        if method in (PaymentMethod.PAYER, PaymentMethod.CREDIT):
            raise ValidationError({"method": "An advance is paid by the patient: cash, card, UPI, bank or other."})
        with self._units.write(Permission.PAYMENT_TAKE) as uow:
            s = uow.session
            t = terms(s)
            shift = open_shift_of(s, uow)
            if s.get(Patient, patient_id) is None:
                raise NotFound("That patient no longer exists.")
            now = self._now()
            day = local_day(now, t.zone)
            payment = Payment(
                receipt_number=numbering.next_number(s, numbering.RECEIPT, day.year), patient_id=patient_id,
                invoice_id=None, shift_id=shift.id if shift else None, method=method, amount=amount,
                tendered=tendered if method == PaymentMethod.CASH else None,
                change=(tendered - amount) if method == PaymentMethod.CASH and tendered is not None else None,
                reference=reference, received_at=now, local_day=day, received_by_id=uow.actor.id,
            )
            s.add(payment)
            s.flush()
            uow.audit("payment.advance", entity_type="patient", entity_id=patient_id,
                      summary=f"Receipt {payment.receipt_number}: advance of {t.money(amount)}",
                      changes={"receipt": [None, payment.receipt_number], "amount": [None, amount],
                               "method": [None, method]})
            uow.announce("billing", "payment", entity_id=patient_id)
            return payment_record(payment, names(s, [uow.actor.id]), None)

    def refund(self, payment_id: int, amount: int, reason: str, *, method: str | None = None) -> RefundRecord:
        """Give back part or all of a payment (never more than was paid and not yet given back or
        used), from the refunding cashier's open shift; it shows on that shift's closure."""
        self._units.authorise(Permission.PAYMENT_REFUND)  # before any check of the input
        reason = amount_and_reason(amount, reason, "Say why the money is given back.")
        with self._units.write(Permission.PAYMENT_REFUND) as uow:
            s = uow.session
            t = terms(s)
            shift = open_shift_of(s, uow)
            payment = s.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
            if payment is None:
                raise NotFound("That payment no longer exists.")
            invoice = lock_invoice(s, payment.invoice_id) if payment.invoice_id is not None else None
            s.refresh(payment)
            method = method or payment.method
            if method not in METHODS_FROM_DESK or method == PaymentMethod.PAYER and payment.method != method:
                raise ValidationError({"method": "Choose how the money is given back."})
            if payment.method == PaymentMethod.CREDIT:
                raise ValidationError({"amount": (
                    "This receipt used the patient's advance; nothing left the drawer, so nothing is given back. "
                    "Issue a credit note instead."
                )})
            left = payment.amount - payment.refunded - payment.applied
            if amount > left:
                raise ValidationError({"amount": (
                    f"At most {t.money(left)} of receipt {payment.receipt_number} can be given back "
                    f"({t.money(payment.amount)} paid, {t.money(payment.refunded)} already refunded"
                    + (f", {t.money(payment.applied)} used on later invoices" if payment.applied else "") + ")."
                )})
            now = self._now()
            day = local_day(now, t.zone)
            refund = Refund(
                number=numbering.next_number(s, numbering.REFUND, day.year), payment_id=payment.id,
                invoice_id=payment.invoice_id, patient_id=payment.patient_id, shift_id=shift.id if shift else None, method=method,
                amount=amount, reason=reason, refunded_at=now, local_day=day, refunded_by_id=uow.actor.id,
            )
            s.add(refund)
            payment.refunded += amount
            changes = {"refunded": [payment.refunded - amount, payment.refunded], "refund": [None, refund.number]}
            if invoice is not None:
                old_state = invoice.state
                invoice.refunded += amount
                if payment.method == PaymentMethod.PAYER:
                    invoice.payer_paid -= amount
                refresh_state(invoice)
                invoice.version += 1
                changes["state"] = [old_state, invoice.state]
            s.flush()
            uow.audit("payment.refunded", entity_type="invoice" if invoice else "patient",
                      entity_id=invoice.id if invoice else payment.patient_id,
                      summary=f"Refund {refund.number}: {t.money(amount)} of receipt {payment.receipt_number}: {reason}",
                      changes=changes)
            uow.announce("billing", "refund", entity_id=invoice.id if invoice else payment.patient_id)
            return RefundRecord(refund.id, refund.number, payment.id, payment.receipt_number, refund.invoice_id,
                                method, amount, reason, now, uow.actor.full_name)

    def get(self, receipt_number: str) -> PaymentRecord:
        with self._units.read(Permission.BILLING_VIEW) as uow:
            s = uow.session
            payment = s.scalar(select(Payment).where(Payment.receipt_number == receipt_number.strip().upper()))
            if payment is None:
                raise NotFound(f"No receipt is numbered {receipt_number}.")
            number = s.scalar(select(Invoice.number).where(Invoice.id == payment.invoice_id)) if payment.invoice_id else None
            return payment_record(payment, names(s, [payment.received_by_id]), number)

    def advances(self, patient_id: int) -> list[PaymentRecord]:
        """The patient's advances, oldest first, with what is left of each."""
        with self._units.read(Permission.BILLING_VIEW) as uow:
            s = uow.session
            rows = s.scalars(select(Payment).where(Payment.patient_id == patient_id, Payment.invoice_id.is_(None))
                             .order_by(Payment.id)).all()
            staff = names(s, [p.received_by_id for p in rows])
            return [payment_record(p, staff, None) for p in rows]

    # --- the parts --------------------------------------------------------------------------

    @staticmethod
    def _check(method: str, amount: int, tendered: int | None, reference: str) -> tuple[str, str]:
        if method not in {m.value for m in PaymentMethod}:
            raise ValidationError({"method": "Choose how the patient pays."})
        if not is_int(amount) or amount <= 0:
            raise ValidationError({"amount": "Enter an amount above zero."})
        if amount > 10**12:
            raise ValidationError({"amount": "That amount is far too large."})
        reference = check_text("reference", reference, 64)
        if method == PaymentMethod.CASH:
            if tendered is not None and (not is_int(tendered) or tendered < amount):
                raise ValidationError({"tendered": "The cash handed over must be at least the amount paid."})
        elif tendered is not None:
            raise ValidationError({"tendered": "Only cash is handed over; leave it empty for other methods."})
        if method == PaymentMethod.CARD and reference and not LAST4.match(reference) and len(reference) < 6:
            raise ValidationError({"reference": "Enter the card's last four digits, or the slip number."})
        if method in (PaymentMethod.UPI, PaymentMethod.BANK) and not reference:
            raise ValidationError({"reference": "Enter the transaction reference shown on the payment."})
        return method, reference

    @staticmethod
    def _overpaid() -> ConflictError:
        return ConflictError("Another desk took a payment on this invoice a moment ago; nothing was saved. "
                             "Look at the balance again.")

    @staticmethod
    def _use_credit(s: Session, patient_id: int, amount: int, t: Terms) -> None:
        advances = s.scalars(
            select(Payment).where(Payment.patient_id == patient_id, Payment.invoice_id.is_(None),
                                  Payment.amount > Payment.refunded + Payment.applied)
            .order_by(Payment.id).with_for_update()
        ).all()
        available = sum(a.amount - a.refunded - a.applied for a in advances)
        if amount > available:
            raise ValidationError({"amount": f"The patient's advance holds {t.money(available)}; "
                                             f"{t.money(amount)} cannot be taken from it."})
        left = amount
        for advance in advances:
            take = min(left, advance.amount - advance.refunded - advance.applied)
            advance.applied += take
            left -= take
            if not left:
                break
