"""The data one free-time computation needs, loaded with three index range scans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from ...models import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AvailabilityException,
    Doctor,
    DoctorSpecialty,
    WeeklySession,
)
from .slot_math import MAX_APPOINTMENT, merge, session_slots, subtract


@dataclass
class Calendar:
    zone: ZoneInfo
    # Plain rows with the models' attribute names (WeeklySession, AvailabilityException columns).
    sessions: dict[int, dict[int, list[Any]]] = field(default_factory=dict)  # doctor -> weekday
    busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)  # merged
    exceptions: dict[int | None, list[Any]] = field(default_factory=dict)

    def free(self, doctor_id: int, day: date, not_before: datetime | None) -> list[tuple[datetime, datetime]]:
        slots: list[tuple[datetime, datetime]] = []
        for s in self.sessions.get(doctor_id, {}).get(day.weekday(), []):
            slots.extend(session_slots(day, s.start_time, s.end_time, s.slot_minutes, self.zone))
        slots.sort()
        if not_before is not None:
            slots = [x for x in slots if x[0] >= not_before]
        return subtract(slots, self.busy.get(doctor_id, []))


# Built once: each call binds its doctors and range to statements compiled before, and gets plain
# rows (attribute names as the models', so callers read ``s.start_time`` or ``x.kind`` alike)
# without ORM objects or an identity map (the day view reads a few hundred of them).
_SESSIONS = (
    select(WeeklySession.id, WeeklySession.doctor_id, WeeklySession.weekday, WeeklySession.start_time,
           WeeklySession.end_time, WeeklySession.slot_minutes)
    .where(WeeklySession.doctor_id.in_(bindparam("doctors", expanding=True)))
    .order_by(WeeklySession.start_time)
)
_BUSY = select(Appointment.doctor_id, Appointment.starts_at, Appointment.ends_at).where(
    Appointment.doctor_id.in_(bindparam("doctors", expanding=True)),
    Appointment.starts_at >= bindparam("earliest", type_=Appointment.starts_at.type),
    Appointment.starts_at < bindparam("end", type_=Appointment.starts_at.type),
    Appointment.status.in_(SLOT_HOLDING_STATUSES),
)
_BUSY_EXCEPT = _BUSY.where(Appointment.id != bindparam("excluded"))
_EXCEPTIONS = select(
    AvailabilityException.id, AvailabilityException.doctor_id, AvailabilityException.kind,
    AvailabilityException.starts_at, AvailabilityException.ends_at, AvailabilityException.first_day,
    AvailabilityException.last_day, AvailabilityException.reason,
).where(
    or_(AvailabilityException.doctor_id.in_(bindparam("doctors", expanding=True)),
        AvailabilityException.doctor_id.is_(None)),
    AvailabilityException.ends_at > bindparam("start", type_=AvailabilityException.ends_at.type),
    AvailabilityException.starts_at < bindparam("end", type_=AvailabilityException.starts_at.type),
)


# What the free-time and day-view reads need of a doctor (``slot``, ``not_bookable_reason``).
_DOCTOR_COLUMNS = (Doctor.id, Doctor.full_name, Doctor.location, Doctor.active, Doctor.verified)
_DOCTORS = select(*_DOCTOR_COLUMNS).where(Doctor.id.in_(bindparam("doctors", expanding=True)))
_BOOKABLE_IN_SPECIALTY = select(*_DOCTOR_COLUMNS).where(
    Doctor.active.is_(True), Doctor.verified.is_(True),
    Doctor.id.in_(select(DoctorSpecialty.doctor_id).where(DoctorSpecialty.specialty_id == bindparam("specialty"))),
)


def doctor_rows(session: Session, doctor_ids: Sequence[int]) -> dict[int, Any]:
    """The doctors' rows by id (plain rows; an id that does not exist is left out)."""
    return {d.id: d for d in session.connection().execute(_DOCTORS, {"doctors": list(doctor_ids)})}


def bookable_doctor_rows(session: Session, specialty_id: int, location_key: str = "") -> dict[int, Any]:
    """The active, verified doctors of a specialty (at a location whose folded name holds ``location_key``)."""
    stmt = _BOOKABLE_IN_SPECIALTY
    if location_key:
        stmt = stmt.where(Doctor.location_key.contains(location_key, autoescape=True))
    return {d.id: d for d in session.connection().execute(stmt, {"specialty": specialty_id})}


def load_calendar(
    session: Session,
    zone: ZoneInfo,
    doctor_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    exclude_appointment: int | None = None,
    with_appointments: bool = True,
) -> Calendar:
    """Sessions, exceptions and (unless ``with_appointments`` is False: the booking path checks
    clashes itself) slot-holding appointments of the doctors between two instants."""
    cal = Calendar(zone=zone)
    conn = session.connection()
    doctors = list(doctor_ids)
    for ws in conn.execute(_SESSIONS, {"doctors": doctors}):
        cal.sessions.setdefault(ws.doctor_id, {}).setdefault(ws.weekday, []).append(ws)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    if with_appointments:
        window = {"doctors": doctors, "earliest": start - MAX_APPOINTMENT, "end": end}
        if exclude_appointment is None:
            rows = conn.execute(_BUSY, window).all()
        else:
            rows = conn.execute(_BUSY_EXCEPT, {**window, "excluded": exclude_appointment}).all()
        for doctor_id, s, e in rows:
            busy[doctor_id].append((s, e))
    for exc in conn.execute(_EXCEPTIONS, {"doctors": doctors, "start": start, "end": end}):
        cal.exceptions.setdefault(exc.doctor_id, []).append(exc)
    holidays = [(x.starts_at, x.ends_at) for x in cal.exceptions.get(None, [])]
    for doctor_id in doctor_ids:
        own = [(x.starts_at, x.ends_at) for x in cal.exceptions.get(doctor_id, [])]
        cal.busy[doctor_id] = merge(busy.get(doctor_id, []) + own + holidays)
    return cal


# --- the service -----------------------------------------------------------------------------
