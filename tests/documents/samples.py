"""Documents to render in the tests and the benchmark: names in five scripts, realistic figures."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hms_desktop.services.documents.model import (
    AppointmentSlip,
    Clinic,
    CreditNote,
    Denomination,
    Invoice,
    InvoiceLine,
    MethodCount,
    Payment,
    Receipt,
    ShiftClosure,
)
from hms_desktop.services.money import LineAmounts, invoice_totals

NAMES = {
    "latin": "Zoë Ødegård",
    "greek": "Αλέξανδρος Παπαδόπουλος",
    "cyrillic": "Дмитрий Иванов",
    "arabic": "محمد",
    "devanagari": "प्रिया शर्मा",
    "cjk": "王芳",
}
KOLKATA = ZoneInfo("Asia/Kolkata")
CLINIC = Clinic(
    name="Sunrise Family Clinic",
    address="14 MG Road, Indiranagar\nBengaluru 560038",
    phone="+91 80 4123 4567",
    tax_registration="GSTIN 29ABCDE1234F1Z5",
)
ITEMS = [
    ("Consultation, general medicine", 1, 50_000, 0, 0, 0, False, "SAC 999312"),
    ("Complete blood count (CBC)", 1, 35_000, 0, 1000, 0, False, "SAC 999316"),
    ("Paracetamol 500 mg, strip of 10", 3, 2_450, 0, 0, 1200, True, "HSN 3004"),
    ("Dressing kit", 2, 18_000, 2_000, 0, 1800, False, "HSN 3005"),
    ("X-ray chest PA view", 1, 60_000, 0, 0, 500, False, "SAC 999316"),
]


def lines(count: int = len(ITEMS)) -> list[InvoiceLine]:
    result = []
    for i in range(count):
        name, qty, price, off, pct, rate, inclusive, code = ITEMS[i % len(ITEMS)]
        amounts = LineAmounts.of(qty, price, discount_minor=off, discount_bp=pct, tax_rate_bp=rate,
                                 tax_inclusive=inclusive)
        result.append(InvoiceLine.from_amounts(name if count <= len(ITEMS) else f"{name} ({i + 1})", amounts,
                                               code=code))
    return result


def invoice(count: int = len(ITEMS), *, patient: str = NAMES["latin"], paid: int | None = None,
            void: bool = False, credit: int = 0, currency: str = "INR", locale: str = "en_IN") -> Invoice:
    items = lines(count)
    totals = invoice_totals(
        LineAmounts.of(line.quantity, line.unit_price, discount_minor=line.discount, tax_rate_bp=line.tax_rate_bp,
                       tax_inclusive=line.tax_inclusive) for line in items
    )
    paid = totals.total // 2 if paid is None else paid
    notes = (CreditNote("CN-2024-0003", date(2024, 3, 16), credit, "Dressing kit returned unused"),) if credit else ()
    return Invoice(
        clinic=CLINIC, number="INV-2024-0042", issued_on=date(2024, 3, 15), patient_name=patient,
        patient_mrn="100234-7", lines=tuple(items), subtotal=totals.subtotal, discount=totals.discount,
        tax=totals.tax_added, tax_included=totals.tax_included, total=totals.total, paid=paid,
        balance=0 if void else totals.total - credit - paid, currency=currency, locale=locale,
        title="Tax invoice", due_on=date(2024, 3, 30), service_date=date(2024, 3, 15),
        bill_to="Star Health Insurance (cashless)", claim_reference="CLM-88231-A",
        tax_bands=totals.bands, notes="Thank you. Please quote the invoice number when you pay.",
        credit_notes=notes, void=void, void_reason="entered twice" if void else "",
    )


def receipt(*, patient: str = NAMES["latin"], cash: bool = True, extra_payments: int = 0) -> Receipt:
    payments = [Payment("Cash", 100_000)] if cash else []
    payments += [Payment("UPI", 54_625, "UPI 4021 7788 1123")]
    payments += [Payment("Card", 1_000 + i, f"VISA ••4242 auth {800100 + i}") for i in range(extra_payments)]
    return Receipt(
        clinic=CLINIC, number="RCT-2024-0107", issued_at=datetime(2024, 3, 15, 11, 42, tzinfo=KOLKATA),
        invoice_number="INV-2024-0042", patient_name=patient, patient_mrn="100234-7", payments=tuple(payments),
        balance_after=0, cashier="Rita Fernandes", currency="INR", locale="en_IN", invoice_total=154_625,
        tendered=200_000 if cash else None, change=100_000 if cash else None,
    )


def closure(*, denominations: bool = True) -> ShiftClosure:
    return ShiftClosure(
        clinic=CLINIC, cashier="Rita Fernandes", opened_at=datetime(2024, 3, 15, 8, 0, tzinfo=KOLKATA),
        closed_at=datetime(2024, 3, 15, 16, 5, tzinfo=KOLKATA), opening_float=200_000,
        methods=(MethodCount("Cash", 1_254_000, 1_250_000), MethodCount("Card", 830_500, 830_500),
                 MethodCount("UPI", 412_250, 412_250)),
        currency="INR", locale="en_IN", shift_reference="SHIFT-2024-03-15-A", workstation="Front desk 1",
        denominations=(Denomination(50_000, 20), Denomination(20_000, 7), Denomination(10_000, 8),
                       Denomination(5_000, 5), Denomination(1_000, 3), Denomination(200, 10)) if denominations else (),
        reason="₹40 short: change given twice for one receipt, patient informed", closed_by="Dr Meera Iyer",
    )


def slip(*, patient: str = NAMES["latin"]) -> AppointmentSlip:
    return AppointmentSlip(
        clinic_name=CLINIC.name, appointment_id=5821, patient_name=patient, patient_mrn="100234-7",
        doctor_name="Dr Meera Iyer", specialties="Dermatology", location="East wing, room 12",
        starts_at=datetime(2024, 3, 18, 9, 30, tzinfo=KOLKATA), ends_at=datetime(2024, 3, 18, 9, 45, tzinfo=KOLKATA),
        kind_label="Consultation", status_label="Booked", token=14, reason="Rash on the left forearm",
    )
