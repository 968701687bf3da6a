"""Finding free time: a doctor's next free slots, and the suggestions handed to a desk that lost a slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import SLOT_HOLDING_STATUSES, Appointment, Doctor
from ..doctors import not_bookable_reason
from ..unit_of_work import UnitsOfWork
from .booking_checks import Clash, clash_message
from .clinic_clock import ClinicClock
from .doctor_calendar import load_calendar
from .records import Slot, SlotTaken, slot
from .slot_math import MAX_APPOINTMENT, SEARCH_HORIZON_DAYS, is_aware, local_day_bounds, merge, subtract

SUGGESTIONS = 5


def next_free(
    session: Session, zone: ZoneInfo, now: datetime, doctors: dict[int, Doctor], after: datetime | None, count: int,
) -> list[Slot]:
    """The first ``count`` free slots of any of ``doctors`` from ``after`` (never before ``now``)."""
    not_before = max(now, after.astimezone(UTC)) if after is not None and is_aware(after) else now
    first_day = not_before.astimezone(zone).date()
    found: list[tuple[datetime, int, datetime]] = []
    # Look a day ahead first (the common answer), then widen; each window is three range scans.
    offset = 0
    for span in (1, 6, 23, 60, SEARCH_HORIZON_DAYS - 90):
        days = [first_day + timedelta(days=offset + i) for i in range(span)]
        offset += span
        start, _ = local_day_bounds(days[0], zone)
        _, end = local_day_bounds(days[-1], zone)
        cal = load_calendar(session, zone, list(doctors), start, end)
        for day in days:
            for doctor_id in doctors:
                for s, e in cal.free(doctor_id, day, not_before):
                    found.append((s, doctor_id, e))
            if len(found) >= count:
                break
        if len(found) >= count:
            break
    found.sort()
    return [slot(doctors[d], s, e, zone) for s, d, e in found[:count]]


def _suggest(
    session: Session, zone: ZoneInfo, now: datetime, doctor_id: int, patient_id: int, around: datetime
) -> list[Slot]:
    doctor = session.get(Doctor, doctor_id)
    if doctor is None or not_bookable_reason(doctor):
        return []
    after = around.astimezone(UTC) if is_aware(around) else None
    if after is not None:
        after = max(after - timedelta(hours=2), local_day_bounds(after.astimezone(zone).date(), zone)[0])
    slots = next_free(session, zone, now, {doctor_id: doctor}, after, SUGGESTIONS * 3)
    if patient_id and slots:
        busy = merge(
            (s, e) for s, e in session.execute(
                select(Appointment.starts_at, Appointment.ends_at).where(
                    Appointment.patient_id == patient_id,
                    Appointment.starts_at > slots[0].starts_at - MAX_APPOINTMENT,
                    Appointment.starts_at < slots[-1].ends_at,
                    Appointment.status.in_(SLOT_HOLDING_STATUSES),
                )
            )
        )
        keep = set(subtract([(s.starts_at, s.ends_at) for s in slots], busy))
        slots = [s for s in slots if (s.starts_at, s.ends_at) in keep]
    return slots[:SUGGESTIONS]


def slot_taken(
    units: UnitsOfWork, clock: ClinicClock, clash: Clash, doctor_id: int, patient_id: int, around: datetime
) -> SlotTaken:
    """The error for a desk whose time was taken, with the doctor's next free times (a read of its own)."""
    with units.read() as uow:
        session = uow.session
        zone = clock.zone(session)
        suggestions = _suggest(session, zone, clock.now(), doctor_id, patient_id, around)
    return SlotTaken(clash_message(clash, zone), suggestions, clash.who)
