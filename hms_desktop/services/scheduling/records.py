"""What the scheduler hands back: frozen records, and the one error with suggestions attached."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ...models import AppointmentKind, AppointmentStatus, AvailabilityException, Doctor, WeeklySession
from ..errors import ConflictError


@dataclass(frozen=True)
class SessionInput:
    """One session of a weekly template: ``weekday`` 0 = Monday; local wall-clock times."""

    weekday: int
    start: time
    end: time
    slot_minutes: int = 15


@dataclass(frozen=True)
class WeeklySessionRecord:
    id: int
    doctor_id: int
    weekday: int
    start: time
    end: time
    slot_minutes: int


@dataclass(frozen=True)
class Slot:
    """A bookable stretch of one doctor's time. ``starts_at``/``ends_at`` are UTC; ``local_*`` are the
    same instants in the clinic's zone, for display."""

    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    doctor_name: str = ""
    location: str = ""

    @property
    def day(self) -> date:
        return self.local_start.date()

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class ExceptionRecord:
    id: int
    doctor_id: int | None  # None: a clinic holiday
    kind: str
    starts_at: datetime
    ends_at: datetime
    first_day: date | None
    last_day: date | None
    reason: str


@dataclass(frozen=True)
class AppointmentRecord:
    id: int
    patient_id: int
    patient_name: str
    patient_mrn: str
    doctor_id: int
    doctor_name: str
    location: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    local_day: date
    status: str
    kind: str
    reason: str
    token: int | None
    arrived_at: datetime | None
    called_at: datetime | None
    completed_at: datetime | None
    cancelled_by: str
    status_reason: str
    version: int
    # Minutes waited: since arrival while checked in; from arrival to being called afterwards.
    waiting_minutes: int | None = None

    @property
    def status_label(self) -> str:
        return AppointmentStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return AppointmentKind(self.kind).label


@dataclass(frozen=True)
class AppointmentEventRecord:
    id: int
    at: datetime
    actor_name: str
    action: str
    from_status: str
    to_status: str
    old_starts_at: datetime | None
    old_ends_at: datetime | None
    new_starts_at: datetime | None
    new_ends_at: datetime | None
    reason: str


@dataclass(frozen=True)
class TemplateChange:
    sessions: list[WeeklySessionRecord]
    # Booked appointments that no longer fit the doctor's availability: kept, listed for rebooking.
    displaced: list[AppointmentRecord]


@dataclass(frozen=True)
class ExceptionChange:
    exception: ExceptionRecord
    displaced: list[AppointmentRecord]


@dataclass(frozen=True)
class WalkIn:
    appointment: AppointmentRecord
    token: int
    estimated_wait_minutes: int
    patients_ahead: int


@dataclass(frozen=True)
class DoctorDay:
    """One doctor's column in the scheduler's day view."""

    doctor_id: int
    doctor_name: str
    location: str
    bookable: bool
    day: date
    sessions: list[tuple[datetime, datetime]]  # local (start, end) of each template session that day
    appointments: list[AppointmentRecord]
    free_slots: list[Slot]
    exceptions: list[ExceptionRecord]
    slot_minutes: list[int] = field(default_factory=list)  # each session's slot length, as ``sessions``


class SlotTaken(ConflictError):
    """The time is no longer free (another desk got there first, or the patient is busy then).

    ``suggestions`` holds the next free slots for the same doctor, to offer instead; ``clash`` says
    whose time overlapped: "doctor" or "patient".
    """

    title = "Slot taken"

    def __init__(self, message: str, suggestions: Sequence[Slot] = (), clash: str = "doctor") -> None:
        super().__init__(message)
        self.suggestions = list(suggestions)
        self.clash = clash


# --- pure helpers: laying out slots -----------------------------------------------------------


# --- records from rows ------------------------------------------------------------------------


def session_record(ws: WeeklySession) -> WeeklySessionRecord:
    return WeeklySessionRecord(
        id=ws.id, doctor_id=ws.doctor_id, weekday=ws.weekday, start=ws.start_time, end=ws.end_time,
        slot_minutes=ws.slot_minutes,
    )


def exception_record(x: AvailabilityException) -> ExceptionRecord:
    return ExceptionRecord(
        id=x.id, doctor_id=x.doctor_id, kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at,
        first_day=x.first_day, last_day=x.last_day, reason=x.reason,
    )


def slot(doctor: Doctor, s: datetime, e: datetime, zone: ZoneInfo) -> Slot:
    return Slot(doctor.id, s, e, s.astimezone(zone), e.astimezone(zone), doctor.full_name, doctor.location)


def patient_name(p: Any) -> str:
    """A patient's display name (a Patient or any row with its name columns)."""
    return f"{p.given_name} {p.family_name}".strip()


def appointment_record(row: Any, zone: ZoneInfo, now: datetime) -> AppointmentRecord:
    """A row of ``queries.appointment_query()`` as a record; waiting minutes counted up to ``now``."""
    waiting = None
    if row.arrived_at is not None:
        until = row.called_at if row.called_at is not None else (now if row.status == AppointmentStatus.CHECKED_IN else None)
        if until is not None:
            waiting = max(0, int((until - row.arrived_at).total_seconds() // 60))
    return AppointmentRecord(
        id=row.id, patient_id=row.patient_id, patient_name=f"{row.given_name} {row.family_name}".strip(),
        patient_mrn=row.mrn, doctor_id=row.doctor_id, doctor_name=row.doctor_name, location=row.location,
        starts_at=row.starts_at, ends_at=row.ends_at, local_start=row.starts_at.astimezone(zone),
        local_end=row.ends_at.astimezone(zone), local_day=row.local_day, status=row.status, kind=row.kind,
        reason=row.reason, token=row.token, arrived_at=row.arrived_at, called_at=row.called_at,
        completed_at=row.completed_at, cancelled_by=row.cancelled_by, status_reason=row.status_reason,
        version=row.version, waiting_minutes=waiting,
    )
