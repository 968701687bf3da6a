"""Invoices and receipts on paper: rendered once, archived (bytes + SHA-256) at first print, and
every reprint is the archived original with COPY across it, recorded in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from ...models import Invoice, InvoiceState, Payment, PaymentMethod
from ...models.base import utcnow
from .. import documents as docs
from ..archive import PrintedDocument, print_once
from ..errors import NotFound, ValidationError
from ..money import invoice_totals
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from .common import Clock, ClockMixin, Terms, invoice_record, names, terms
from .records import InvoiceRecord, PaymentRecord
from .shifts import clinic_from


def invoice_document(record: InvoiceRecord, t: Terms) -> docs.Invoice:
    lines = tuple(
        docs.InvoiceLine(ln.description + (f" ({ln.note})" if ln.note else ""), ln.quantity, ln.unit_price, ln.discount,
                         ln.tax_rate_bp, ln.tax, ln.total, ln.code, ln.tax_inclusive)
        for ln in record.lines
    )
    sums = invoice_totals(ln.amounts for ln in record.lines)
    assert record.number is not None and record.issued_at is not None
    return docs.Invoice(
        clinic=clinic_from(t), number=record.number, issued_on=record.issued_at.astimezone(t.zone).date(),
        patient_name=record.patient_name, patient_mrn=record.patient_mrn, lines=lines, subtotal=record.subtotal,
        discount=record.discount, tax=sums.tax_added, total=record.total, paid=record.kept,
        balance=record.balance if record.state != InvoiceState.VOID else record.due - record.kept,
        currency=t.currency, locale=t.locale, title="Tax invoice" if t.settings.tax_registration else "Invoice",
        service_date=record.local_day, bill_to=record.payer_name, claim_reference=record.claim_reference,
        tax_included=sums.tax_included,
        tax_bands=tuple(band for band in sums.bands if band.tax or band.tax_rate_bp),
        notes=record.notes,
        credit_notes=tuple(docs.CreditNote(c.number, c.issued_at.astimezone(t.zone).date(), c.amount, c.reason)
                           for c in record.credit_notes),
        void=record.state == InvoiceState.VOID, void_reason=record.void_reason,
    )


def receipt_document(payment: PaymentRecord, invoice: InvoiceRecord | None, patient: tuple[str, str],
                     t: Terms) -> docs.Receipt:
    label = PaymentMethod(payment.method).label
    reference = payment.reference
    if payment.method == PaymentMethod.CARD and len(reference) == 4:
        reference = f"card ending {reference}"
    balance_after = 0
    if invoice is not None and invoice.state != InvoiceState.VOID:
        # What was still owed right after this receipt, whatever happened to the invoice later.
        at = payment.received_at
        paid = sum(p.amount for p in invoice.payments if p.id <= payment.id)
        refunded = sum(r.amount for r in invoice.refunds if r.refunded_at <= at)
        credited = sum(c.amount for c in invoice.credit_notes if c.issued_at <= at)
        balance_after = invoice.total - credited - (paid - refunded)
    return docs.Receipt(
        clinic=clinic_from(t), number=payment.receipt_number, issued_at=payment.received_at.astimezone(t.zone),
        invoice_number=payment.invoice_number or "Advance (held as credit)", patient_name=patient[0],
        patient_mrn=patient[1], payments=(docs.Payment(label, payment.amount, reference),),
        balance_after=max(0, balance_after), cashier=payment.received_by or "Back office", currency=t.currency, locale=t.locale,
        invoice_total=invoice.total if invoice else None, tendered=payment.tendered, change=payment.change,
    )


class BillingDocuments(ClockMixin):
    def __init__(self, units: UnitsOfWork, clock: Clock = utcnow) -> None:
        self._units = units
        self.clock = clock  # tests set a fixed clock

    def invoice_pdf(self, number: str) -> PrintedDocument:
        """The A4 invoice: the original at first print, a COPY after that."""
        return self._print("invoice", number, self._render_invoice)

    def receipt_pdf(self, receipt_number: str, paper: docs.Paper = docs.Paper.A5) -> PrintedDocument:
        """A receipt on A5/A4 or the 80 mm roll (each paper archived on its own)."""
        return self._print(f"receipt_{paper.value}", receipt_number,
                           lambda s, t, n: self._render_receipt(s, t, n, paper))

    def _print(self, kind: str, number: str, render) -> PrintedDocument:  # type: ignore[no-untyped-def]
        number = number.strip().upper() if isinstance(number, str) else ""
        with self._units.write(Permission.BILLING_VIEW) as uow:
            t = terms(uow.session)
            return print_once(uow, kind, number, lambda: render(uow.session, t, number), now=self._now(),
                              zone=t.zone, words=_kind_words(kind))

    @staticmethod
    def _render_invoice(s, t: Terms, number: str) -> bytes:  # type: ignore[no-untyped-def]
        invoice = s.scalar(select(Invoice).where(Invoice.number == number))
        if invoice is None:
            raise NotFound(f"No invoice is numbered {number or '(nothing)'}; a draft has no number until it is issued.")
        return docs.render_invoice(invoice_document(invoice_record(s, invoice, t), t))

    @staticmethod
    def _render_receipt(s, t: Terms, number: str, paper: docs.Paper) -> bytes:  # type: ignore[no-untyped-def]
        from ...models import Patient
        from .common import patient_name, payment_record

        payment = s.scalar(select(Payment).where(Payment.receipt_number == number))
        if payment is None:
            raise NotFound(f"No receipt is numbered {number or '(nothing)'}.")
        invoice = s.get(Invoice, payment.invoice_id) if payment.invoice_id else None
        record = invoice_record(s, invoice, t) if invoice else None
        patient = s.get(Patient, payment.patient_id)
        if patient is None:
            raise ValidationError({"receipt": "The receipt's patient no longer exists."})
        pay = payment_record(payment, names(s, [payment.received_by_id]), invoice.number if invoice else None)
        return docs.render_receipt(receipt_document(pay, record, (patient_name(patient), patient.mrn), t), paper)


def _kind_words(kind: str) -> str:
    return {"invoice": "invoice", "receipt_A5": "receipt (A5)", "receipt_A4": "receipt (A4)",
            "receipt_80mm": "receipt (80 mm roll)"}.get(kind, kind)
