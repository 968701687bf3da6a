"""Invoices: start (from a visit or on their own), edit while a draft, issue with a number, void,
credit notes, and what a patient owes.

A draft can be edited or deleted; an issued invoice never is: its lines, prices and totals stay as
issued, and corrections are a credit note against it or a void.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ...models import (
    Appointment,
    AppointmentStatus,
    AuditEntry,
    CreditNote,
    Doctor,
    Invoice,
    InvoiceLine,
    InvoiceState,
    ItemKind,
    Patient,
    PayerAccount,
    Payment,
)
from ...models.base import utcnow
from .. import audit
from ..errors import ConflictError, NotFound, ValidationError
from ..money import LineAmounts, MoneyError, invoice_totals, round_half_up
from ..permissions import Permission, discount_limit_bp
from ..text import check_text
from ..unit_of_work import UnitOfWork, UnitsOfWork
from . import listing, numbering, one_step
from .common import (
    Clock,
    ClockMixin,
    Terms,
    amount_and_reason,
    check_version,
    invoice_record,
    is_int,
    issued_state,
    local_day,
    lock_invoice,
    refresh_state,
    terms,
)
from .records import Balance, InvoiceFilter, InvoicePage, InvoiceRecord, LineInput, LineRecord, ListTotals

BILLABLE_VISIT = (AppointmentStatus.CHECKED_IN, AppointmentStatus.WITH_DOCTOR, AppointmentStatus.COMPLETED)
MAX_LINES = 200
FREE_FOLLOW_UP = "Free follow-up"
EVERYTHING = InvoiceFilter()



def _details(claim_reference: str, notes: str, payer_share: int) -> tuple[str, str]:
    """The invoice's own fields as a desk gives them, checked: (claim reference, notes)."""
    claim_reference = check_text("claim_reference", claim_reference, 64)
    notes = check_text("notes", notes, 500, multiline=True)
    if not is_int(payer_share) or payer_share < 0:
        raise ValidationError({"payer_share": "The payer's share must be an amount of zero or more."})
    return claim_reference, notes


def _visit_taken() -> ConflictError:
    return ConflictError("Another desk has just started an invoice for this visit: open it from the Billing tab.")


def line_amounts(line: LineInput, tax_inclusive: bool) -> LineAmounts:
    return LineAmounts.of(line.quantity, line.unit_price, discount_bp=line.discount_bp,
                          discount_minor=line.discount_minor, tax_rate_bp=line.tax_rate_bp,
                          tax_inclusive=tax_inclusive)


