"""SQLAlchemy models. Nothing here knows about Qt or about the services above it."""

from .audit import AuditEntry, ClinicSetting
from .base import Base, UTCDateTime, utcnow
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
from .staff import Role, StaffAccount

__all__ = [
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
    "UTCDateTime",
    "utcnow",
]
