"""Doctors' availability: weekly templates, leave, blocks and clinic holidays.

Booked appointments are never dropped by a change here: those that no longer fit are returned
(``displaced``) for the desk to rebook.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import Appointment, AvailabilityException, Doctor, ExceptionKind, WeeklySession
from ..errors import NotFound, PermissionDenied, ValidationError
from ..identity import CurrentUser
from ..permissions import Permission
from ..unit_of_work import UnitOfWork
from .booking_checks import check_days, check_reason, hours_refusal
from .booking_sql import appointment_query
from .clinic_clock import ClockedService
from .doctor_calendar import load_calendar
from .records import (
    AppointmentRecord,
    ExceptionChange,
    ExceptionRecord,
    SessionInput,
    TemplateChange,
    WeeklySessionRecord,
    appointment_record,
    exception_record,
    session_record,
)
from .slot_math import MAX_APPOINTMENT, MAX_SLOT_MINUTES, MIN_SLOT_MINUTES, fmt, is_aware, local_day_bounds
from .visit_rules import MOVABLE

_AVAILABILITY = (Permission.AVAILABILITY_EDIT_OWN, Permission.AVAILABILITY_EDIT_ANY)


class AvailabilityService(ClockedService):

    def weekly_template(self, doctor_id: int) -> list[WeeklySessionRecord]:
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return [
                session_record(ws)
                for ws in session.scalars(
                    select(WeeklySession)
                    .where(WeeklySession.doctor_id == doctor_id)
                    .order_by(WeeklySession.weekday, WeeklySession.start_time)
                )
            ]

    def set_weekly_template(self, doctor_id: int, sessions: Sequence[SessionInput]) -> TemplateChange:
        """Replace a doctor's weekly template. Booked appointments are never dropped: those that no
        longer fit are returned in ``displaced`` for the desk to rebook."""
        with self._units.write(any_of=_AVAILABILITY) as uow:
            session = uow.session
            actor, doctor = self._require_availability_edit(uow, doctor_id)
            validated = validate_sessions(sessions)
            old = [
                session_record(ws)
                for ws in session.scalars(select(WeeklySession).where(WeeklySession.doctor_id == doctor_id))
            ]
            session.query(WeeklySession).filter(WeeklySession.doctor_id == doctor_id).delete()
            new_rows = [
                WeeklySession(doctor_id=doctor_id, weekday=s.weekday, start_time=s.start, end_time=s.end,
                              slot_minutes=s.slot_minutes)
                for s in validated
            ]
            session.add_all(new_rows)
            session.flush()
            zone = self._zone(session)
            displaced = self._displaced(session, zone, [doctor_id])
            uow.audit(
                "availability.template_changed", entity_type="doctor", entity_id=doctor_id,
                summary=f"Changed the weekly hours of {doctor.full_name}"
                + (f"; {len(displaced)} appointment(s) to rebook" if displaced else ""),
                changes={"sessions": [[describe_session(s) for s in old], [describe_session(s) for s in validated]]},
            )
            uow.announce("schedule", "availability", doctor_id=doctor_id)
            return TemplateChange(sorted((session_record(ws) for ws in new_rows), key=_session_key), displaced)

    def add_leave(self, doctor_id: int, first_day: date, last_day: date | None = None, reason: str = "") -> ExceptionChange:
        """Whole local days off for one doctor."""
        with self._units.write(any_of=_AVAILABILITY) as uow:
            session = uow.session
            actor, doctor = self._require_availability_edit(uow, doctor_id)
            last_day = last_day or first_day
            reason = check_reason(reason, required=False)
            zone = self._zone(session)
            start, end = _whole_days(first_day, last_day, zone)
            return self._add_exception(
                uow, zone, doctor_id, ExceptionKind.LEAVE, start, end, first_day, last_day, reason,
                f"Leave for {doctor.full_name} {first_day:%d %b %Y}"
                + (f" to {last_day:%d %b %Y}" if last_day != first_day else ""),
            )

    def add_block(self, doctor_id: int, starts_at: datetime, ends_at: datetime, reason: str) -> ExceptionChange:
        """Block a time range for one doctor (a meeting, surgery); a reason is required."""
        with self._units.write(any_of=_AVAILABILITY) as uow:
            session = uow.session
            actor, doctor = self._require_availability_edit(uow, doctor_id)
            reason = check_reason(reason, required=True)
            if not (is_aware(starts_at) and is_aware(ends_at)):
                raise ValidationError({"starts_at": "Give the block's start and end with a time zone."})
            if ends_at <= starts_at:
                raise ValidationError({"ends_at": "The block must end after it starts."})
            if ends_at - starts_at > timedelta(days=366):
                raise ValidationError({"ends_at": "Block at most a year at a time."})
            zone = self._zone(session)
            return self._add_exception(
                uow, zone, doctor_id, ExceptionKind.BLOCKED, starts_at.astimezone(UTC),
                ends_at.astimezone(UTC), None, None, reason,
                f"Blocked {fmt(starts_at, zone)} to {fmt(ends_at, zone)} for {doctor.full_name}",
            )

    def add_clinic_holiday(self, first_day: date, last_day: date | None = None, reason: str = "") -> ExceptionChange:
        """Whole local days the clinic is closed, for every doctor."""
        with self._units.write(Permission.AVAILABILITY_EDIT_ANY) as uow:
            session = uow.session
            last_day = last_day or first_day
            reason = check_reason(reason, required=True)
            zone = self._zone(session)
            start, end = _whole_days(first_day, last_day, zone)
            return self._add_exception(
                uow, zone, None, ExceptionKind.HOLIDAY, start, end, first_day, last_day, reason,
                f"Clinic holiday {first_day:%d %b %Y}" + (f" to {last_day:%d %b %Y}" if last_day != first_day else ""),
            )

    def remove_exception(self, exception_id: int) -> None:
        # Before anything is read, so a stranger learns nothing.
        with self._units.write(any_of=_AVAILABILITY) as uow:
            session = uow.session
            exc = session.get(AvailabilityException, exception_id)
            if exc is None:
                raise NotFound("That leave, block or holiday no longer exists.")
            if exc.doctor_id is None:
                uow.require(Permission.AVAILABILITY_EDIT_ANY)
            else:
                self._require_availability_edit(uow, exc.doctor_id)
            zone = self._zone(session)
            summary = f"Removed {exc.kind} {fmt(exc.starts_at, zone)} to {fmt(exc.ends_at, zone)}"
            session.delete(exc)
            uow.audit(
                "availability.exception_removed", entity_type="doctor" if exc.doctor_id else "clinic",
                entity_id=exc.doctor_id or "", summary=summary,
            )
            uow.announce("schedule", "availability", doctor_id=exc.doctor_id)

    def exceptions(self, doctor_id: int | None, first_day: date, last_day: date) -> list[ExceptionRecord]:
        """Leave and blocks of ``doctor_id`` (None: none) plus clinic holidays touching those days."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            start, _ = local_day_bounds(first_day, zone)
            _, end = local_day_bounds(last_day, zone)
            owner = AvailabilityException.doctor_id.is_(None)
            if doctor_id is not None:
                owner = or_(owner, AvailabilityException.doctor_id == doctor_id)
            rows = session.scalars(
                select(AvailabilityException)
                .where(owner, AvailabilityException.ends_at > start, AvailabilityException.starts_at < end)
                .order_by(AvailabilityException.starts_at)
            )
            return [exception_record(x) for x in rows]

    def displaced_appointments(self, doctor_id: int) -> list[AppointmentRecord]:
        """Upcoming booked appointments that fall outside the doctor's availability (to rebook)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return self._displaced(session, self._zone(session), [doctor_id])

    def _add_exception(
        self, uow: UnitOfWork, zone: ZoneInfo, doctor_id: int | None, kind: ExceptionKind,
        start: datetime, end: datetime, first_day: date | None, last_day: date | None, reason: str, summary: str,
    ) -> ExceptionChange:
        session = uow.session
        exc = AvailabilityException(
            doctor_id=doctor_id, kind=kind.value, starts_at=start, ends_at=end, first_day=first_day,
            last_day=last_day, reason=reason, created_by_id=uow.actor.id,
        )
        session.add(exc)
        session.flush()
        if doctor_id is None:
            doctor_ids = list(
                session.scalars(
                    select(Appointment.doctor_id).distinct().where(
                        Appointment.starts_at >= start - MAX_APPOINTMENT, Appointment.starts_at < end,
                        Appointment.status.in_(MOVABLE),
                    )
                )
            )
        else:
            doctor_ids = [doctor_id]
        displaced = self._displaced(session, zone, doctor_ids, window=(start, end)) if doctor_ids else []
        uow.audit(
            f"availability.{kind.value}_added", entity_type="doctor" if doctor_id else "clinic",
            entity_id=doctor_id or "",
            summary=summary + (f": {reason}" if reason else "")
            + (f"; {len(displaced)} appointment(s) to rebook" if displaced else ""),
        )
        uow.announce("schedule", "availability", doctor_id=doctor_id, day=first_day)
        return ExceptionChange(exception_record(exc), displaced)

    def _displaced(
        self, session: Session, zone: ZoneInfo, doctor_ids: Sequence[int], window: tuple[datetime, datetime] | None = None,
    ) -> list[AppointmentRecord]:
        now = self._now()
        start = max(now, window[0] - MAX_APPOINTMENT) if window else now
        end = window[1] if window else now + timedelta(days=3 * 366)
        rows = session.execute(
            appointment_query()
            .where(
                Appointment.doctor_id.in_(doctor_ids), Appointment.starts_at >= start, Appointment.starts_at < end,
                Appointment.status.in_(MOVABLE),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        if not rows:
            return []
        cal = load_calendar(session, zone, doctor_ids, rows[0].starts_at, rows[-1].ends_at)
        out = []
        for row in rows:
            doctor = _CalendarDoctor(row.doctor_id, row.doctor_name)
            if hours_refusal(cal, doctor, row.starts_at, row.ends_at, row.local_day) is not None:
                out.append(appointment_record(row, zone, now))
        return out

    def _require_availability_edit(self, uow: UnitOfWork, doctor_id: int) -> tuple[CurrentUser, Doctor]:
        """A doctor edits their own availability; an administrator edits anyone's."""
        user = uow.actor
        doctor = uow.session.get(Doctor, doctor_id)
        if doctor is None:
            raise NotFound("That doctor does not exist.")
        if user.can(Permission.AVAILABILITY_EDIT_ANY):
            return user, doctor
        if user.can(Permission.AVAILABILITY_EDIT_OWN):
            if user.id is not None and doctor.staff_account_id == user.id:
                return user, doctor
            raise PermissionDenied("You can change only your own hours and leave, not another doctor's.")
        return uow.require(Permission.AVAILABILITY_EDIT_ANY), doctor

    # --- free slots --------------------------------------------------------------------------

