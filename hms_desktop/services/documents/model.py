"""What printed documents are made from: plain frozen dataclasses, no database and no Qt.

A service maps its records onto these and hands them to a renderer on the worker thread. Money is
always int minor units (paise, cents) with the document's ISO currency code and locale, formatted
by services/money.py when printed; nothing here is a float.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from ..money import LineAmounts, TaxBand


class Paper(Enum):
    """What a receipt or closure is printed on."""

    A4 = "A4"
    A5 = "A5"
    ROLL_80MM = "80mm"  # thermal roll, 72 mm printable


@dataclass(frozen=True)
class Clinic:
    """The header of every document."""

    name: str
    address: str = ""  # one line per line of the address
    phone: str = ""
    tax_registration: str = ""  # printed as given, e.g. "GSTIN 29ABCDE1234F1Z5"
    logo_png: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: int
    unit_price: int
    discount: int  # minor units taken off this line
    tax_rate_bp: int  # basis points: 1800 = 18 %
    tax: int
    total: int
    code: str = ""  # item code, HSN/SAC
    tax_inclusive: bool = False

    @classmethod
    def from_amounts(cls, description: str, amounts: LineAmounts, *, code: str = "") -> InvoiceLine:
        """The line as money.LineAmounts worked it out."""
        return cls(description, amounts.quantity, amounts.unit_price, amounts.discount, amounts.tax_rate_bp,
                   amounts.tax, amounts.total, code, amounts.tax_inclusive)


@dataclass(frozen=True)
class CreditNote:
    number: str
    issued_on: date
    amount: int
    reason: str = ""


@dataclass(frozen=True)
class Invoice:
    """An invoice as printed.

    The totals block prints subtotal, discount, tax, total, paid and balance, and must add up:
    ``subtotal - discount + tax == total`` and ``total == sum(line.total)``; the renderer refuses
    figures that do not. ``tax`` is the tax added on top of tax-exclusive prices
    (money.InvoiceTotals.tax_added); ``tax_included`` is the tax inside tax-inclusive prices,
    printed as a note.
    """

    clinic: Clinic
    number: str
    issued_on: date
    patient_name: str
    patient_mrn: str
    lines: tuple[InvoiceLine, ...]
    subtotal: int
    discount: int
    tax: int
    total: int
    paid: int
    balance: int
    currency: str
    locale: str
    title: str = "Invoice"  # "Tax invoice" where the law asks for the words
    due_on: date | None = None
    service_date: date | None = None
    bill_to: str = ""  # the payer when it is not the patient: insurer, employer
    claim_reference: str = ""
    tax_included: int = 0
    tax_bands: tuple[TaxBand, ...] = ()
    notes: str = ""
    credit_notes: tuple[CreditNote, ...] = ()
    void: bool = False
    void_reason: str = ""


@dataclass(frozen=True)
class Payment:
    method: str  # "Cash", "Card", "UPI", ...
    amount: int
    reference: str = ""  # card slip, UPI transaction id


@dataclass(frozen=True)
class Receipt:
    clinic: Clinic
    number: str
    issued_at: datetime
    invoice_number: str
    patient_name: str
    patient_mrn: str
    payments: tuple[Payment, ...]
    balance_after: int  # what is still owed on the invoice after this receipt
    cashier: str
    currency: str
    locale: str
    invoice_total: int | None = None
    tendered: int | None = None  # cash handed over, when cash was paid
    change: int | None = None
    notes: str = ""

    @property
    def received(self) -> int:
        return sum(p.amount for p in self.payments)


@dataclass(frozen=True)
class MethodCount:
    """One payment method at the close of a shift. For cash, ``expected`` includes the float."""

    method: str
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        """Over (+) or short (-)."""
        return self.counted - self.expected


@dataclass(frozen=True)
class Denomination:
    value: int  # minor units of one note or coin: 50000 for a ₹500 note
    count: int

    @property
    def amount(self) -> int:
        return self.value * self.count


@dataclass(frozen=True)
class ShiftClosure:
    clinic: Clinic
    cashier: str
    opened_at: datetime
    closed_at: datetime
    opening_float: int
    methods: tuple[MethodCount, ...]
    currency: str
    locale: str
    shift_reference: str = ""
    workstation: str = ""
    denominations: tuple[Denomination, ...] = ()  # the cash counted, note by note (optional)
    reason: str = ""  # why the count is over or short
    closed_by: str = ""  # supervisor who accepted the count, if any

    @property
    def expected(self) -> int:
        return sum(m.expected for m in self.methods)

    @property
    def counted(self) -> int:
        return sum(m.counted for m in self.methods)

    @property
    def over_short(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class AppointmentSlip:
    """What today's appointment slip shows (services/slips.py), as plain values."""

    clinic_name: str
    appointment_id: int
    patient_name: str
    patient_mrn: str
    doctor_name: str
    starts_at: datetime  # aware, in the clinic's time zone
    ends_at: datetime
    kind_label: str  # "Consultation", "Follow-up", ...
    status_label: str
    specialties: str = ""
    location: str = ""
    token: int | None = None
    reason: str = ""
    walk_in: bool = False  # already at the desk: no "arrive early" note


@dataclass(frozen=True)
class DayListRow:
    """One appointment on a doctor's printed day list."""

    time: str  # "09:15", in the clinic's time zone
    token: int | None  # walk-ins and checked-in patients
    patient_name: str
    patient_mrn: str
    phone: str  # as the app shows it: national form for the clinic's country
    reason: str
    status_label: str


@dataclass(frozen=True)
class DayList:
    """A doctor's patients for one local day, in time order (services/slips.py)."""

    clinic: Clinic
    doctor_name: str  # "Dr Priya Nair"
    day: date
    rows: tuple[DayListRow, ...]
    printed_at: str = ""  # "03 Dec 2026 16:20", the clinic's time


@dataclass(frozen=True)
class Medicine:
    """One line of a prescription, as the doctor wrote it."""

    name: str
    strength: str = ""
    form: str = ""
    dose: str = ""
    frequency: str = ""
    route: str = ""
    duration: str = ""
    quantity: str = ""
    instructions: str = ""


@dataclass(frozen=True)
class Prescription:
    """The prescription handed to the patient (A5)."""

    clinic: Clinic
    reference: str  # "RX-000012/3": the visit and the version printed
    issued_on: date
    doctor_name: str
    doctor_qualifications: str
    doctor_registration: str  # the medical council number; "" when none is on file
    patient_name: str
    patient_mrn: str
    patient_age: str  # "41 y", "7 mo"
    patient_sex: str
    medicines: tuple[Medicine, ...]
    diagnoses: tuple[str, ...] = ()
    advice: str = ""
    follow_up_on: date | None = None
    allergies: tuple[str, ...] = ()


@dataclass(frozen=True)
class VisitSummaryDocument:
    """A visit written out for the patient's file or a referral (A4): the prescription's header
    fields, then the notes, vitals, diagnoses, medicines, advice and the addenda."""

    header: Prescription  # clinic, doctor, patient, date, medicines, diagnoses, advice, allergies
    status: str  # "Signed 03 Dec 2026 10:40 by Dr Priya Nair" or "Draft, not signed"
    complaint: str = ""
    examination: str = ""
    vitals: tuple[tuple[str, str], ...] = ()  # (when, "Temperature 37.2 °C · Pulse 88 …")
    addenda: tuple[tuple[str, str], ...] = ()  # (when and who, text)