class InvoiceService(ClockMixin):
    def __init__(self, units: UnitsOfWork, clock: Clock = utcnow) -> None:
        self._units = units
        self.clock = clock  # tests set a fixed clock

    # --- reading ----------------------------------------------------------------------------

    def get(self, invoice_id: int) -> InvoiceRecord:
        with self._units.read(Permission.BILLING_VIEW) as uow:
            invoice = uow.session.get(Invoice, invoice_id)
            if invoice is None:
                raise NotFound("That invoice no longer exists.")
            return invoice_record(uow.session, invoice, terms(uow.session))

    def find(self, number: str) -> InvoiceRecord:
        """The invoice with this invoice number, or the one a receipt or credit note number belongs to."""
        number = number.strip().upper() if isinstance(number, str) else ""
        with self._units.read(Permission.BILLING_VIEW) as uow:
            s = uow.session
            invoice_id = s.scalar(select(Invoice.id).where(Invoice.number == number))
            if invoice_id is None:
                invoice_id = s.scalar(select(Payment.invoice_id).where(Payment.receipt_number == number))
            if invoice_id is None:
                invoice_id = s.scalar(select(CreditNote.invoice_id).where(CreditNote.number == number))
            if invoice_id is None:
                raise NotFound(f"No invoice, receipt or credit note is numbered {number or '(nothing)'}.")
            return invoice_record(s, s.get(Invoice, invoice_id), terms(s))

    def for_appointment(self, appointment_id: int) -> InvoiceRecord | None:
        """The visit's invoice that is not void, if it has one."""
        with self._units.read(Permission.BILLING_VIEW) as uow:
            invoice = uow.session.scalar(
                select(Invoice).where(Invoice.appointment_id == appointment_id, Invoice.state != InvoiceState.VOID)
            )
            return invoice_record(uow.session, invoice, terms(uow.session)) if invoice else None

    def page(self, f: InvoiceFilter = EVERYTHING, *, after: tuple[date, int] | None = None,
             limit: int = 100) -> InvoicePage:
        """One page of the Billing tab's list, newest first; pass the page's ``next_after`` for the next."""
        with self._units.read(Permission.BILLING_VIEW) as uow:
            return listing.page(uow.session, f, after, limit)

    def totals(self, f: InvoiceFilter = EVERYTHING) -> ListTotals:
        with self._units.read(Permission.BILLING_VIEW) as uow:
            return listing.totals(uow.session, f)

    def balance_for(self, patient_id: int) -> Balance:
        return self.balances_for([patient_id])[patient_id]

    def balances_for(self, patient_ids: Sequence[int]) -> dict[int, Balance]:
        """What each patient owes on issued invoices and holds as credit, for a list in one query each."""
        ids = list(dict.fromkeys(patient_ids))
        with self._units.read(Permission.BILLING_VIEW) as uow:
            return balances(uow.session, ids)

    # --- drafts -----------------------------------------------------------------------------

    def start(
        self,
        patient_id: int,
        *,
        appointment_id: int | None = None,
        payer_id: int | None = None,
        claim_reference: str = "",
    ) -> InvoiceRecord:
        """A new draft for the patient. From a visit (checked in, with the doctor or completed) the
        doctor's consultation is its first line; a follow-up within the clinic's free days is free,
        and the line says why."""
        self._units.authorise(Permission.INVOICE_CREATE)  # before any check of the input
        claim_reference = check_text("claim_reference", claim_reference, 64)
        with self._units.write(Permission.INVOICE_CREATE) as uow:
            uow.explain_constraint("uq_invoices_appointment_live", _visit_taken)
            s = uow.session
            t = terms(s)
            invoice, first_line, _ = self._new_draft(uow, t, patient_id, appointment_id, payer_id, claim_reference)
            if first_line is not None:
                self._write_lines(uow, invoice, [first_line], t, check_discounts=False)
            uow.audit("invoice.started", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Started a draft invoice for patient {patient_id}",
                      changes=audit.created({"patient_id": patient_id, "appointment_id": appointment_id,
                                             "total": invoice.total},
                                            ("patient_id", "appointment_id", "total")))
            uow.announce("billing", "invoice", entity_id=invoice.id)
            s.flush()
            return invoice_record(s, invoice, t)

    def save_draft(
        self,
        invoice_id: int,
        version: int,
        lines: Sequence[LineInput],
        *,
        payer_id: int | None = None,
        claim_reference: str = "",
        payer_share: int = 0,
        notes: str = "",
    ) -> InvoiceRecord:
        """Replace a draft's lines and details. Discounts need the permission, a reason, and stay
        within the role's limit."""
        self._units.authorise(Permission.INVOICE_CREATE)  # before any check of the input
        claim_reference, notes = _details(claim_reference, notes, payer_share)
        with self._units.write(Permission.INVOICE_CREATE) as uow:
            s = uow.session
            t = terms(s)
            invoice = self._draft(s, invoice_id, version)
            self._check_payer(s, payer_id)
            before = self._snapshot(s, invoice)
            invoice.payer_id = payer_id
            invoice.claim_reference = claim_reference
            invoice.notes = notes
            s.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
            self._write_lines(uow, invoice, list(lines), t, check_discounts=True)
            if payer_id is None and payer_share:
                raise ValidationError({"payer_share": "Choose the insurer or company before giving its share."})
            if payer_share > invoice.total:
                raise ValidationError({"payer_share": (
                    f"The payer's share ({t.money(payer_share)}) is more than the total ({t.money(invoice.total)})."
                )})
            invoice.payer_share = payer_share
            invoice.version += 1
            s.flush()
            changes = audit.diff(before, self._snapshot(s, invoice))
            uow.audit("invoice.draft_saved", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Saved draft invoice {invoice.id}", changes=changes)
            uow.announce("billing", "invoice", entity_id=invoice.id)
            return invoice_record(s, invoice, t)

    def add_line(self, invoice_id: int, version: int, line: LineInput) -> InvoiceRecord:
        """One more line on a draft (a price list item, a lab test...)."""
        current = self.get(invoice_id)
        return self.save_draft(
            invoice_id, version, [*(ln.as_input() for ln in current.lines), line], payer_id=current.payer_id,
            claim_reference=current.claim_reference, payer_share=current.payer_share, notes=current.notes,
        )

    def delete_draft(self, invoice_id: int, version: int) -> None:
        with self._units.write(Permission.INVOICE_CREATE) as uow:
            s = uow.session
            invoice = self._draft(s, invoice_id, version)
            s.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
            s.delete(invoice)
            uow.audit("invoice.draft_deleted", entity_type="invoice", entity_id=invoice_id,
                      summary=f"Deleted draft invoice {invoice_id}",
                      changes={"total": [invoice.total, None], "patient_id": [invoice.patient_id, None]})
            uow.announce("billing", "invoice", entity_id=invoice_id)

    # --- issuing and correcting ------------------------------------------------------------

    def issue(self, invoice_id: int, version: int) -> InvoiceRecord:
        """Give the draft its number (gap-free, from the database) and fix it for good."""
        with self._units.write(Permission.INVOICE_CREATE) as uow:
            s = uow.session
            t = terms(s)
            invoice = self._draft(s, invoice_id, version)
            lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).all()
            if not lines:
                raise ValidationError({"lines": "Add at least one line before issuing the invoice."})
            # Held (the session keeps objects only while referenced) for the record, read before
            # the number is taken.
            patient = s.get(Patient, invoice.patient_id)
            self._issue_in(uow, t, invoice)
            uow.audit("invoice.issued", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Issued invoice {invoice.number} for {t.money(invoice.total)}",
                      changes={"number": [None, invoice.number], "state": ["draft", invoice.state],
                               "total": [None, invoice.total]})
            uow.announce("billing", "invoice", entity_id=invoice.id)
            # A draft has no payments, refunds or credit notes: nothing more to read while the
            # series' counter is held.
            record = invoice_record(s, invoice, t, new=True, by=(uow.actor.id, uow.actor.full_name), written=lines)
            del patient
            return record

    def issue_now(
        self,
        patient_id: int,
        lines: Sequence[LineInput] = (),
        *,
        appointment_id: int | None = None,
        payer_id: int | None = None,
        claim_reference: str = "",
        payer_share: int = 0,
        notes: str = "",
    ) -> InvoiceRecord:
        """Bill in one step, as at a busy counter: a new invoice (from the visit, its consultation
        first) with ``lines``, issued with its number at once. The same checks as start, save_draft
        and issue, in one transaction.

        The busiest write of the desk, so written without the ORM's unit of work: every line is
        checked and the totals summed before anything is written; then on PostgreSQL one statement
        numbers and writes the invoice, its lines and its audit row (one_step.py), and on SQLite
        one statement each."""
        self._units.authorise(Permission.INVOICE_CREATE)  # before any check of the input
        claim_reference, notes = _details(claim_reference, notes, payer_share)
        with self._units.write(Permission.INVOICE_CREATE) as uow:
            uow.explain_constraint("uq_invoices_appointment_live", _visit_taken)
            s = uow.session
            t = terms(s)
            pg = uow.is_postgresql
            patient = None if pg else s.execute(_PATIENT_NAME, {"id": patient_id}).first()
            if patient is None and not pg:
                raise NotFound("That patient no longer exists.")
            payer_name = self._check_payer(s, payer_id)
            now = self._now()
            day = local_day(now, t.zone)
            doctor_id: int | None = None
            doctor_name = ""
            first_line: LineInput | None = None
            if appointment_id is not None:
                appointment = self._billable_visit(s, patient_id, appointment_id)
                doctor_id, day = appointment.doctor_id, appointment.local_day
                first_line = self._consultation_line(s, t, appointment)
                doctor = s.get(Doctor, doctor_id)
                doctor_name = doctor.full_name if doctor else ""
            given = list(lines)
            if len(given) > MAX_LINES:
                raise ValidationError({"lines": f"An invoice holds at most {MAX_LINES} lines."})
            checked = self._check_lines(uow, [first_line], t, check_discounts=False, start=1) if first_line else []
            checked += self._check_lines(uow, given, t, check_discounts=True, start=2 if first_line else 1)
            if not checked:
                raise ValidationError({"lines": "Add at least one line before issuing the invoice."})
            totals = invoice_totals(amounts for _, amounts in checked)
            if payer_share and (payer_id is None or payer_share > totals.total):
                raise ValidationError({"payer_share": "The payer's share needs a payer and cannot exceed the total."})
            actor = uow.actor
            state = InvoiceState.ISSUED.value if totals.total > 0 else InvoiceState.PAID.value
            values = {
                "patient_id": patient_id, "appointment_id": appointment_id, "doctor_id": doctor_id,
                "payer_id": payer_id, "claim_reference": claim_reference, "state": state,
                "local_day": day, "subtotal": totals.subtotal, "discount": totals.discount, "tax": totals.tax,
                "total": totals.total, "payer_share": payer_share, "paid": 0, "payer_paid": 0, "refunded": 0,
                "credited": 0, "notes": notes, "void_reason": "", "created_at": now, "created_by_id": actor.id,
                "issued_at": now, "issued_by_id": actor.id, "version": 2,
            }
            rows = [columns for columns, _ in checked]
            head, tail = "Issued invoice ", f" for {t.money(totals.total)}"
            audit_row = uow.audit_values("invoice.issued", entity_type="invoice", entity_id="", summary="")
            if pg:
                written = one_step.write_issued(s, day.year, values, rows, audit_row, (head, tail))
                if written is None:
                    raise NotFound("That patient no longer exists.")
                invoice_id, number, line_ids = written.invoice_id, written.number, written.line_ids
                patient_name, patient_mrn, audit_id = written.patient_name, written.patient_mrn, written.audit_id
            else:
                assert patient is not None
                patient_name = f"{patient.given_name} {patient.family_name}".strip()
                patient_mrn = patient.mrn
                invoice_id = s.execute(_INSERT_INVOICE, {**values, "state": InvoiceState.DRAFT.value, "issued_at": None,
                                                         "issued_by_id": None, "version": 1}).scalar_one()
                line_ids = s.execute(_INSERT_LINES, [{"invoice_id": invoice_id, **r} for r in rows]).scalars().all()
                # Last, so the series' counter is held only for the audit row, its seal and the commit.
                number = numbering.number_row(
                    s, numbering.INVOICE, day.year, Invoice.__table__, invoice_id, "number",
                    {"state": state, "issued_at": now, "issued_by_id": actor.id, "version": 2}, version=("version", 1))
                audit_id = None
            audit_row.update(entity_id=str(invoice_id), summary=f"{head}{number}{tail}", changes={
                "number": [None, number], "state": [None, state], "patient_id": [None, patient_id],
                "appointment_id": [None, appointment_id], "total": [None, totals.total]})
            if audit_id is None:
                audit_id = s.execute(_INSERT_AUDIT, audit_row).scalar_one()
            uow.written_audit([(audit_id, audit_row)])
            uow.announce("billing", "invoice", entity_id=invoice_id)
            return InvoiceRecord(
                id=invoice_id, number=number, patient_name=patient_name, patient_mrn=patient_mrn,
                doctor_name=doctor_name, payer_name=payer_name, issued_by=actor.full_name, currency=t.currency,
                locale=t.locale, payments=(), refunds=(), credit_notes=(),
                lines=tuple(LineRecord(line_id, **row) for line_id, row in zip(line_ids, rows, strict=True)),
                **{k: v for k, v in values.items() if k not in ("created_by_id", "issued_by_id")},
            )

    def void(self, invoice_id: int, version: int, reason: str) -> InvoiceRecord:
        """Cancel an issued invoice that nothing is paid on (refund first); it keeps its number."""
        self._units.authorise(Permission.INVOICE_VOID)  # before any check of the input
        reason = check_text("reason", reason, 300, required="Say why the invoice is void.")
        with self._units.write(Permission.INVOICE_VOID) as uow:
            s = uow.session
            t = terms(s)
            invoice = lock_invoice(s, invoice_id)
            check_version(invoice, version)
            if invoice.state == InvoiceState.DRAFT:
                raise ValidationError({"state": "A draft has no number: delete it instead of voiding it."})
            if invoice.state == InvoiceState.VOID:
                raise ConflictError(f"Invoice {invoice.number} is already void.")
            kept = invoice.paid - invoice.refunded
            if kept:
                raise ValidationError({"state": (
                    f"{t.money(kept)} has been paid on invoice {invoice.number}: refund it first, then void it."
                )})
            old = invoice.state
            invoice.state = InvoiceState.VOID
            invoice.void_reason = reason
            invoice.voided_at = self._now()
            invoice.voided_by_id = uow.actor.id
            invoice.version += 1
            s.flush()
            uow.audit("invoice.voided", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Voided invoice {invoice.number}: {reason}",
                      changes={"state": [old, "void"], "void_reason": ["", reason]})
            uow.announce("billing", "invoice", entity_id=invoice.id)
            return invoice_record(s, invoice, t)

    def credit_note(self, invoice_id: int, version: int, amount: int, reason: str) -> InvoiceRecord:
        """Take ``amount`` off what an issued invoice asks (all of it or part), as a numbered credit
        note. Only the unpaid part can be credited: money already paid is refunded first."""
        self._units.authorise(Permission.INVOICE_VOID)  # before any check of the input
        reason = amount_and_reason(amount, reason, "Say why the invoice is credited.")
        with self._units.write(Permission.INVOICE_VOID) as uow:
            s = uow.session
            t = terms(s)
            invoice = lock_invoice(s, invoice_id)
            check_version(invoice, version)
            if invoice.state in (InvoiceState.DRAFT, InvoiceState.VOID):
                raise ValidationError({"amount": "Only an issued invoice can be credited."})
            unpaid = (invoice.total - invoice.credited) - (invoice.paid - invoice.refunded)
            if amount > unpaid:
                paid_part = invoice.paid - invoice.refunded
                raise ValidationError({"amount": (
                    f"At most {t.money(unpaid)} can be credited: {t.money(paid_part)} of the invoice has been "
                    "paid; refund that first to credit more."
                )})
            now = self._now()
            day = local_day(now, t.zone)
            tax = round_half_up(amount * invoice.tax, invoice.total) if invoice.total else 0
            note = CreditNote(
                number=numbering.next_number(s, numbering.CREDIT_NOTE, day.year), invoice_id=invoice.id,
                amount=amount, tax=min(tax, amount), reason=reason, issued_at=now, local_day=day,
                issued_by_id=uow.actor.id,
            )
            s.add(note)
            old_credited, old_state = invoice.credited, invoice.state
            invoice.credited += amount
            refresh_state(invoice)
            invoice.version += 1
            s.flush()
            uow.audit("invoice.credited", entity_type="invoice", entity_id=invoice.id,
                      summary=f"Credit note {note.number} for {t.money(amount)} against {invoice.number}: {reason}",
                      changes={"credited": [old_credited, invoice.credited], "state": [old_state, invoice.state],
                               "credit_note": [None, note.number]})
            uow.announce("billing", "invoice", entity_id=invoice.id)
            return invoice_record(s, invoice, t)

    # --- the parts --------------------------------------------------------------------------

    def _new_draft(self, uow: UnitOfWork, t: Terms, patient_id: int, appointment_id: int | None,
                   payer_id: int | None, claim_reference: str) -> tuple[Invoice, LineInput | None, Patient]:
        """The draft, its consultation line (from a visit), and the patient (returned so the
        caller holds it: the session keeps an object only while something refers to it)."""
        s = uow.session
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That patient no longer exists.")
        self._check_payer(s, payer_id)
        now = self._now()
        invoice = Invoice(
            patient_id=patient_id, state=InvoiceState.DRAFT, local_day=local_day(now, t.zone),
            payer_id=payer_id, claim_reference=claim_reference, created_at=now, created_by_id=uow.actor.id,
        )
        first_line: LineInput | None = None
        if appointment_id is not None:
            appointment = self._billable_visit(s, patient_id, appointment_id)
            invoice.appointment_id = appointment_id
            invoice.doctor_id = appointment.doctor_id
            invoice.local_day = appointment.local_day
            first_line = self._consultation_line(s, t, appointment)
        s.add(invoice)
        s.flush()
        return invoice, first_line, patient

    def _issue_in(self, uow: UnitOfWork, t: Terms, invoice: Invoice) -> None:
        """Number the invoice and fix it as issued. Everything else of the unit is written first:
        from the number on, every desk issuing in the series waits for this one's commit
        (numbering.py), so only the audit row, its seal and the change notice follow."""
        s = uow.session
        now = self._now()
        day = local_day(now, t.zone)
        if invoice.appointment_id is None:
            invoice.local_day = day
        s.flush()
        version = invoice.version
        values = {"state": issued_state(invoice), "issued_at": now, "issued_by_id": uow.actor.id,
                  "version": version + 1}
        number = numbering.number_row(s, numbering.INVOICE, day.year, Invoice.__table__, invoice.id, "number",
                                      values, version=("version", version))
        for name, value in {"number": number, **values}.items():
            set_committed_value(invoice, name, value)


    def _draft(self, s: Session, invoice_id: int, version: int) -> Invoice:
        invoice = lock_invoice(s, invoice_id)
        check_version(invoice, version)
        if invoice.state != InvoiceState.DRAFT:
            raise ConflictError(
                f"Invoice {invoice.number} has been issued and can no longer be changed: issue a credit note or "
                "void it instead."
            )
        return invoice

    @staticmethod
    def _check_payer(s: Session, payer_id: int | None) -> str:
        """The payer's name ("" for none), refused unless it is one of the active payers."""
        if payer_id is None:
            return ""
        payer = s.get(PayerAccount, payer_id)
        if payer is None or not payer.active:
            raise ValidationError({"payer_id": "Choose an insurer or company from the list."})
        return payer.name

    @staticmethod
    def _billable_visit(s: Session, patient_id: int, appointment_id: int) -> Appointment:
        """The patient's visit, if it can be billed and has no live invoice yet."""
        appointment = s.get(Appointment, appointment_id)
        if appointment is None or appointment.patient_id != patient_id:
            raise NotFound("That visit is not this patient's, or no longer exists.")
        if appointment.status not in BILLABLE_VISIT:
            raise ValidationError({"appointment": (
                "Only a visit that has checked in, is with the doctor or is completed can be billed."
            )})
        existing = s.execute(select(Invoice.id, Invoice.number).where(
            Invoice.appointment_id == appointment_id, Invoice.state != InvoiceState.VOID)).first()
        if existing is not None:
            which = existing.number or "a draft"
            raise ConflictError(f"This visit already has an invoice ({which}): open it from the Billing tab.",
                                current=existing.id)
        return appointment

    @staticmethod
    def _snapshot(s: Session, invoice: Invoice) -> dict[str, object]:
        lines = s.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                          .order_by(InvoiceLine.position)).all()
        return {
            "payer_id": invoice.payer_id, "claim_reference": invoice.claim_reference,
            "payer_share": invoice.payer_share, "notes": invoice.notes, "total": invoice.total,
            "lines": [f"{ln.quantity} x {ln.description} @ {ln.unit_price} -{ln.discount} = {ln.total}" for ln in lines],
        }

    def _write_lines(self, uow: UnitOfWork, invoice: Invoice, lines: list[LineInput], t: Terms, *,
                     check_discounts: bool, start: int = 1, keep: bool = False) -> list[InvoiceLine]:
        """Write ``lines`` from position ``start`` and set the invoice's totals from them (added to
        the lines already written when ``keep``); returns the new lines."""
        if len(lines) > MAX_LINES:
            raise ValidationError({"lines": f"An invoice holds at most {MAX_LINES} lines."})
        checked = self._check_lines(uow, lines, t, check_discounts=check_discounts, start=start)
        rows = [InvoiceLine(invoice_id=invoice.id, **columns) for columns, _ in checked]
        uow.session.add_all(rows)
        totals = invoice_totals(amounts for _, amounts in checked)
        before = (invoice.subtotal or 0, invoice.discount or 0, invoice.tax or 0, invoice.total or 0) if keep else (0, 0, 0, 0)
        invoice.subtotal = before[0] + totals.subtotal
        invoice.discount = before[1] + totals.discount
        invoice.tax = before[2] + totals.tax
        invoice.total = before[3] + totals.total
        return rows

    @staticmethod
    def _check_lines(uow: UnitOfWork, lines: Sequence[LineInput], t: Terms, *, check_discounts: bool,
                     start: int) -> list[tuple[dict[str, object], LineAmounts]]:
        """Each line checked (every problem at once, by line) and figured: its columns (all but
        the invoice) and amounts, from position ``start``."""
        errors: dict[str, str] = {}
        checked: list[tuple[dict[str, object], LineAmounts]] = []
        actor = uow.actor
        limit = discount_limit_bp(actor.role) if actor.can(Permission.INVOICE_DISCOUNT) else 0
        for position, line in enumerate(lines, start=start):
            key = f"line {position}"
            try:
                description = check_text(key, line.description, 300, required="Describe what is charged.")
                code = check_text(key, line.code, 32)
                reason = check_text(key, line.discount_reason, 200)
                note = check_text(key, line.note, 200)
            except ValidationError as exc:
                errors.update(exc.fields)
                continue
            if line.kind not in {k.value for k in ItemKind}:
                errors[key] = "Choose what kind of charge this is."
                continue
            for name, value in (("quantity", line.quantity), ("price", line.unit_price),
                                ("discount", line.discount_bp), ("discount", line.discount_minor),
                                ("tax rate", line.tax_rate_bp)):
                if not is_int(value):
                    errors[key] = f"The {name} must be a whole number (money in minor units)."
                    break
            if key in errors:
                continue
            if line.unit_price > 10**11 or line.quantity > 10**5:
                errors[key] = "That amount is far too large for one line."
                continue
            try:
                amounts = line_amounts(line, t.settings.tax_inclusive_prices)
            except MoneyError as exc:
                errors[key] = str(exc)
                continue
            if amounts.discount and check_discounts:
                share_bp = round_half_up(amounts.discount * 10000, amounts.gross) if amounts.gross else 0
                if limit == 0:
                    errors[key] = "Your role cannot give discounts; ask an administrator."
                elif share_bp > limit:
                    errors[key] = (
                        f"A discount of {share_bp / 100:g} % is more than your limit of {limit / 100:g} %; "
                        "ask an administrator."
                    )
                elif not reason:
                    errors[key] = "Say why the discount is given."
                if key in errors:
                    continue
            checked.append(({
                "position": position, "item_id": line.item_id, "kind": line.kind, "code": code,
                "description": description, "quantity": line.quantity, "unit_price": line.unit_price,
                "tax_rate_bp": line.tax_rate_bp, "tax_inclusive": amounts.tax_inclusive,
                "discount_bp": line.discount_bp, "discount_minor": line.discount_minor if not line.discount_bp else 0,
                "discount_reason": reason, "note": note, "gross": amounts.gross, "discount": amounts.discount,
                "net": amounts.net, "tax": amounts.tax, "total": amounts.total,
            }, amounts))
        if errors:
            raise ValidationError(errors)
        return checked

    def _consultation_line(self, s: Session, t: Terms, appointment: Appointment) -> LineInput:
        doctor = s.get(Doctor, appointment.doctor_id)
        fee = doctor.consultation_fee_minor if doctor else 0
        name = f"Consultation: {doctor.full_name}" if doctor else "Consultation"
        free = self._free_follow_up(s, t, appointment)
        if free is not None:
            return LineInput(name, 1, 0, kind=ItemKind.CONSULTATION, code="CONSULT", note=free)
        return LineInput(name, 1, fee, kind=ItemKind.CONSULTATION, code="CONSULT")

    @staticmethod
    def _free_follow_up(s: Session, t: Terms, appointment: Appointment) -> str | None:
        """Why this visit's consultation is free, or None: a paid consultation with the same doctor
        within the clinic's free days, not already followed up for free."""
        days = t.settings.free_follow_up_days
        if days <= 0:
            return None
        earliest = appointment.local_day - timedelta(days=days)
        earlier = s.execute(
            select(Invoice.id, Invoice.number, Invoice.local_day)
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(Invoice.patient_id == appointment.patient_id, Invoice.doctor_id == appointment.doctor_id,
                   Invoice.state.in_((InvoiceState.ISSUED, InvoiceState.PARTLY_PAID, InvoiceState.PAID)),
                   Invoice.local_day >= earliest, Invoice.local_day <= appointment.local_day,
                   InvoiceLine.kind == ItemKind.CONSULTATION, InvoiceLine.total > 0)
            .order_by(Invoice.local_day.desc(), Invoice.id.desc())
            .limit(1)
        ).first()
        if earlier is None:
            return None
        used = s.scalar(
            select(func.count()).select_from(InvoiceLine).join(Invoice, InvoiceLine.invoice_id == Invoice.id)
            .where(Invoice.patient_id == appointment.patient_id, Invoice.doctor_id == appointment.doctor_id,
                   Invoice.state != InvoiceState.VOID, Invoice.local_day >= earlier.local_day,
                   Invoice.id != earlier.id, InvoiceLine.kind == ItemKind.CONSULTATION,
                   InvoiceLine.note.like(f"{FREE_FOLLOW_UP}%"))
        )
        if used:
            return None
        return (f"{FREE_FOLLOW_UP}: within {days} days of the consultation on "
                f"{earlier.local_day.strftime('%d %b %Y').lstrip('0')} ({earlier.number})")


