"""Made-up invoices and payments for the demo appointments, written through the real billing
services (numbers, totals, audit and change notices exactly as at a desk): issued, partly paid,
paid (cash with change, card, UPI), voided and refunded ones.

Several loads may run at once against one PostgreSQL database: each picks visits not yet billed,
and a visit another load billed first is simply skipped."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..models import Appointment, AppointmentStatus, Invoice, InvoiceState, Patient, PriceItem
from .billing import InvoiceService, LineInput, PaymentService, PriceListService
from .errors import ConflictError, ValidationError
from .permissions import Permission
from .unit_of_work import UnitsOfWork

# A small price list a clinic in India might have (paise), added once if missing.
DEMO_ITEMS = (
    ("LAB-CBC", "Complete blood count", "lab", 35000, 0),
    ("LAB-LIPID", "Lipid profile", "lab", 60000, 0),
    ("LAB-HBA1C", "HbA1c", "lab", 55000, 0),
    ("IMG-XRAY", "X-ray, one view", "procedure", 45000, 1800),
    ("PROC-ECG", "ECG", "procedure", 30000, 1800),
    ("PROC-DRESS", "Wound dressing", "procedure", 20000, 1800),
    ("MED-INJ", "Injection (administration)", "medicine", 15000, 1200),
    ("MED-NEB", "Nebulisation", "medicine", 25000, 1200),
)


@dataclass(frozen=True)
class DemoBillingSummary:
    invoices: int
    paid: int
    partly_paid: int
    unpaid: int
    voided: int
    refunded: int
    skipped: int  # visits another load billed first


class DemoBillingService:
    def __init__(self, units: UnitsOfWork, invoices: InvoiceService, payments: PaymentService,
                 price_list: PriceListService) -> None:
        self._units = units
        self._invoices = invoices
        self._payments = payments
        self._price_list = price_list

    def load_invoices(self, count: int, *, seed: int = 2026,
                      progress: Callable[[int, int], None] | None = None) -> DemoBillingSummary:
        self._units.authorise(Permission.DEMO_DATA)
        if not 0 <= count <= 1_000_000:
            raise ValidationError({"invoices": "Choose between 0 and 1,000,000 demo invoices."})
        rng = random.Random(seed)
        self._ensure_price_list()
        items = [i for i in self._price_list.items() if i.code in {c for c, *_ in DEMO_ITEMS}]
        with self._units.read(Permission.DEMO_DATA) as uow:
            s = uow.session
            billed = select(Invoice.appointment_id).where(Invoice.appointment_id.is_not(None),
                                                          Invoice.state != InvoiceState.VOID)
            visits = s.execute(
                select(Appointment.id, Appointment.patient_id, Appointment.starts_at)
                .where(Appointment.status == AppointmentStatus.COMPLETED, Appointment.id.not_in(billed))
                .order_by(Appointment.starts_at.desc()).limit(count * 3 + 10)
            ).all()
            patients = list(s.scalars(select(Patient.id).where(Patient.archived.is_(False)).limit(5000)))
        if not visits and not patients:
            raise ValidationError({"invoices": "Add demo patients (and appointments) before demo invoices."})
        rng.shuffle(visits)
        counts = dict(paid=0, partly_paid=0, unpaid=0, voided=0, refunded=0, skipped=0)
        made = 0
        clocks = (self._invoices, self._payments)
        saved = [svc.clock for svc in clocks]
        try:
            while made < count:
                if visits:
                    appointment_id, patient_id, starts_at = visits.pop()
                else:
                    appointment_id, patient_id = None, rng.choice(patients)
                    starts_at = saved[0]() - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
                # The invoice and its payment happen a little after the visit, as at the desk.
                moment = starts_at + timedelta(minutes=rng.randint(15, 45))
                for svc in clocks:
                    svc.clock = lambda moment=moment: moment
                try:
                    self._one(rng, patient_id, appointment_id, items, counts)
                except ConflictError:
                    counts["skipped"] += 1
                    continue
                made += 1
                if progress and made % 100 == 0:
                    progress(made, count)
        finally:
            for svc, clock in zip(clocks, saved, strict=True):
                svc.clock = clock
        if progress:
            progress(made, count)
        return DemoBillingSummary(made, counts["paid"], counts["partly_paid"], counts["unpaid"], counts["voided"],
                                  counts["refunded"], counts["skipped"])

    def _one(self, rng: random.Random, patient_id: int, appointment_id: int | None, items, counts) -> None:  # type: ignore[no-untyped-def]
        draft = self._invoices.start(patient_id, appointment_id=appointment_id)
        lines = [ln.as_input() for ln in draft.lines]
        for item in rng.sample(items, k=rng.choice((0, 0, 1, 1, 2, 3))):
            lines.append(LineInput(item.name, 1, item.price_minor, item.tax_rate_bp, item.id, item.kind, item.code))
        if not lines:
            lines.append(LineInput("Consultation", 1, 50000, kind="consultation", code="CONSULT"))
        if rng.random() < 0.08 and lines[0].unit_price:
            first = lines[0]
            lines[0] = LineInput(first.description, first.quantity, first.unit_price, first.tax_rate_bp, first.item_id,
                                 first.kind, first.code, discount_bp=1000, discount_reason="Senior citizen")
        draft = self._invoices.save_draft(draft.id, draft.version, lines)
        invoice = self._invoices.issue(draft.id, draft.version)
        roll = rng.random()
        if invoice.total == 0:
            counts["paid"] += 1
        elif roll < 0.06:
            self._invoices.void(invoice.id, invoice.version, "Billed to the wrong patient")
            counts["voided"] += 1
        elif roll < 0.20:
            counts["unpaid"] += 1
        elif roll < 0.35:
            self._payments.pay(invoice.id, "cash", invoice.total // 2 or invoice.total)
            counts["partly_paid"] += 1
        else:
            method = rng.choices(("cash", "card", "upi"), weights=(6, 2, 2))[0]
            if method == "cash":
                tendered = -(-invoice.total // 10000) * 10000  # rounded up to the next ₹100 note
                payment = self._payments.pay(invoice.id, "cash", invoice.total, tendered=tendered)
            elif method == "card":
                payment = self._payments.pay(invoice.id, "card", invoice.total, reference=f"{rng.randint(0, 9999):04d}")
            else:
                payment = self._payments.pay(invoice.id, "upi", invoice.total,
                                             reference=f"UPI{rng.randint(10**9, 10**10 - 1)}")
            if roll > 0.95:
                self._payments.refund(payment.id, max(1, invoice.total // 4), "Test not done")
                counts["refunded"] += 1
            else:
                counts["paid"] += 1

    def _ensure_price_list(self) -> None:
        with self._units.read(Permission.DEMO_DATA) as uow:
            have = set(uow.session.scalars(select(PriceItem.code)))
        for code, name, kind, price, rate in DEMO_ITEMS:
            if code not in have:
                try:
                    self._price_list.add_item(code, name, kind, price, rate)
                except ValidationError:
                    pass  # another load added it a moment ago
