"""SQLAlchemy models. Nothing here knows about Qt or about the services above it."""

from .audit import AuditEntry, ClinicSetting
from .base import Base, UTCDateTime, utcnow
from .billing import (
    ArchivedDocument,
    CashierShift,
    CreditNote,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    InvoiceState,
    ItemKind,
    PayerAccount,
    Payment,
    PaymentMethod,
    PriceItem,
    Refund,
    ShiftState,
    TaxRate,
)
from .doctor import Doctor, DoctorSpecialty, Specialty
from .messaging import ChangeLogEntry, OutboxEntry, OutboxStatus
from .patient import Patient, PatientNameToken
from .scheduling import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentKind,
    AppointmentStatus,
    AvailabilityException,
    DailyToken,
    ExceptionKind,
    WeeklySession,
)
from .staff import DeskSession, Role, StaffAccount

__all__ = [
    "ArchivedDocument",
    "CashierShift",
    "CreditNote",
    "DocumentCounter",
    "Invoice",
    "InvoiceLine",
    "InvoiceState",
    "ItemKind",
    "PayerAccount",
    "Payment",
    "PaymentMethod",
    "PriceItem",
    "Refund",
    "ShiftState",
    "TaxRate",
    "SLOT_HOLDING_STATUSES",
    "Appointment",
    "AppointmentEvent",
    "AppointmentKind",
    "AppointmentStatus",
    "AuditEntry",
    "AvailabilityException",
    "ChangeLogEntry",
    "DailyToken",
    "Doctor",
    "DoctorSpecialty",
    "ExceptionKind",
    "OutboxEntry",
    "OutboxStatus",
    "Specialty",
    "WeeklySession",
    "Base",
    "ClinicSetting",
    "Patient",
    "PatientNameToken",
    "Role",
    "StaffAccount",
    "DeskSession",
    "UTCDateTime",
    "utcnow",
]
