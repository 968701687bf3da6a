"""A slot that freed up (an appointment cancelled, rejected or moved away) and the patients on the
waiting list who want it: the receptionists' bell says so, in the unit of work that freed it.

One bell item per freed slot (doctor and start time) and receptionist, naming the patient who has
waited longest among those who match (and how many more do): the item's ``source_key`` holds the
doctor and the start, unique per person, so a slot freed, filled and freed again rings once, and
a retried unit or a second desk leaves one item.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import Doctor, DoctorSpecialty, Patient, Role, StaffAccount, StaffNotification, WaitingEntry
from ..notifications.cursors import upsert
from .slot_math import fmt

# The hours (clinic time) each part of the day covers: [start, end).
PARTS_OF_DAY: dict[str, tuple[int, int]] = {"any": (0, 24), "morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
PART_WORDS = {"any": "Any time", "morning": "Morning (before 12:00)", "afternoon": "Afternoon (12:00–17:00)",
              "evening": "Evening (from 17:00)"}


def part_of(local: datetime) -> str:
    return next(p for p, (a, b) in PARTS_OF_DAY.items() if p != "any" and a <= local.hour < b)


def matching_entries(session: Session, doctor_id: int, starts_at: datetime, zone: ZoneInfo,
                     except_patient: int | None = None) -> list[tuple[WaitingEntry, str]]:
    """The waiting entries (longest waiting first) a slot of this doctor at ``starts_at`` suits,
    with each patient's name."""
    local = starts_at.astimezone(zone)
    day: date = local.date()
    specialties = select(DoctorSpecialty.specialty_id).where(DoctorSpecialty.doctor_id == doctor_id)
    stmt = (
        select(WaitingEntry, Patient.given_name, Patient.family_name)
        .join(Patient, Patient.id == WaitingEntry.patient_id)
        .where(WaitingEntry.removed_at.is_(None), WaitingEntry.earliest <= day,
               or_(WaitingEntry.latest.is_(None), WaitingEntry.latest >= day),
               WaitingEntry.part_of_day.in_(("any", part_of(local))),
               or_(WaitingEntry.doctor_id == doctor_id,
                   WaitingEntry.doctor_id.is_(None) & WaitingEntry.specialty_id.in_(specialties)))
        .order_by(WaitingEntry.added_at, WaitingEntry.id)
    )
    if except_patient is not None:
        stmt = stmt.where(WaitingEntry.patient_id != except_patient)
    return [(entry, f"{given} {family}".strip()) for entry, given, family in session.execute(stmt)]


def slot_freed(session: Session, zone: ZoneInfo, doctor_id: int, starts_at: datetime, now: datetime,
               *, freed_by_patient: int | None = None) -> int:
    """Ring the receptionists if a waiting patient wants the slot that just freed (in the caller's
    unit); how many people were rung. A slot already past rings nobody."""
    if starts_at <= now:
        return 0
    matches = matching_entries(session, doctor_id, starts_at, zone, freed_by_patient)
    if not matches:
        return 0
    doctor = session.get(Doctor, doctor_id)
    receptionists = session.scalars(select(StaffAccount.id).where(
        StaffAccount.role == Role.RECEPTIONIST.value, StaffAccount.active.is_(True))).all()
    first, name = matches[0]
    local = starts_at.astimezone(zone)
    others = len(matches) - 1
    detail = f"{doctor.full_name if doctor else 'A doctor'}, {fmt(starts_at, zone)}"
    if first.note:
        detail += f" · {first.note}"
    if others:
        detail += f" · {others} more waiting for it"
    title = f"A slot freed up for {name} on the waiting list: {doctor.full_name if doctor else ''}, {local:%a %H:%M}"
    key = f"slot_freed:{doctor_id}:{starts_at.isoformat()}"
    rows = [{"user_id": user, "source_key": key, "kind": "slot_freed", "title": title[:300],
                            "detail": detail[:500], "patient_id": first.patient_id, "day": local.date(),
                            "doctor_id": doctor_id, "slot_at": starts_at, "created_at": now}
            for user in receptionists]
    if rows:  # as the bell's own items: once per person and source (bell.insert_items)
        session.execute(upsert(session)(StaffNotification).values(rows).on_conflict_do_nothing(
            index_elements=[StaffNotification.user_id, StaffNotification.source_key]))
    return len(rows)
