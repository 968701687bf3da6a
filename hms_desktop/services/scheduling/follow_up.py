"""Booking the follow-up a doctor asked for on a visit: the offer (the doctor's first free slot on
the follow-up day, else the first day after it with one) and the rule for who may book it.

The rule, once: a desk that books (SCHEDULE_BOOK: reception, administrators) may book any
follow-up; a doctor, who holds no booking permission, may book the follow-up of their own visit,
in their own calendar, and nothing else: the patient and the doctor come from the visit, never
from the caller. The booking itself is SchedulingService.book's, with all its checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, literal, select
from sqlalchemy.orm import Session

from ...models import SLOT_HOLDING_STATUSES, Appointment, Doctor, Patient, UTCDateTime, Visit
from ..doctors import not_bookable_reason
from ..errors import NotFound, PermissionDenied, ValidationError
from ..notifications.follow_ups import booked_conditions
from ..permissions import Permission
from ..unit_of_work import UnitOfWork
from .doctor_calendar import load_calendar
from .free_time import next_free
from .records import Slot, patient_name, slot
from .slot_math import local_day_bounds, merge, subtract


@dataclass(frozen=True)
class FollowUpOffer:
    """What to ask the doctor: "Book follow-up at HH:MM on DATE with Dr X?". ``slot`` is None when
    the doctor has nothing free within the search horizon; ``same_day`` is False when the follow-up
    day is full and ``slot`` is the first day after it with a free slot. ``booked_at`` is set when
    a follow-up is already booked: an appointment with this doctor after the visit (the patient
    reminder's rule, notifications/follow_ups.booked_conditions)."""

    visit_id: int
    patient_id: int
    patient_name: str
    doctor_id: int
    doctor_name: str
    day: date  # the follow-up date the doctor set
    slot: Slot | None
    same_day: bool
    booked_at: datetime | None = None  # local time of the appointment already there

    def question(self) -> str:
        if self.booked_at is not None:
            return (f"{self.patient_name} already has an appointment with {self.doctor_name} at "
                    f"{self.booked_at:%H:%M} on {self.booked_at:%a %d %b %Y}.")
        if self.slot is None:
            return (f"{self.doctor_name} has no free time on {self.day:%a %d %b %Y} or in the weeks after it: "
                    "ask the front desk to find a time.")
        when = f"{self.slot.local_start:%H:%M} on {self.slot.local_start:%a %d %b %Y}"
        if self.same_day:
            return f"Book follow-up at {when} with {self.doctor_name}?"
        return (f"{self.doctor_name} has no free slot left on {self.day:%a %d %b %Y}. "
                f"Book follow-up at {when} instead (the next day with a free slot)?")


def load_visit(session: Session, visit_id: int) -> tuple[int, int, date | None]:
    """(patient_id, doctor_id, follow_up_on) of a visit: no clinical text leaves here."""
    row = session.execute(select(Visit.patient_id, Visit.doctor_id, Visit.follow_up_on)
                          .where(Visit.id == visit_id)).first()
    if row is None:
        raise NotFound("That visit does not exist.")
    return row.patient_id, row.doctor_id, row.follow_up_on


def booked_follow_up(session: Session, visit_id: int) -> datetime | None:
    """When the follow-up already booked for this visit starts (the patient reminder's own rule,
    notifications/follow_ups.booked_conditions), or None."""
    visit = session.execute(select(Visit.patient_id, Visit.doctor_id, Visit.appointment_id, Visit.started_at)
                            .where(Visit.id == visit_id)).first()
    if visit is None:
        return None
    values = (literal(visit.patient_id, Integer), literal(visit.doctor_id, Integer),
              literal(visit.appointment_id, Integer), literal(visit.started_at, UTCDateTime))
    return session.scalar(select(Appointment.starts_at).where(*booked_conditions(*values))
                          .order_by(Appointment.starts_at).limit(1))


def require_may_book(uow: UnitOfWork, doctor_id: int) -> None:
    """A desk that books may book any follow-up; a doctor only in their own calendar."""
    if uow.actor.can(Permission.SCHEDULE_BOOK):
        return
    own = uow.session.scalar(select(Doctor.id).where(Doctor.staff_account_id == uow.actor.id))
    if own is None or own != doctor_id:
        raise PermissionDenied("A doctor books only the follow-up of their own visit, in their own calendar; "
                               "ask the front desk for any other booking.")


def offer(session: Session, zone: ZoneInfo, now: datetime, visit_id: int, day: date | None) -> FollowUpOffer:
    patient_id, doctor_id, follow_up_on = load_visit(session, visit_id)
    wanted = day or follow_up_on
    if wanted is None:
        raise ValidationError({"follow_up_on": "Set the follow-up date first."})
    doctor = session.get(Doctor, doctor_id)
    patient = session.get(Patient, patient_id)
    if doctor is None or patient is None:
        raise NotFound("That visit's doctor or patient no longer exists.")
    start, end = local_day_bounds(wanted, zone)
    base = dict(visit_id=visit_id, patient_id=patient_id, patient_name=patient_name(patient), doctor_id=doctor_id,
                doctor_name=doctor.full_name, day=wanted)
    booked = booked_follow_up(session, visit_id)
    if booked is not None:
        return FollowUpOffer(**base, slot=None, same_day=True, booked_at=booked.astimezone(zone))
    if not_bookable_reason(doctor):
        return FollowUpOffer(**base, slot=None, same_day=True)
    cal = load_calendar(session, zone, [doctor_id], start, end)
    free = _patient_free(session, patient_id, cal.free(doctor_id, wanted, now))
    if free:
        return FollowUpOffer(**base, slot=slot(doctor, *free[0], zone), same_day=True)
    after = max(end, now).astimezone(UTC)
    # The next few free slots, so that one clashing with the patient's other appointments is skipped.
    for candidate in next_free(session, zone, now, {doctor_id: doctor}, after, 12):
        if _patient_free(session, patient_id, [(candidate.starts_at, candidate.ends_at)]):
            return FollowUpOffer(**base, slot=candidate, same_day=False)
    return FollowUpOffer(**base, slot=None, same_day=False)


def _patient_free(session: Session, patient_id: int,
                  slots: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The slots that do not overlap the patient's own appointments (with any doctor)."""
    if not slots:
        return []
    busy = merge(
        (s, e) for s, e in session.execute(
            select(Appointment.starts_at, Appointment.ends_at).where(
                Appointment.patient_id == patient_id,
                Appointment.starts_at < slots[-1][1], Appointment.ends_at > slots[0][0],
                Appointment.status.in_(SLOT_HOLDING_STATUSES)))
    )
    keep = set(subtract(slots, busy))
    return [x for x in slots if x in keep]