def _whole_days(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants from the start of ``first_day`` to the end of ``last_day`` (checked first)."""
    check_days(first_day, last_day)
    start, _ = local_day_bounds(first_day, zone)
    _, end = local_day_bounds(last_day, zone)
    return start, end


class _CalendarDoctor:
    """The two things hours_refusal asks of a doctor, from an appointment row."""

    __slots__ = ("full_name", "id")

    def __init__(self, doctor_id: int, full_name: str) -> None:
        self.id = doctor_id
        self.full_name = full_name


def validate_sessions(sessions: Sequence[SessionInput]) -> list[SessionInput]:
    errors: dict[str, str] = {}
    by_day: dict[int, list[SessionInput]] = defaultdict(list)
    for i, s in enumerate(sessions):
        key = f"sessions[{i}]"
        if not isinstance(s.weekday, int) or not 0 <= s.weekday <= 6:
            errors[key] = "Choose a weekday from Monday to Sunday."
            continue
        if not isinstance(s.slot_minutes, int) or not MIN_SLOT_MINUTES <= s.slot_minutes <= MAX_SLOT_MINUTES:
            errors[key] = f"A slot lasts {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes."
            continue
        if s.end <= s.start:
            errors[key] = f"The session {s.start:%H:%M}-{s.end:%H:%M} must end after it starts."
            continue
        length = (s.end.hour * 60 + s.end.minute) - (s.start.hour * 60 + s.start.minute)
        if length < s.slot_minutes:
            errors[key] = f"The session {s.start:%H:%M}-{s.end:%H:%M} is shorter than one {s.slot_minutes}-minute slot."
            continue
        by_day[s.weekday].append(s)
    for weekday, items in by_day.items():
        items.sort(key=lambda x: x.start)
        for a, b in zip(items, items[1:], strict=False):
            if b.start < a.end:
                errors[f"weekday[{weekday}]"] = (
                    f"On {_WEEKDAYS[weekday]} the sessions {a.start:%H:%M}-{a.end:%H:%M} and "
                    f"{b.start:%H:%M}-{b.end:%H:%M} overlap."
                )
    if errors:
        raise ValidationError(errors)
    return sorted((SessionInput(s.weekday, s.start.replace(second=0, microsecond=0),
                                s.end.replace(second=0, microsecond=0), s.slot_minutes) for s in sessions),
                  key=lambda x: (x.weekday, x.start))


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def describe_session(s: WeeklySessionRecord | SessionInput) -> str:
    return f"{_WEEKDAYS[s.weekday][:3]} {s.start:%H:%M}-{s.end:%H:%M}/{s.slot_minutes}min"


def _session_key(s: WeeklySessionRecord) -> tuple[int, time]:
    return (s.weekday, s.start)