def balances(s: Session, ids: list[int]) -> dict[int, Balance]:
    result = {i: Balance(i, 0, 0) for i in ids}
    if not ids:
        return result
    owed_rows = s.execute(
        select(Invoice.patient_id,
               func.sum(Invoice.total - Invoice.credited - Invoice.payer_share
                        - (Invoice.paid - Invoice.refunded - Invoice.payer_paid)))
        .where(Invoice.patient_id.in_(ids),
               Invoice.state.in_((InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)))
        .group_by(Invoice.patient_id)
    )
    credit_rows = s.execute(
        select(Payment.patient_id, func.sum(Payment.amount - Payment.refunded - Payment.applied))
        .where(Payment.patient_id.in_(ids), Payment.invoice_id.is_(None))
        .group_by(Payment.patient_id)
    )
    owed = {pid: max(0, int(v or 0)) for pid, v in owed_rows}
    credit = {pid: int(v or 0) for pid, v in credit_rows}
    return {i: Balance(i, owed.get(i, 0), credit.get(i, 0)) for i in ids}


_PATIENT_NAME = select(Patient.given_name, Patient.family_name, Patient.mrn).where(Patient.id == bindparam("id"))
_INSERT_INVOICE = insert(Invoice).returning(Invoice.id)
_INSERT_LINES = insert(InvoiceLine).returning(InvoiceLine.id, sort_by_parameter_order=True)
_INSERT_AUDIT = insert(AuditEntry).returning(AuditEntry.id)
