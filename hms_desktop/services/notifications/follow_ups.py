"""The patient's "time for your follow-up" message, queued by the dispatcher on each round.

When a visit's follow-up date comes (in the clinic's zone; or within a week after, for a clinic
whose desks were all closed), the patient is written to by each channel they accept, unless a
follow-up appointment with that doctor is already booked. One message per visit and date (the
dedupe key holds both), so however many dispatchers look, it is queued once; a date the doctor
changes gets its own message on its own day, and compose.py drops the old one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Integer, exists, literal, select
from sqlalchemy.orm import Session

from ...models import Appointment, AppointmentStatus, OutboxEntry, Patient, UTCDateTime, Visit
from ..settings import clinic_zone
from ..unit_of_work import OutboxMessage, UnitOfWork
from . import messages
from .consent import accepts

LOOKBACK = timedelta(days=7)  # the bell's lookback too (bell.FOLLOW_UP_LOOKBACK)
S = AppointmentStatus
# An appointment in one of these counts as the follow-up: booked, on, or already seen.
FOLLOW_UP_STATUSES = (S.REQUESTED.value, S.CONFIRMED.value, S.CHECKED_IN.value, S.WITH_DOCTOR.value,
                      S.COMPLETED.value)


def follow_up_key(visit_id: int, due: date, channel: str) -> str:
    return f"{messages.FOLLOW_UP}:{visit_id}:{due.isoformat()}:{channel}"


def booked_conditions(visit_patient, visit_doctor, visit_appointment, visit_started):  # noqa: ANN001, ANN201 - columns
    """The one rule for "a follow-up is booked": the patient has an appointment with the visit's
    doctor after the visit (other than the visit's own), booked, on or already seen. The
    conditions on Appointment, for an ``exists`` here or the appointment itself (the visit's
    "Book follow-up" offer, scheduling/follow_up.py)."""
    return (
        Appointment.patient_id == visit_patient, Appointment.doctor_id == visit_doctor,
        Appointment.status.in_(FOLLOW_UP_STATUSES), Appointment.starts_at > visit_started,
        (Appointment.id != visit_appointment) | visit_appointment.is_(None),
    )


def _booked_clause(visit_patient, visit_doctor, visit_appointment, visit_started):  # noqa: ANN001, ANN202 - columns
    return exists().where(*booked_conditions(visit_patient, visit_doctor, visit_appointment, visit_started))


def follow_up_booked(session: Session, visit: Visit) -> bool:
    """Whether a follow-up is booked for this visit (the same rule as the queue's, for one visit)."""
    return bool(session.scalar(select(_booked_clause(
        literal(visit.patient_id, Integer), literal(visit.doctor_id, Integer),
        literal(visit.appointment_id, Integer), literal(visit.started_at, UTCDateTime)))))


def queue_due_follow_ups(uow: UnitOfWork, now: datetime, sms_on: bool) -> int:
    """Queue the follow-up messages due by ``now`` not queued yet; how many rows were queued."""
    session = uow.session
    today = now.astimezone(clinic_zone(session)).date()
    rows = session.execute(
        select(Visit.id, Visit.follow_up_on, Patient.message_channels)
        .join(Patient, Patient.id == Visit.patient_id)
        .where(Visit.follow_up_on <= today, Visit.follow_up_on >= today - LOOKBACK,
               ~_booked_clause(Visit.patient_id, Visit.doctor_id, Visit.appointment_id, Visit.started_at))
    ).all()
    wanted: dict[str, tuple[int, date, str]] = {}
    for visit_id, due, channels in rows:
        for channel in (messages.EMAIL, messages.SMS):
            if accepts(channels, channel) and (channel == messages.EMAIL or sms_on):
                wanted[follow_up_key(visit_id, due, channel)] = (visit_id, due, channel)
    if not wanted:
        return 0
    have = set(session.scalars(select(OutboxEntry.dedupe_key).where(OutboxEntry.dedupe_key.in_(list(wanted)))))
    queued = 0
    for key, (visit_id, due, channel) in wanted.items():
        if key in have:
            continue
        uow.enqueue(OutboxMessage(event=messages.FOLLOW_UP, channel=channel, entity_type="visit", entity_id=visit_id,
                                  payload={"follow_up_on": due.isoformat()}, dedupe_key=key, not_before=now))
        queued += 1
    return queued
