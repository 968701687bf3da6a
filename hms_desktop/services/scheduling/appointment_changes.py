"""What every change to an existing appointment shares (moves and visit steps): loading it at
the version the desk saw, reading the record back, and what the desk is told when the database
refuses the change on a schedule constraint."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...models import Appointment
from ..errors import ConflictError, NotFound
from ..unit_of_work import UnitOfWork, UnitsOfWork
from .booking_checks import Clash
from .booking_sql import appointment_query
from .clinic_clock import ClinicClock
from .free_time import slot_taken
from .records import AppointmentRecord, appointment_record

# The PostgreSQL exclusion constraints against double booking (migration 0002), and whose time they guard.
OVERLAP_CONSTRAINTS = {"ex_appointments_doctor_id_overlap": "doctor", "ex_appointments_patient_id_overlap": "patient"}

STALE_MESSAGE = (
    "Someone at another desk changed this appointment meanwhile. Nothing of yours was saved; "
    "the appointment as it is now is shown."
)


def load_record(session: Session, appointment_id: int, zone: ZoneInfo, now: datetime) -> AppointmentRecord:
    row = session.execute(appointment_query().where(Appointment.id == appointment_id)).first()
    if row is None:
        raise NotFound("That appointment does not exist.")
    return appointment_record(row, zone, now)


def load_for_change(
    session: Session, appointment_id: int, expected_version: int | None, zone: ZoneInfo, now: datetime
) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFound("That appointment does not exist.")
    if expected_version is not None and appt.version != expected_version:
        raise ConflictError(STALE_MESSAGE, current=load_record(session, appointment_id, zone, now))
    return appt


def stale(units: UnitsOfWork, clock: ClinicClock, appointment_id: int) -> ConflictError:
    """The refusal of a stale write, with the appointment as it is now (read afresh)."""
    with units.read() as uow:
        session = uow.session
        current = load_record(session, appointment_id, clock.zone(session), clock.now())
    return ConflictError(STALE_MESSAGE, current=current)


def explain_schedule_constraints(
    uow: UnitOfWork, units: UnitsOfWork, clock: ClinicClock, doctor_id: int, patient_id: int, around: datetime
) -> None:
    """What the desk is told when the database refuses this unit on a schedule constraint."""
    for constraint, who in OVERLAP_CONSTRAINTS.items():
        uow.explain_constraint(
            constraint,
            lambda who=who: slot_taken(units, clock, Clash(who, None, None), doctor_id, patient_id, around),
        )
    uow.explain_constraint(
        "uq_appointments_doctor_day_token",
        lambda: ConflictError("Two desks gave out a token at the same moment. Please try again."),
    )
