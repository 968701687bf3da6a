"""A slot that freed up (an appointment cancelled, rejected or moved away) and the patients on the
waiting list who want it: the bell of everyone who may book says so, in the unit of work that
freed it.

One bell item per freed slot (doctor and start time) and person, naming the patient who has
waited longest among those who match (and how many more do): the item's ``source_key`` holds the
doctor and the start, unique per person, so a retried unit or a second desk leaves one item. A
booking (or move, or walk-in) that takes the slot turns the item into "booked since" and marks it
read (``slot_filled``); freed again, the same item rings again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from ...models import Doctor, DoctorSpecialty, Patient, Role, StaffAccount, StaffNotification, WaitingEntry
from ..notifications.cursors import upsert
from ..permissions import Permission, permissions_for
from .slot_math import fmt

# The hours (clinic time) each part of the day covers: [start, end).
PARTS_OF_DAY: dict[str, tuple[int, int]] = {"any": (0, 24), "morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}
PART_WORDS = {"any": "Any time", "morning": "Morning (before 12:00)", "afternoon": "Afternoon (12:00–17:00)",
              "evening": "Evening (from 17:00)"}


# Everyone who may book is rung (an administrator at a small clinic books too).
BOOKING_ROLES = tuple(r.value for r in Role if Permission.SCHEDULE_BOOK in permissions_for(r.value))


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
    """Ring everyone who may book if a waiting patient wants the slot that just freed (in the caller's
    unit); how many people were rung. A slot already past rings nobody."""
    if starts_at <= now:
        return 0
    matches = matching_entries(session, doctor_id, starts_at, zone, freed_by_patient)
    if not matches:
        return 0
    doctor = session.get(Doctor, doctor_id)
    bookers = session.scalars(select(StaffAccount.id).where(
        StaffAccount.role.in_(BOOKING_ROLES), StaffAccount.active.is_(True))).all()
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
            for user in bookers]
    if rows:  # once per person and source; an item a booking had closed rings again
        statement = upsert(session)(StaffNotification).values(rows)
        session.execute(statement.on_conflict_do_update(
            index_elements=[StaffNotification.user_id, StaffNotification.source_key],
            set_={"kind": "slot_freed", "title": statement.excluded.title, "detail": statement.excluded.detail,
                  "patient_id": statement.excluded.patient_id, "appointment_id": None, "read_at": None,
                  "created_at": statement.excluded.created_at},
            where=StaffNotification.kind == "slot_booked"))
    return len(rows)


def slot_filled(session: Session, doctor_id: int, starts_at: datetime, ends_at: datetime, appointment_id: int,
                patient: str, actor: str, now: datetime) -> None:
    """A booking took the time: the bell items of freed slots it covers say so and are done (read),
    so nobody is sent to book a slot that is taken (the caller's unit)."""
    session.connection().execute(SLOT_FILLED, filled_params(doctor_id, starts_at, ends_at, appointment_id, patient,
                                                            actor, now))


def filled_params(doctor_id: int, starts_at: datetime, ends_at: datetime, appointment_id: int, patient: str,
                  actor: str, now: datetime) -> dict[str, object]:
    return {"f_doctor": doctor_id, "f_from": starts_at, "f_to": ends_at, "f_appointment": appointment_id,
            "f_detail": (f"Booked since: {patient}" + (f" (by {actor})" if actor else ""))[:500], "f_now": now}


# Built once: the booking's hot path runs it (in the booking's one statement on PostgreSQL,
# waiting_list.close_booked), and a statement built per call costs more than the round trip.
SLOT_FILLED = (
    update(StaffNotification)
    .where(StaffNotification.kind == "slot_freed", StaffNotification.doctor_id == bindparam("f_doctor"),
           StaffNotification.slot_at >= bindparam("f_from"), StaffNotification.slot_at < bindparam("f_to"))
    .values(kind="slot_booked", appointment_id=bindparam("f_appointment"), detail=bindparam("f_detail"),
            read_at=bindparam("f_now"))
)


def uncovered_parts(old: tuple[datetime, datetime], new: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    """The parts of the old time a move to ``new`` (same doctor) no longer covers."""
    (o0, o1), (n0, n1) = old, new
    if not (n0 < o1 and o0 < n1):
        return [old]
    parts = []
    if o0 < n0:
        parts.append((o0, n0))
    if n1 < o1:
        parts.append((n1, o1))
    return parts


def holds_a_slot(part: tuple[datetime, datetime], slot_minutes: int | None) -> bool:
    """Whether a freed part can hold an appointment of the doctor's slot length there."""
    return slot_minutes is not None and part[1] - part[0] >= timedelta(minutes=slot_minutes)
