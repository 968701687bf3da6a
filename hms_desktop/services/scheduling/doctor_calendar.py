"""The data one free-time computation needs, loaded with three index range scans."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import SLOT_HOLDING_STATUSES, Appointment, AvailabilityException, WeeklySession
from .slot_math import MAX_APPOINTMENT, merge, session_slots, subtract


@dataclass
class Calendar:
    zone: ZoneInfo
    sessions: dict[int, dict[int, list[WeeklySession]]] = field(default_factory=dict)  # doctor -> weekday
    busy: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)  # merged
    exceptions: dict[int | None, list[AvailabilityException]] = field(default_factory=dict)

    def free(self, doctor_id: int, day: date, not_before: datetime | None) -> list[tuple[datetime, datetime]]:
        slots: list[tuple[datetime, datetime]] = []
        for s in self.sessions.get(doctor_id, {}).get(day.weekday(), []):
            slots.extend(session_slots(day, s.start_time, s.end_time, s.slot_minutes, self.zone))
        slots.sort()
        if not_before is not None:
            slots = [x for x in slots if x[0] >= not_before]
        return subtract(slots, self.busy.get(doctor_id, []))


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
    for ws in session.scalars(
        select(WeeklySession).where(WeeklySession.doctor_id.in_(doctor_ids)).order_by(WeeklySession.start_time)
    ):
        cal.sessions.setdefault(ws.doctor_id, {}).setdefault(ws.weekday, []).append(ws)
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    stmt = select(Appointment.doctor_id, Appointment.starts_at, Appointment.ends_at).where(
        Appointment.doctor_id.in_(doctor_ids),
        Appointment.starts_at >= start - MAX_APPOINTMENT,
        Appointment.starts_at < end,
        Appointment.status.in_(SLOT_HOLDING_STATUSES),
    )
    if exclude_appointment is not None:
        stmt = stmt.where(Appointment.id != exclude_appointment)
    if with_appointments:
        for doctor_id, s, e in session.execute(stmt):
            busy[doctor_id].append((s, e))
    for exc in session.scalars(
        select(AvailabilityException).where(
            or_(AvailabilityException.doctor_id.in_(doctor_ids), AvailabilityException.doctor_id.is_(None)),
            AvailabilityException.ends_at > start,
            AvailabilityException.starts_at < end,
        )
    ):
        cal.exceptions.setdefault(exc.doctor_id, []).append(exc)
    holidays = [(x.starts_at, x.ends_at) for x in cal.exceptions.get(None, [])]
    for doctor_id in doctor_ids:
        own = [(x.starts_at, x.ends_at) for x in cal.exceptions.get(doctor_id, [])]
        cal.busy[doctor_id] = merge(busy.get(doctor_id, []) + own + holidays)
    return cal


# --- the service -----------------------------------------------------------------------------
