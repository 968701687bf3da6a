"""The accountant's journal: every invoice, credit note, void, payment and refund of a period as
balanced double-entry rows in CSV, which an accounting package imports.

Accounts: "Receivable: <patient or payer>", "Revenue", "Tax payable", and one per payment method
("Cash", "Card", "UPI", ...). Each document's rows balance (debits = credits); the payment-method
accounts of a day, less its refunds, are what the day's shift closures count, less their floats.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...models import CreditNote, Invoice, InvoiceState, Patient, PayerAccount, Payment, PaymentMethod, Refund
from ..errors import ValidationError
from ..money import format_amount
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from .common import local_day, patient_name, terms

HEADER = ("date", "document", "type", "party", "account", "debit", "credit", "tax")


@dataclass(frozen=True)
class JournalRow:
    day: date
    document: str
    kind: str
    party: str
    account: str
    debit: int
    credit: int
    tax: int = 0


class JournalService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def rows(self, day_from: date, day_to: date) -> list[JournalRow]:
        if day_to < day_from:
            raise ValidationError({"day_to": "The end of the period is before its start."})
        if (day_to - day_from).days > 400:
            raise ValidationError({"day_to": "Export at most about a year at a time."})
        with self._units.read(Permission.BILLING_EXPORT) as uow:
            s = uow.session
            t = terms(s)
            out: list[JournalRow] = []
            parties: dict[int, str] = {}

            def party(patient_id: int) -> str:
                if patient_id not in parties:
                    p = s.get(Patient, patient_id)
                    parties[patient_id] = f"{patient_name(p)} ({p.mrn})" if p else str(patient_id)
                return parties[patient_id]

            payers = {p.id: p.name for p in s.scalars(select(PayerAccount))}
            invoices = s.scalars(select(Invoice).where(Invoice.number.is_not(None))
                                 .where(Invoice.issued_at.is_not(None)).order_by(Invoice.id)).all()
            by_id = {i.id: i for i in invoices}
            for inv in invoices:
                assert inv.issued_at is not None and inv.number is not None
                issued = local_day(inv.issued_at, t.zone)
                who = party(inv.patient_id)
                if day_from <= issued <= day_to:
                    out += self._invoice_rows(inv, issued, who, payers, sign=1)
                if inv.state == InvoiceState.VOID and inv.voided_at is not None:
                    voided = local_day(inv.voided_at, t.zone)
                    if day_from <= voided <= day_to:
                        out += self._invoice_rows(inv, voided, who, payers, sign=-1)
            for note in s.scalars(select(CreditNote).where(CreditNote.local_day >= day_from,
                                                          CreditNote.local_day <= day_to).order_by(CreditNote.id)):
                inv = by_id.get(note.invoice_id) or s.get(Invoice, note.invoice_id)
                who = party(inv.patient_id)
                out += [
                    JournalRow(note.local_day, note.number, "credit note", who, "Revenue", note.amount - note.tax, 0),
                    JournalRow(note.local_day, note.number, "credit note", who, "Tax payable", note.tax, 0, note.tax),
                    JournalRow(note.local_day, note.number, "credit note", who, f"Receivable: {who}", 0, note.amount),
                ]
            for pay in s.scalars(select(Payment).where(Payment.local_day >= day_from, Payment.local_day <= day_to)
                                 .order_by(Payment.id)):
                who = party(pay.patient_id)
                inv = by_id.get(pay.invoice_id) if pay.invoice_id else None
                payer = payers.get(inv.payer_id) if inv is not None and inv.payer_id else None
                debtor = payer if pay.method == PaymentMethod.PAYER and payer else who
                against = f"Receivable: {debtor}" if pay.invoice_id else f"Advances held: {who}"
                if pay.method == PaymentMethod.CREDIT:
                    method_account = f"Advances held: {who}"
                else:
                    method_account = PaymentMethod(pay.method).label
                out += [
                    JournalRow(pay.local_day, pay.receipt_number, "receipt", debtor, method_account, pay.amount, 0),
                    JournalRow(pay.local_day, pay.receipt_number, "receipt", debtor, against, 0, pay.amount),
                ]
            for ref in s.scalars(select(Refund).where(Refund.local_day >= day_from, Refund.local_day <= day_to)
                                 .order_by(Refund.id)):
                who = party(ref.patient_id)
                against = f"Receivable: {who}" if ref.invoice_id else f"Advances held: {who}"
                out += [
                    JournalRow(ref.local_day, ref.number, "refund", who, against, ref.amount, 0),
                    JournalRow(ref.local_day, ref.number, "refund", who, PaymentMethod(ref.method).label, 0, ref.amount),
                ]
            out.sort(key=lambda r: (r.day, r.document))
            return out

    def export_csv(self, day_from: date, day_to: date) -> str:
        """The period's journal as CSV text, amounts in major units with a dot (12500.50)."""
        rows = self.rows(day_from, day_to)
        with self._units.read(Permission.BILLING_EXPORT) as uow:
            currency = terms(uow.session).currency
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        for r in rows:
            writer.writerow((r.day.isoformat(), r.document, r.kind, r.party, r.account,
                             _plain(r.debit, currency), _plain(r.credit, currency), _plain(r.tax, currency)))
        return buffer.getvalue()

    @staticmethod
    def _invoice_rows(inv: Invoice, day: date, who: str, payers: dict[int, str], *, sign: int) -> list[JournalRow]:
        kind = "invoice" if sign > 0 else "void"
        net = inv.total - inv.tax
        payer = payers.get(inv.payer_id) if inv.payer_id else None
        rows: list[JournalRow] = []
        patient_part = inv.total - (inv.payer_share if payer else 0)

        def dc(amount: int, debit: bool) -> tuple[int, int]:
            # A void is the invoice's rows turned round.
            return (amount, 0) if debit == (sign > 0) else (0, amount)

        number = inv.number or ""
        if patient_part:
            rows.append(JournalRow(day, number, kind, who, f"Receivable: {who}", *dc(patient_part, True)))
        if payer and inv.payer_share:
            rows.append(JournalRow(day, number, kind, payer, f"Receivable: {payer}", *dc(inv.payer_share, True)))
        rows.append(JournalRow(day, number, kind, who, "Revenue", *dc(net, False)))
        if inv.tax:
            rows.append(JournalRow(day, number, kind, who, "Tax payable", *dc(inv.tax, False), inv.tax))
        return rows


def _plain(minor: int, currency: str) -> str:
    return format_amount(minor, currency, "en_US_POSIX") if minor else "0"
