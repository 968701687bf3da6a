"""Availability, appointments, their history and walk-in tokens.

Every instant is stored in UTC (UTCDateTime); dates and weekdays are the clinic's local ones.

No double booking: on PostgreSQL two exclusion constraints (created in migration 0002, not declared
here because SQLAlchemy cannot express them portably) refuse overlapping slot-holding appointments
for the same doctor and for the same patient. On SQLite the service checks under BEGIN IMMEDIATE.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AppointmentStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    WITH_DOCTOR = "with_doctor"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {"checked_in": "Checked in", "with_doctor": "With doctor", "no_show": "No-show"}.get(
            self.value, self.value.capitalize()
        )


# Statuses that occupy the doctor's (and the patient's) time. Cancelled, rejected and no-show free it.
# The PostgreSQL exclusion constraints in migration 0002 list exactly these; keep them in step.
SLOT_HOLDING_STATUSES: tuple[str, ...] = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.WITH_DOCTOR,
    AppointmentStatus.COMPLETED,
)


class AppointmentKind(StrEnum):
    SCHEDULED = "scheduled"
    WALK_IN = "walk_in"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return {"walk_in": "Walk-in", "follow_up": "Follow-up"}.get(self.value, self.value.capitalize())


class ExceptionKind(StrEnum):
    LEAVE = "leave"  # whole local days off for one doctor
    BLOCKED = "blocked"  # a time range blocked for one doctor (meeting, surgery)
    HOLIDAY = "holiday"  # whole local days the clinic is closed (doctor_id is NULL)


class WeeklySession(Base):
    """One session of a doctor's weekly template: e.g. Monday 09:00-12:30 in 15-minute slots."""

    __tablename__ = "availability_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday ... 6 = Sunday (date.weekday())
    start_time: Mapped[time] = mapped_column(Time)  # clinic-local wall-clock time
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_availability_sessions_doctor_weekday", "doctor_id", "weekday"),
        Index("ix_availability_sessions_weekday", "weekday"),
    )


class AvailabilityException(Base):
    """Leave, a blocked range or a clinic holiday: time taken out of the weekly template."""

    __tablename__ = "availability_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL for a clinic holiday, which applies to every doctor.
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # For leave and holidays, the local days as entered (the instants above are derived from them).
    first_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_availability_exceptions_doctor_ends", "doctor_id", "ends_at"),
        CheckConstraint("ends_at > starts_at", name="range"),
    )


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The clinic-local date of starts_at: walk-in tokens count per doctor per local day.
    local_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
    # Queue number for the day, handed out by the database on arrival (walk-in or check-in).
    token: Mapped[int | None] = mapped_column(Integer, nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # "patient" or "clinic" when cancelled; the reason for cancelling, rejecting, rescheduling.
    cancelled_by: Mapped[str] = mapped_column(String(16), default="")
    status_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # A doctor's day, a multi-doctor day view, overlap checks and free slots: a range on starts_at
        # within one doctor. ends_at and status are included so slot scans need not visit the table.
        Index("ix_appointments_doctor_start", "doctor_id", "starts_at", "ends_at", "status"),
        # A patient's overlap check and appointment history.
        Index("ix_appointments_patient_start", "patient_id", "starts_at"),
        # The reports and the dashboard: counts by the clinic's day, doctor and status from the index alone.
        # On SQLite three expression indexes (hx_, made by hand in migration 0017_repfast) hold the minutes
        # waited and booked.
        Index("ix_appointments_day_doctor_status", "local_day", "doctor_id", "status", "kind"),
        # "Was this patient seen in the period": one probe per patient (the patient reports).
        Index("ix_appointments_patient_day", "patient_id", "local_day", "status", "doctor_id"),
        # No two patients hold the same token with one doctor on one day (NULLs do not collide).
        UniqueConstraint("doctor_id", "local_day", "token", name="uq_appointments_doctor_day_token"),
        CheckConstraint("ends_at > starts_at", name="range"),
    )


class AppointmentEvent(Base):
    """The history of one appointment: every status change and every move, who and when."""

    __tablename__ = "appointment_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(32))  # booked, status, rescheduled, walk_in
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    old_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (Index("ix_appointment_events_appointment_id", "appointment_id", "id"),)


class DailyToken(Base):
    """The last queue token handed out per doctor per local day; bumped with an atomic upsert."""

    __tablename__ = "daily_tokens"

    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_token: Mapped[int] = mapped_column(Integer)


class WaitingEntry(Base):
    """A patient waiting for an earlier or any time with a doctor (or any doctor of a specialty),
    within a range of days and a part of the day. When an appointment that matches is cancelled,
    rejected or moved away, the receptionists' bell says so (services/scheduling/freed_slots.py).
    Removed entries are kept (``removed_at``) so the list's history stays readable; an entry a
    booking satisfied names its appointment (``booked_appointment_id``)."""

    __tablename__ = "waiting_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("doctors.id"), nullable=True)
    specialty_id: Mapped[int | None] = mapped_column(ForeignKey("specialties.id"), nullable=True)
    earliest: Mapped[date] = mapped_column(Date)
    latest: Mapped[date | None] = mapped_column(Date, nullable=True)  # None: any day from ``earliest``
    part_of_day: Mapped[str] = mapped_column(String(16), default="any")  # any, morning, afternoon, evening
    note: Mapped[str] = mapped_column(String(500), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    added_by_name: Mapped[str] = mapped_column(String(64), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Closed because the patient was booked (the booking closes it in its own unit of work).
    booked_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True)

    __table_args__ = (
        CheckConstraint("doctor_id IS NOT NULL OR specialty_id IS NOT NULL", name="doctor_or_specialty"),
        Index("ix_waiting_list_doctor_id", "doctor_id", "removed_at"),
        Index("ix_waiting_list_specialty_id", "specialty_id", "removed_at"),
        # A booking closes the patient's open entries (waiting_list.close_booked).
        Index("ix_waiting_list_patient_id", "patient_id", "removed_at"),
    )
