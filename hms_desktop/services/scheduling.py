"""The scheduler: availability, free slots, booking, walk-ins, the visit workflow and day lists.

Times: every instant is stored and returned in UTC; each record also carries the clinic-local
times for display. Slots are laid out from each doctor's weekly template in the clinic's time zone
(a clinic setting) and stepped in real elapsed time, so on a daylight-saving day a 09:00-12:00
session still yields the right instants, the missing spring-forward hour yields no slots and the
repeated fall-back hour yields both sets of slots, none overlapping.

No double booking: the same doctor, and the same patient, never hold two overlapping slot-holding
appointments. PostgreSQL refuses them with exclusion constraints (migration 0002); SQLite takes the
write lock up front (BEGIN IMMEDIATE) and the overlap check below runs under it. Whichever desk
loses gets ``SlotTaken`` (a ConflictError) carrying the next free slots.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    Time,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from ..models import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentKind,
    AppointmentStatus,
    AuditEntry,
    AvailabilityException,
    ClinicSetting,
    DailyToken,
    Doctor,
    DoctorSpecialty,
    ExceptionKind,
    Patient,
    UTCDateTime,
    WeeklySession,
    utcnow,
)
from .audit import audit_values
from .change_feed import ChangeFeed, open_change_feed
from .doctors import not_bookable_reason
from .errors import ConflictError, Contention, NotFound, PermissionDenied, ValidationError
from .identity import CurrentUser
from .permissions import Permission
from .settings import ClinicSettings, is_valid_time_zone
from .text import fold, has_control_characters
from .unit_of_work import UnitOfWork, UnitsOfWork, retry_on_contention

S = AppointmentStatus
MAX_APPOINTMENT = timedelta(hours=4)  # also bounds the overlap queries' index range
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 240
SEARCH_HORIZON_DAYS = 180  # "next available" looks this far ahead
SUGGESTIONS = 5
ZONE_CACHE_SECONDS = 5.0
# Statuses in which an appointment can still be moved, and in which it counts as "to be rebooked".
MOVABLE = (S.REQUESTED, S.CONFIRMED)

# Which status may follow which. Anything not listed is refused.
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.REQUESTED: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW, S.REJECTED}),
    S.CHECKED_IN: frozenset({S.WITH_DOCTOR, S.CANCELLED}),
    S.WITH_DOCTOR: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.NO_SHOW: frozenset(),
}

# Who may ask for each status at all (the finer "own patients" rule is checked once the doctor is known).
_MANAGE = (Permission.VISIT_MANAGE_ANY, Permission.VISIT_MANAGE_OWN)
_STATUS_PERMISSIONS: dict[AppointmentStatus, tuple[Permission, ...]] = {
    S.REQUESTED: (Permission.SCHEDULE_BOOK,),
    S.CONFIRMED: (Permission.SCHEDULE_BOOK, *_MANAGE),
    S.CHECKED_IN: (Permission.VISIT_CHECK_IN,),
    S.WITH_DOCTOR: _MANAGE,
    S.COMPLETED: _MANAGE,
    S.REJECTED: _MANAGE,
    S.CANCELLED: (Permission.SCHEDULE_BOOK,),
    S.NO_SHOW: (Permission.SCHEDULE_BOOK,),
}
_AVAILABILITY = (Permission.AVAILABILITY_EDIT_OWN, Permission.AVAILABILITY_EDIT_ANY)
# The PostgreSQL exclusion constraints against double booking (migration 0002), and whose time they guard.
_OVERLAP_CONSTRAINTS = {"ex_appointments_doctor_id_overlap": "doctor", "ex_appointments_patient_id_overlap": "patient"}

_REFUSALS = {
    S.COMPLETED: "This visit is already completed; it cannot change any more.",
    S.CANCELLED: "This appointment was cancelled; book a new one instead.",
    S.REJECTED: "The doctor rejected this appointment; book a new one instead.",
    S.NO_SHOW: "The patient was marked as a no-show; book a new appointment instead.",
}


# --- what callers hand in and get back -------------------------------------------------------


@dataclass(frozen=True)
class SessionInput:
    """One session of a weekly template: ``weekday`` 0 = Monday; local wall-clock times."""

    weekday: int
    start: time
    end: time
    slot_minutes: int = 15


@dataclass(frozen=True)
class WeeklySessionRecord:
    id: int
    doctor_id: int
    weekday: int
    start: time
    end: time
    slot_minutes: int


@dataclass(frozen=True)
class Slot:
    """A bookable stretch of one doctor's time. ``starts_at``/``ends_at`` are UTC; ``local_*`` are the
    same instants in the clinic's zone, for display."""

    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    doctor_name: str = ""
    location: str = ""

    @property
    def day(self) -> date:
        return self.local_start.date()

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class ExceptionRecord:
    id: int
    doctor_id: int | None  # None: a clinic holiday
    kind: str
    starts_at: datetime
    ends_at: datetime
    first_day: date | None
    last_day: date | None
    reason: str


@dataclass(frozen=True)
class AppointmentRecord:
    id: int
    patient_id: int
    patient_name: str
    patient_mrn: str
    doctor_id: int
    doctor_name: str
    location: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    local_day: date
    status: str
    kind: str
    reason: str
    token: int | None
    arrived_at: datetime | None
    called_at: datetime | None
    completed_at: datetime | None
    cancelled_by: str
    status_reason: str
    version: int
    # Minutes waited: since arrival while checked in; from arrival to being called afterwards.
    waiting_minutes: int | None = None

    @property
    def status_label(self) -> str:
        return AppointmentStatus(self.status).label

    @property
    def kind_label(self) -> str:
        return AppointmentKind(self.kind).label


@dataclass(frozen=True)
class AppointmentEventRecord:
    id: int
    at: datetime
    actor_name: str
    action: str
    from_status: str
    to_status: str
    old_starts_at: datetime | None
    old_ends_at: datetime | None
    new_starts_at: datetime | None
    new_ends_at: datetime | None
    reason: str


@dataclass(frozen=True)
class TemplateChange:
    sessions: list[WeeklySessionRecord]
    # Booked appointments that no longer fit the doctor's availability: kept, listed for rebooking.
    displaced: list[AppointmentRecord]


@dataclass(frozen=True)
class ExceptionChange:
    exception: ExceptionRecord
    displaced: list[AppointmentRecord]


@dataclass(frozen=True)
class WalkIn:
    appointment: AppointmentRecord
    token: int
    estimated_wait_minutes: int
    patients_ahead: int


@dataclass(frozen=True)
class DoctorDay:
    """One doctor's column in the scheduler's day view."""

    doctor_id: int
    doctor_name: str
    location: str
    bookable: bool
    day: date
    sessions: list[tuple[datetime, datetime]]  # local (start, end) of each template session that day
    appointments: list[AppointmentRecord]
    free_slots: list[Slot]
    exceptions: list[ExceptionRecord]
    slot_minutes: list[int] = field(default_factory=list)  # each session's slot length, as ``sessions``


class SlotTaken(ConflictError):
    """The time is no longer free (another desk got there first, or the patient is busy then).

    ``suggestions`` holds the next free slots for the same doctor, to offer instead; ``clash`` says
    whose time overlapped: "doctor" or "patient".
    """

    title = "Slot taken"

    def __init__(self, message: str, suggestions: Sequence[Slot] = (), clash: str = "doctor") -> None:
        super().__init__(message)
        self.suggestions = list(suggestions)
        self.clash = clash


# --- pure helpers: laying out slots -----------------------------------------------------------


def local_day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local ``day`` begins and ends (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def session_bounds(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A session's UTC instants on ``day``. A wall time in the spring-forward gap means the same
    clock reading just after the jump (02:30 -> 03:30); a repeated wall time means its first occurrence."""
    return (
        datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
    )


def session_slots(
    day: date, start: time, end: time, slot_minutes: int, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """Slots of one session on one local day, as UTC (start, end), stepped in elapsed time."""
    begin, finish = session_bounds(day, start, end, zone)
    step = timedelta(minutes=slot_minutes)
    slots = []
    t = begin
    while t + step <= finish:
        slots.append((t, t + step))
        t += step
    return slots


def _merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _subtract(
    slots: list[tuple[datetime, datetime]], busy: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """Slots that overlap none of ``busy`` (merged, sorted, disjoint). Both lists sorted by start."""
    free = []
    ends = [b[1] for b in busy]
    for s, e in slots:
        i = bisect.bisect_right(ends, s)  # first busy interval ending after s
        if i < len(busy) and busy[i][0] < e:
            continue
        free.append((s, e))
    return free


def _fmt(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M}"


def _is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


# --- the data one computation needs, loaded with three index range scans ---------------------


@dataclass
class _Calendar:
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
        return _subtract(slots, self.busy.get(doctor_id, []))


def _load_calendar(
    session: Session,
    zone: ZoneInfo,
    doctor_ids: Sequence[int],
    start: datetime,
    end: datetime,
    *,
    exclude_appointment: int | None = None,
    with_appointments: bool = True,
) -> _Calendar:
    """Sessions, exceptions and (unless ``with_appointments`` is False: the booking path checks
    clashes itself) slot-holding appointments of the doctors between two instants."""
    cal = _Calendar(zone=zone)
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
        cal.busy[doctor_id] = _merge(busy.get(doctor_id, []) + own + holidays)
    return cal


# --- the service -----------------------------------------------------------------------------


class SchedulingService:
    def __init__(self, units: UnitsOfWork, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._units = units
        self._is_sqlite = units.db.is_sqlite
        # Tests (and a demo mode) may set their own clock; it must return an aware datetime.
        self.clock = clock
        self._zone_cache: tuple[float, ZoneInfo] | None = None

    # --- time zone ---------------------------------------------------------------------------

    def time_zone(self) -> ZoneInfo:
        with self._units.read(anonymous=True) as uow:
            return self._zone(uow.session)

    def _zone(self, session: Session) -> ZoneInfo:
        # Read at most every few seconds: it is on every booking's path, and a clinic changes its
        # time zone about never (another desk's change is picked up within ZONE_CACHE_SECONDS).
        cached = self._zone_cache
        if cached is not None and monotonic() - cached[0] < ZONE_CACHE_SECONDS:
            return cached[1]
        row = session.get(ClinicSetting, "time_zone")
        name = row.value if row is not None and isinstance(row.value, str) else ClinicSettings.time_zone
        zone = ZoneInfo(name if is_valid_time_zone(name) else ClinicSettings.time_zone)
        self._zone_cache = (monotonic(), zone)
        return zone

    def _now(self) -> datetime:
        now = self.clock()
        return now.astimezone(UTC)

    def today(self) -> date:
        """Today's date in the clinic's time zone."""
        return self._now().astimezone(self.time_zone()).date()

    # --- weekly templates and exceptions -----------------------------------------------------

    def weekly_template(self, doctor_id: int) -> list[WeeklySessionRecord]:
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return [
                _session_record(ws)
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
            validated = _validate_sessions(sessions)
            old = [
                _session_record(ws)
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
                changes={"sessions": [[_describe_session(s) for s in old], [_describe_session(s) for s in validated]]},
            )
            uow.announce("schedule", "availability", doctor_id=doctor_id)
            return TemplateChange(sorted((_session_record(ws) for ws in new_rows), key=_session_key), displaced)

    def add_leave(self, doctor_id: int, first_day: date, last_day: date | None = None, reason: str = "") -> ExceptionChange:
        """Whole local days off for one doctor."""
        with self._units.write(any_of=_AVAILABILITY) as uow:
            session = uow.session
            actor, doctor = self._require_availability_edit(uow, doctor_id)
            last_day = last_day or first_day
            reason = _check_reason(reason, required=False)
            _check_days(first_day, last_day)
            zone = self._zone(session)
            start, _ = local_day_bounds(first_day, zone)
            _, end = local_day_bounds(last_day, zone)
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
            reason = _check_reason(reason, required=True)
            if not (_is_aware(starts_at) and _is_aware(ends_at)):
                raise ValidationError({"starts_at": "Give the block's start and end with a time zone."})
            if ends_at <= starts_at:
                raise ValidationError({"ends_at": "The block must end after it starts."})
            if ends_at - starts_at > timedelta(days=366):
                raise ValidationError({"ends_at": "Block at most a year at a time."})
            zone = self._zone(session)
            return self._add_exception(
                uow, zone, doctor_id, ExceptionKind.BLOCKED, starts_at.astimezone(UTC),
                ends_at.astimezone(UTC), None, None, reason,
                f"Blocked {_fmt(starts_at, zone)} to {_fmt(ends_at, zone)} for {doctor.full_name}",
            )

    def add_clinic_holiday(self, first_day: date, last_day: date | None = None, reason: str = "") -> ExceptionChange:
        """Whole local days the clinic is closed, for every doctor."""
        with self._units.write(Permission.AVAILABILITY_EDIT_ANY) as uow:
            session = uow.session
            last_day = last_day or first_day
            reason = _check_reason(reason, required=True)
            _check_days(first_day, last_day)
            zone = self._zone(session)
            start, _ = local_day_bounds(first_day, zone)
            _, end = local_day_bounds(last_day, zone)
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
            summary = f"Removed {exc.kind} {_fmt(exc.starts_at, zone)} to {_fmt(exc.ends_at, zone)}"
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
            return [_exception_record(x) for x in rows]

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
        return ExceptionChange(_exception_record(exc), displaced)

    def _displaced(
        self, session: Session, zone: ZoneInfo, doctor_ids: Sequence[int], window: tuple[datetime, datetime] | None = None,
    ) -> list[AppointmentRecord]:
        now = self._now()
        start = max(now, window[0] - MAX_APPOINTMENT) if window else now
        end = window[1] if window else now + timedelta(days=3 * 366)
        rows = session.execute(
            _appointment_query()
            .where(
                Appointment.doctor_id.in_(doctor_ids), Appointment.starts_at >= start, Appointment.starts_at < end,
                Appointment.status.in_(MOVABLE),
            )
            .order_by(Appointment.starts_at, Appointment.id)
        ).all()
        if not rows:
            return []
        cal = _load_calendar(session, zone, doctor_ids, rows[0].starts_at, rows[-1].ends_at)
        out = []
        for row in rows:
            if not _fits_availability(cal, row.doctor_id, row.starts_at, row.ends_at, row.local_day):
                out.append(_appointment_record(row, zone, now))
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

    def free_slots(self, doctor_id: int, day: date, *, include_past: bool = False) -> list[Slot]:
        """The doctor's free slots on a local day: template sessions minus bookings, leave, blocks and
        holidays (and, unless ``include_past``, minus slots that have already begun)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            doctor = session.get(Doctor, doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            start, end = local_day_bounds(day, zone)
            cal = _load_calendar(session, zone, [doctor_id], start, end)
            return [
                _slot(doctor, s, e, zone)
                for s, e in cal.free(doctor_id, day, None if include_past else self._now())
            ]

    def next_available(self, doctor_id: int, *, after: datetime | None = None, count: int = 1) -> list[Slot]:
        """The doctor's next ``count`` free slots from ``after`` (default now). Empty if the doctor cannot
        be booked or has nothing free within the search horizon."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            doctor = session.get(Doctor, doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            if not_bookable_reason(doctor):
                return []
            return self._next_free(session, self._zone(session), {doctor.id: doctor}, after, count)

    def next_available_for_specialty(
        self, specialty_id: int, *, after: datetime | None = None, count: int = 5, location: str = ""
    ) -> list[Slot]:
        """The earliest free slots with any bookable doctor of the specialty, earliest first."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            stmt = select(Doctor).where(
                Doctor.active.is_(True), Doctor.verified.is_(True),
                Doctor.id.in_(select(DoctorSpecialty.doctor_id).where(DoctorSpecialty.specialty_id == specialty_id)),
            )
            if location.strip():
                stmt = stmt.where(Doctor.location_key.contains(fold(location.strip()), autoescape=True))
            doctors = {d.id: d for d in session.scalars(stmt)}
            if not doctors:
                return []
            return self._next_free(session, self._zone(session), doctors, after, count)

    def _next_free(
        self, session: Session, zone: ZoneInfo, doctors: dict[int, Doctor], after: datetime | None, count: int,
    ) -> list[Slot]:
        now = self._now()
        not_before = max(now, after.astimezone(UTC)) if after is not None and _is_aware(after) else now
        first_day = not_before.astimezone(zone).date()
        found: list[tuple[datetime, int, datetime]] = []
        # Look a day ahead first (the common answer), then widen; each window is three range scans.
        offset = 0
        for span in (1, 6, 23, 60, SEARCH_HORIZON_DAYS - 90):
            days = [first_day + timedelta(days=offset + i) for i in range(span)]
            offset += span
            start, _ = local_day_bounds(days[0], zone)
            _, end = local_day_bounds(days[-1], zone)
            cal = _load_calendar(session, zone, list(doctors), start, end)
            for day in days:
                for doctor_id in doctors:
                    for s, e in cal.free(doctor_id, day, not_before):
                        found.append((s, doctor_id, e))
                if len(found) >= count:
                    break
            if len(found) >= count:
                break
        found.sort()
        return [_slot(doctors[d], s, e, zone) for s, d, e in found[:count]]

    # --- booking -----------------------------------------------------------------------------

    @retry_on_contention
    def book(
        self,
        patient_id: int,
        doctor_id: int,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        reason: str = "",
        kind: str = AppointmentKind.SCHEDULED,
        confirmed: bool = True,
    ) -> AppointmentRecord:
        """Book a patient into the doctor's free time. Without ``ends_at`` the appointment lasts one
        slot of the session it starts in. ``confirmed=False`` records a request the doctor confirms.

        Raises SlotTaken (with ``suggestions``) if the doctor or the patient is busy then.
        """
        now = self._now()
        start = starts_at.astimezone(UTC) if _is_aware(starts_at) else starts_at
        end: datetime | None = None
        # The hot path of the busiest write: Core statements built once, run on the unit of work's
        # connection (no ORM objects, no flush), one read for everything the checks need.
        try:
            with self._units.write(Permission.SCHEDULE_BOOK) as uow:
                reason = _check_reason(reason, required=False, limit=500)
                if kind not in (AppointmentKind.SCHEDULED, AppointmentKind.FOLLOW_UP):
                    raise ValidationError({"kind": "Choose scheduled or follow-up (walk-ins are added to the queue)."})
                self._check_times(starts_at, ends_at)
                # On SQLite this is BEGIN IMMEDIATE: the lock comes first. On PostgreSQL the insert
                # below queues behind other desks for this doctor and patient (_booking_insert_statement).
                conn = uow.connection
                zone = self._zone(uow.session)
                local_day = start.astimezone(zone).date()
                ctx = _read_booking_context(
                    conn, zone, doctor_id, patient_id, local_day.weekday(), start,
                    ends_at.astimezone(UTC) if ends_at is not None else start + MAX_APPOINTMENT,
                )
                doctor, patient, cal = ctx.doctor, ctx.patient, ctx.calendar
                end = ends_at.astimezone(UTC) if ends_at is not None else _slot_end(cal, doctor, start, zone)
                self._check_window(start, end, now, zone)
                self._check_fits(cal, doctor, start, end, local_day, zone)
                if self._is_sqlite:
                    # SQLite has no exclusion constraint: this check, under the write lock taken above,
                    # is what refuses the overlap. PostgreSQL's exclusion constraints refuse it on the
                    # insert below (also against bookings not yet committed); the clash is looked up
                    # for the message only then, so a booking that fits costs no extra query.
                    _raise_first_clash(conn, doctor_id, patient_id, start, end)
                clash_window = (start, end)
                for constraint, who in _OVERLAP_CONSTRAINTS.items():
                    uow.explain_constraint(constraint, lambda who=who: self._slot_taken(
                        self._clash_after(who, doctor_id, patient_id, *clash_window), doctor_id, patient_id, starts_at))
                status = S.CONFIRMED if confirmed else S.REQUESTED
                values = _BookingValues(
                    patient_id=patient_id, doctor_id=doctor_id, starts_at=start, ends_at=end, local_day=local_day,
                    status=status.value, kind=str(kind), reason=reason, actor=uow.actor, at=self._now(),
                    written_at=utcnow(),
                    audit=uow.audit_values(
                        "appointment.booked", entity_type="appointment",
                        summary=f"Booked {_patient_name(patient)} ({patient.mrn}) with {doctor.full_name} "
                        f"at {_fmt(start, zone)}",
                    ),
                )
                appointment_id = _insert_booking(conn, values)
                uow.announce("schedule", "booked", doctor_id=doctor_id, day=local_day, appointment_id=appointment_id)
                return _booked_record(appointment_id, values, patient, doctor, zone)
        except _Clash as clash:
            raise self._slot_taken(clash, doctor_id, patient_id, starts_at) from None

    def _clash_after(self, kind: str, doctor_id: int, patient_id: int, start: datetime, end: datetime) -> _Clash:
        """After the database refused an overlap: the appointment it clashed with, if it is still there."""
        with self._units.read() as uow:
            try:
                _raise_first_clash(uow.connection, doctor_id, patient_id, start, end)
            except _Clash as clash:
                return clash
        return _Clash(kind, None, None)

    @retry_on_contention
    def reschedule(
        self,
        appointment_id: int,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        doctor_id: int | None = None,
        reason: str = "",
        expected_version: int | None = None,
    ) -> AppointmentRecord:
        """Move a requested or confirmed appointment to a new free time (and optionally doctor).
        Without ``ends_at`` it keeps its length. The move is kept in the appointment's history."""
        now = self._now()
        target_doctor = doctor_id
        patient_id = 0
        try:
            with self._units.write(Permission.SCHEDULE_BOOK, stale=lambda: self._stale(appointment_id)) as uow:
                reason = _check_reason(reason, required=False)
                self._check_times(starts_at, ends_at)
                session = uow.session
                zone = self._zone(session)
                appt = self._load_for_change(session, appointment_id, expected_version, zone)
                patient_id = appt.patient_id
                if S(appt.status) not in MOVABLE:
                    raise ConflictError(
                        f"A {S(appt.status).label.lower()} appointment cannot be moved; "
                        "only requested or confirmed ones can."
                    )
                target_doctor = doctor_id or appt.doctor_id
                self._explain_schedule_constraints(uow, target_doctor, patient_id, starts_at)
                _queue_behind_other_desks(session.connection(), (appt.doctor_id, target_doctor), appt.patient_id)
                doctor = self._bookable_doctor(session, target_doctor)
                patient = self._patient(session, appt.patient_id)
                start = starts_at.astimezone(UTC)
                end = ends_at.astimezone(UTC) if ends_at is not None else start + (appt.ends_at - appt.starts_at)
                self._check_window(start, end, now, zone)
                local_day = start.astimezone(zone).date()
                cal = _load_calendar(session, zone, [target_doctor], start, end, exclude_appointment=appt.id)
                self._check_fits(cal, doctor, start, end, local_day, zone)
                self._check_clashes(session, zone, doctor, patient, start, end, exclude_id=appt.id)
                old = (appt.starts_at, appt.ends_at, appt.doctor_id, appt.local_day)
                appt.starts_at, appt.ends_at, appt.local_day, appt.doctor_id = start, end, local_day, target_doctor
                if old[3] != local_day or old[2] != target_doctor:
                    appt.token = None  # a token belongs to one doctor's queue on one day
                session.flush()
                moved_to = f" to {doctor.full_name}" if old[2] != target_doctor else ""
                self._event(session, uow.actor, appt, "rescheduled", appt.status, appt.status,
                            old_times=(old[0], old[1]), new_times=(start, end), reason=reason)
                uow.audit(
                    "appointment.rescheduled", entity_type="appointment", entity_id=appt.id,
                    summary=f"Moved {_patient_name(patient)}'s appointment from {_fmt(old[0], zone)} "
                    f"to {_fmt(start, zone)}{moved_to}" + (f": {reason}" if reason else ""),
                    changes={"starts_at": [old[0].isoformat(), start.isoformat()],
                             "doctor_id": [old[2], target_doctor]},
                )
                uow.announce("schedule", "moved", doctor_id=old[2], day=old[3], appointment_id=appt.id)
                if (old[2], old[3]) != (target_doctor, local_day):
                    uow.announce("schedule", "moved", doctor_id=target_doctor, day=local_day, appointment_id=appt.id)
                session.flush()
                return self._load_record(session, appt.id, zone)
        except _Clash as clash:
            raise self._slot_taken(clash, target_doctor or 0, patient_id, starts_at) from None

    def _explain_schedule_constraints(self, uow: UnitOfWork, doctor_id: int, patient_id: int, around: datetime) -> None:
        """What the desk is told when the database refuses this unit on a schedule constraint."""
        for constraint, who in _OVERLAP_CONSTRAINTS.items():
            uow.explain_constraint(
                constraint, lambda who=who: self._slot_taken(_Clash(who, None, None), doctor_id, patient_id, around)
            )
        uow.explain_constraint(
            "uq_appointments_doctor_day_token",
            lambda: ConflictError("Two desks gave out a token at the same moment. Please try again."),
        )

    @retry_on_contention
    def add_walk_in(self, patient_id: int, doctor_id: int, *, reason: str = "", minutes: int | None = None) -> WalkIn:
        """Put a patient who has just arrived into the doctor's queue for today: they get the next
        token and a time fitted into the doctor's free time today, or after the last patient."""
        now = self._now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        try:
            with self._units.write(Permission.SCHEDULE_BOOK) as uow:
                return self._add_walk_in(uow, now, patient_id, doctor_id, reason, minutes)
        except _Clash as clash:
            raise self._slot_taken(clash, doctor_id, patient_id, self._now()) from None

    def _add_walk_in(
        self, uow: UnitOfWork, now: datetime, patient_id: int, doctor_id: int, reason: str, minutes: int | None
    ) -> WalkIn:
        reason = _check_reason(reason, required=False, limit=500)
        if minutes is not None and not (isinstance(minutes, int) and MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES):
            raise ValidationError({"minutes": f"Choose {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes."})
        self._explain_schedule_constraints(uow, doctor_id, patient_id, self._now())
        # A booking at another desk can take the gap chosen below between the read and the insert;
        # the exclusion constraint refuses the walk-in then, and the one retry policy fits it again.
        uow.explain_constraint("ex_appointments_doctor_id_overlap", lambda: Contention(
            "Another desk filled the doctor's time at the same moment; please add the walk-in again."))
        session = uow.session
        actor = uow.actor
        zone = self._zone(session)
        # Walk-ins for one doctor queue up: each fits into the gaps the previous one left.
        _queue_behind_other_desks(session.connection(), doctor_id, patient_id)
        doctor = self._bookable_doctor(session, doctor_id)
        patient = self._patient(session, patient_id)
        today = now.astimezone(zone).date()
        day_start, day_end = local_day_bounds(today, zone)
        cal = _load_calendar(session, zone, [doctor_id], day_start, day_end + MAX_APPOINTMENT)
        windows = sorted(
            (session_bounds(today, s.start_time, s.end_time, zone), s.slot_minutes)
            for s in cal.sessions.get(doctor_id, {}).get(today.weekday(), [])
        )
        length = timedelta(minutes=minutes or _slot_length_at(windows, now))
        start = _fit(now, length, [w for w, _ in windows], cal.busy.get(doctor_id, []))
        end = start + length
        self._check_clashes(session, zone, doctor, patient, start, end)
        local_day = start.astimezone(zone).date()
        token = _next_token(session, doctor_id, local_day)
        appt = Appointment(
            patient_id=patient_id, doctor_id=doctor_id, starts_at=start, ends_at=end, local_day=local_day,
            status=S.CHECKED_IN.value, kind=AppointmentKind.WALK_IN.value, reason=reason, token=token,
            arrived_at=self._now(), cancelled_by="", status_reason="", created_by_id=actor.id,
        )
        session.add(appt)
        session.flush()
        self._event(session, actor, appt, "walk_in", "", S.CHECKED_IN, new_times=(start, end), reason=reason)
        uow.audit(
            "appointment.walk_in", entity_type="appointment", entity_id=appt.id,
            summary=f"Walk-in {_patient_name(patient)} ({patient.mrn}) for {doctor.full_name}, token {token}",
        )
        uow.announce("schedule", "walk_in", doctor_id=doctor_id, day=local_day, appointment_id=appt.id)
        session.flush()
        ahead = session.scalar(
            select(func.count()).select_from(Appointment).where(
                Appointment.doctor_id == doctor_id, Appointment.local_day == local_day,
                Appointment.status == S.CHECKED_IN.value, Appointment.id != appt.id,
                Appointment.starts_at < start,
            )
        ) or 0
        record = self._load_record(session, appt.id, zone)
        wait = max(0, int((start - self._now()).total_seconds() // 60))
        return WalkIn(record, token, wait, ahead)

    # --- the visit workflow ------------------------------------------------------------------

    def confirm(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.CONFIRMED, expected_version=expected_version)

    def check_in(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        """The patient has arrived: stamps the arrival time and gives them today's next token."""
        return self.change_status(appointment_id, S.CHECKED_IN, expected_version=expected_version)

    def start_visit(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.WITH_DOCTOR, expected_version=expected_version)

    def complete(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.COMPLETED, expected_version=expected_version)

    def cancel(
        self, appointment_id: int, reason: str, *, by: str = "patient", expected_version: int | None = None
    ) -> AppointmentRecord:
        """Cancel, by the patient or by the clinic (``by``); a reason is required. Frees the slot."""
        return self.change_status(appointment_id, S.CANCELLED, reason=reason, cancelled_by=by,
                                  expected_version=expected_version)

    def reject(self, appointment_id: int, reason: str, *, expected_version: int | None = None) -> AppointmentRecord:
        """The doctor declines the appointment; a reason is required. Frees the slot."""
        return self.change_status(appointment_id, S.REJECTED, reason=reason, expected_version=expected_version)

    def mark_no_show(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.NO_SHOW, expected_version=expected_version)

    @retry_on_contention
    def change_status(
        self,
        appointment_id: int,
        new_status: str,
        *,
        reason: str = "",
        cancelled_by: str = "clinic",
        expected_version: int | None = None,
    ) -> AppointmentRecord:
        """Move an appointment along its workflow; refuses (ConflictError) what the workflow does not allow:
        requested -> confirmed -> checked_in -> with_doctor -> completed, plus cancelled, rejected, no_show."""
        try:
            target = S(new_status)
        except ValueError:
            raise ValidationError({"status": f"'{new_status}' is not an appointment status."}) from None
        with self._units.write(any_of=_STATUS_PERMISSIONS[target], stale=lambda: self._stale(appointment_id)) as uow:
            if target in (S.CANCELLED, S.REJECTED):
                reason = _check_reason(reason, required=True)
            else:
                reason = _check_reason(reason, required=False)
            if target == S.CANCELLED and cancelled_by not in ("patient", "clinic"):
                raise ValidationError({"cancelled_by": "Say whether the patient or the clinic cancelled."})
            session = uow.session
            zone = self._zone(session)
            appt = self._load_for_change(session, appointment_id, expected_version, zone)
            self._explain_schedule_constraints(uow, appt.doctor_id, appt.patient_id, appt.starts_at)
            doctor = session.get(Doctor, appt.doctor_id)
            assert doctor is not None
            self._require_for_status(uow, target, doctor)
            self._apply(uow, zone, appt, target, reason=reason, cancelled_by=cancelled_by)
            session.flush()
            return self._load_record(session, appt.id, zone)

    @retry_on_contention
    def call_next(self, doctor_id: int) -> AppointmentRecord | None:
        """The doctor is ready: the earliest-arrived checked-in patient today goes in (with_doctor).
        None if nobody is waiting."""
        stale = ConflictError("Another desk called a patient at the same moment. Please look at the list again.")
        with self._units.write(any_of=_STATUS_PERMISSIONS[S.WITH_DOCTOR], stale=lambda: stale) as uow:
            session = uow.session
            zone = self._zone(session)
            # Two presses of "call next" queue up instead of both picking the same patient.
            _queue_behind_other_desks(session.connection(), doctor_id)
            doctor = session.get(Doctor, doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            self._require_for_status(uow, S.WITH_DOCTOR, doctor)
            today = self._now().astimezone(zone).date()
            with_doctor = session.execute(
                _appointment_query().where(
                    Appointment.doctor_id == doctor_id, Appointment.local_day == today,
                    Appointment.status == S.WITH_DOCTOR.value,
                ).limit(1)
            ).first()
            if with_doctor is not None:
                raise ConflictError(
                    f"{doctor.full_name} is still with {with_doctor.given_name} {with_doctor.family_name}"
                    f" (token {with_doctor.token}). Complete that visit first."
                )
            nxt = session.scalar(
                select(Appointment)
                .where(Appointment.doctor_id == doctor_id, Appointment.local_day == today,
                       Appointment.status == S.CHECKED_IN.value)
                .order_by(Appointment.arrived_at, Appointment.id)
                .limit(1)
            )
            if nxt is None:
                return None
            self._apply(uow, zone, nxt, S.WITH_DOCTOR)
            session.flush()
            return self._load_record(session, nxt.id, zone)

    def _require_for_status(self, uow: UnitOfWork, target: AppointmentStatus, doctor: Doctor) -> None:
        user = uow.actor
        own = user.id is not None and doctor.staff_account_id == user.id
        manages = user.can(Permission.VISIT_MANAGE_ANY) or (user.can(Permission.VISIT_MANAGE_OWN) and own)
        if target == S.CHECKED_IN:
            uow.require(Permission.VISIT_CHECK_IN)
        elif target in (S.WITH_DOCTOR, S.COMPLETED, S.REJECTED):
            if not manages:
                if user.can(Permission.VISIT_MANAGE_OWN):
                    raise PermissionDenied(f"Only {doctor.full_name} (or an administrator) can do this for their patients.")
                uow.require(Permission.VISIT_MANAGE_ANY)
        elif target == S.CONFIRMED:
            if not (manages or user.can(Permission.SCHEDULE_BOOK)):
                uow.require(Permission.SCHEDULE_BOOK)
        else:  # cancelled, no-show
            uow.require(Permission.SCHEDULE_BOOK)

    def _apply(
        self, uow: UnitOfWork, zone: ZoneInfo, appt: Appointment, target: AppointmentStatus,
        *, reason: str = "", cancelled_by: str = "clinic",
    ) -> None:
        session, user = uow.session, uow.actor
        current = S(appt.status)
        if target not in TRANSITIONS[current]:
            raise ConflictError(_refusal(current, target))
        now = self._now()
        if target == S.CHECKED_IN:
            today = now.astimezone(zone).date()
            if appt.local_day != today:
                raise ValidationError(
                    {"status": f"This appointment is on {appt.local_day:%a %d %b %Y}; "
                     "patients can be checked in only on the day."}
                )
            appt.arrived_at = now
            if appt.token is None:
                appt.token = _next_token(session, appt.doctor_id, appt.local_day)
        elif target == S.WITH_DOCTOR:
            appt.called_at = now
        elif target == S.COMPLETED:
            appt.completed_at = now
        elif target == S.CANCELLED:
            appt.cancelled_by = cancelled_by
        if reason:
            appt.status_reason = reason
        appt.status = target.value
        session.flush()
        self._event(session, user, appt, "status", current, target, reason=reason)
        who = f" by the {cancelled_by}" if target == S.CANCELLED else ""
        uow.audit(
            f"appointment.{target.value}", entity_type="appointment", entity_id=appt.id,
            summary=f"Appointment at {_fmt(appt.starts_at, zone)}: {current.label} -> {target.label}{who}"
            + (f" ({reason})" if reason else ""),
            changes={"status": [current.value, target.value]},
        )
        kind = {S.CHECKED_IN: "checked_in", S.CANCELLED: "cancelled"}.get(target, "status")
        uow.announce("schedule", kind, doctor_id=appt.doctor_id, day=appt.local_day, appointment_id=appt.id)

    # --- reading appointments ----------------------------------------------------------------

    def get(self, appointment_id: int) -> AppointmentRecord:
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return self._load_record(session, appointment_id, self._zone(session))

    def history(self, appointment_id: int) -> list[AppointmentEventRecord]:
        """Every change to the appointment, oldest first."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return [
                AppointmentEventRecord(
                    id=e.id, at=e.at, actor_name=e.actor_name, action=e.action, from_status=e.from_status,
                    to_status=e.to_status, old_starts_at=e.old_starts_at, old_ends_at=e.old_ends_at,
                    new_starts_at=e.new_starts_at, new_ends_at=e.new_ends_at, reason=e.reason,
                )
                for e in session.scalars(
                    select(AppointmentEvent).where(AppointmentEvent.appointment_id == appointment_id)
                    .order_by(AppointmentEvent.id)
                )
            ]

    def doctor_day(self, doctor_id: int, day: date | None = None, *, include_cancelled: bool = False) -> list[AppointmentRecord]:
        """A doctor's day list in time order: time, patient, reason, status, token, waiting time."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            day = day or self._now().astimezone(zone).date()
            return self._day_rows(session, zone, [doctor_id], day, include_cancelled)[doctor_id]

    def queue(self, doctor_id: int, day: date | None = None) -> list[AppointmentRecord]:
        """Patients checked in and waiting for the doctor, in arrival order (walk-ins included)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            day = day or self._now().astimezone(zone).date()
            now = self._now()
            rows = session.execute(
                _appointment_query()
                .where(Appointment.doctor_id == doctor_id, Appointment.local_day == day,
                       Appointment.status == S.CHECKED_IN.value)
                .order_by(Appointment.arrived_at, Appointment.id)
            )
            return [_appointment_record(r, zone, now) for r in rows]

    def day_view(self, doctor_ids: Sequence[int], day: date) -> list[DoctorDay]:
        """The scheduler's columns: for each doctor (in the order given) their sessions, appointments,
        free slots and exceptions on the local ``day``. A handful of index range scans in all."""
        ids = list(dict.fromkeys(doctor_ids))
        if not ids:
            return []
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            doctors = {d.id: d for d in session.scalars(select(Doctor).where(Doctor.id.in_(ids)))}
            start, end = local_day_bounds(day, zone)
            cal = _load_calendar(session, zone, ids, start, end)
            rows = self._day_rows(session, zone, ids, day, False)
            now = self._now()
            out = []
            for doctor_id in ids:
                doctor = doctors.get(doctor_id)
                if doctor is None:
                    continue
                day_sessions = cal.sessions.get(doctor_id, {}).get(day.weekday(), [])
                sessions = [
                    tuple(x.astimezone(zone) for x in session_bounds(day, s.start_time, s.end_time, zone))
                    for s in day_sessions
                ]
                exceptions = cal.exceptions.get(doctor_id, []) + cal.exceptions.get(None, [])
                out.append(
                    DoctorDay(
                        doctor_id=doctor_id, doctor_name=doctor.full_name, location=doctor.location,
                        bookable=not_bookable_reason(doctor) is None, day=day,
                        sessions=sessions,  # type: ignore[arg-type]
                        appointments=rows[doctor_id],
                        free_slots=[_slot(doctor, s, e, zone) for s, e in cal.free(doctor_id, day, now)],
                        exceptions=sorted((_exception_record(x) for x in exceptions), key=lambda x: x.starts_at),
                        slot_minutes=[s.slot_minutes for s in day_sessions],
                    )
                )
            return out

    def patient_appointments(self, patient_id: int, *, upcoming_only: bool = False, limit: int = 100) -> list[AppointmentRecord]:
        """A patient's appointments, newest first (or, with ``upcoming_only``, the coming ones soonest first)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            now = self._now()
            stmt = _appointment_query().where(Appointment.patient_id == patient_id)
            if upcoming_only:
                stmt = stmt.where(Appointment.starts_at >= now, Appointment.status.in_(SLOT_HOLDING_STATUSES))
                stmt = stmt.order_by(Appointment.starts_at)
            else:
                stmt = stmt.order_by(Appointment.starts_at.desc())
            return [_appointment_record(r, zone, now) for r in session.execute(stmt.limit(max(1, min(limit, 1000))))]

    def open_change_feed(self) -> ChangeFeed:
        """A feed of the changes committed at any desk (bookings, moves, arrivals, and the patients,
        doctors, staff and settings other desks save); see change_feed."""
        self._units.authorise(Permission.SCHEDULE_VIEW)
        return open_change_feed(self._units.db)

    def _day_rows(
        self, session: Session, zone: ZoneInfo, doctor_ids: list[int], day: date, include_cancelled: bool
    ) -> dict[int, list[AppointmentRecord]]:
        start, end = local_day_bounds(day, zone)
        stmt = _appointment_query().where(
            Appointment.doctor_id.in_(doctor_ids), Appointment.starts_at >= start, Appointment.starts_at < end
        )
        if not include_cancelled:
            stmt = stmt.where(Appointment.status.in_(SLOT_HOLDING_STATUSES + (S.NO_SHOW.value,)))
        now = self._now()
        out: dict[int, list[AppointmentRecord]] = {i: [] for i in doctor_ids}
        for row in session.execute(stmt.order_by(Appointment.doctor_id, Appointment.starts_at, Appointment.id)):
            out[row.doctor_id].append(_appointment_record(row, zone, now))
        return out

    # --- internals ---------------------------------------------------------------------------

    @staticmethod
    def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
        if not _is_aware(starts_at) or (ends_at is not None and not _is_aware(ends_at)):
            raise ValidationError({"starts_at": "Give the time with its time zone (an aware datetime)."})

    @staticmethod
    def _check_window(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> None:
        if end <= start:
            raise ValidationError({"ends_at": "The appointment must end after it starts."})
        if end - start > MAX_APPOINTMENT:
            raise ValidationError({"ends_at": "An appointment can last at most 4 hours."})
        if start < now - timedelta(minutes=1):
            raise ValidationError({"starts_at": f"{_fmt(start, zone)} has already passed; choose a later time."})

    @staticmethod
    def _check_fits(cal: _Calendar, doctor: Doctor, start: datetime, end: datetime, day: date, zone: ZoneInfo) -> None:
        inside = any(
            b <= start and end <= f
            for b, f in (
                session_bounds(day, s.start_time, s.end_time, zone)
                for s in cal.sessions.get(doctor.id, {}).get(day.weekday(), [])
            )
        )
        if not inside:
            raise ValidationError(
                {"starts_at": f"{doctor.full_name} does not see patients at {_fmt(start, zone)}; "
                 "choose a time within their hours."}
            )
        for exc in cal.exceptions.get(doctor.id, []) + cal.exceptions.get(None, []):
            if exc.starts_at < end and start < exc.ends_at:
                what = {"leave": "on leave", "holiday": "closed (holiday)"}.get(exc.kind, "blocked")
                who = "The clinic is" if exc.doctor_id is None else f"{doctor.full_name} is"
                raise ValidationError(
                    {"starts_at": f"{who} {what} then" + (f": {exc.reason}" if exc.reason else "") + "."}
                )

    @staticmethod
    def _check_clashes(
        session: Session, zone: ZoneInfo, doctor: Doctor, patient: Patient, start: datetime, end: datetime,
        *, exclude_id: int | None = None,
    ) -> None:
        # One round trip for both questions: each half is a range scan on its own index.
        halves = []
        for column, value, who in (
            (Appointment.doctor_id, doctor.id, "doctor"), (Appointment.patient_id, patient.id, "patient")
        ):
            stmt = select(
                literal(who).label("who"), Appointment.starts_at, Appointment.ends_at
            ).where(
                column == value,
                Appointment.starts_at > start - MAX_APPOINTMENT,
                Appointment.starts_at < end,
                Appointment.ends_at > start,
                Appointment.status.in_(SLOT_HOLDING_STATUSES),
            )
            if exclude_id is not None:
                stmt = stmt.where(Appointment.id != exclude_id)
            halves.append(stmt.limit(1).subquery().select())
        hits = {row.who: row for row in session.execute(union_all(*halves))}
        for who in ("doctor", "patient"):
            if who in hits:
                raise _Clash(who, hits[who].starts_at, hits[who].ends_at)

    def _bookable_doctor(self, session: Session, doctor_id: int) -> Doctor:
        doctor = session.get(Doctor, doctor_id)
        if doctor is None:
            raise NotFound("That doctor does not exist.")
        why = not_bookable_reason(doctor)
        if why:
            raise ValidationError({"doctor_id": why})
        return doctor

    @staticmethod
    def _patient(session: Session, patient_id: int) -> Patient:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That patient record does not exist.")
        if patient.archived:
            raise ValidationError({"patient_id": f"{_patient_name(patient)} is archived; restore the record first."})
        return patient

    def _load_for_change(
        self, session: Session, appointment_id: int, expected_version: int | None, zone: ZoneInfo
    ) -> Appointment:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise NotFound("That appointment does not exist.")
        if expected_version is not None and appt.version != expected_version:
            raise ConflictError(_STALE_MESSAGE, current=self._load_record(session, appointment_id, zone))
        return appt

    def _stale(self, appointment_id: int) -> ConflictError:
        return ConflictError(_STALE_MESSAGE, current=self.get(appointment_id))

    def _load_record(self, session: Session, appointment_id: int, zone: ZoneInfo) -> AppointmentRecord:
        row = session.execute(_appointment_query().where(Appointment.id == appointment_id)).first()
        if row is None:
            raise NotFound("That appointment does not exist.")
        return _appointment_record(row, zone, self._now())

    def _event(
        self, session: Session, actor: CurrentUser, appt: Appointment, action: str, from_status: str,
        to_status: str, *, old_times: tuple[datetime, datetime] | None = None,
        new_times: tuple[datetime, datetime] | None = None, reason: str = "",
    ) -> None:
        session.add(AppointmentEvent(
            appointment_id=appt.id,
            **_event_values(actor, action, from_status, to_status, self._now(), old_times, new_times, reason),
        ))

    def _slot_taken(self, clash: _Clash, doctor_id: int, patient_id: int, around: datetime) -> SlotTaken:
        with self._units.read() as uow:
            session = uow.session
            zone = self._zone(session)
            suggestions = self._suggest(session, zone, doctor_id, patient_id, around)
        if clash.starts_at is not None and clash.ends_at is not None:
            when = f"an appointment at {_fmt(clash.starts_at, zone)}-{clash.ends_at.astimezone(zone):%H:%M}"
        else:
            when = "an appointment booked at another desk a moment ago"
        if clash.who == "patient":
            message = (
                f"This patient already has {when} that overlaps this time. Nothing was booked; "
                "choose another time (the doctor's next free times are offered)."
            )
        else:
            message = (
                f"That slot was just taken: the doctor already has {when}. "
                "Nothing was booked; the next free times are offered instead."
            )
        return SlotTaken(message, suggestions, clash.who)

    def _suggest(self, session: Session, zone: ZoneInfo, doctor_id: int, patient_id: int, around: datetime) -> list[Slot]:
        doctor = session.get(Doctor, doctor_id)
        if doctor is None or not_bookable_reason(doctor):
            return []
        after = around.astimezone(UTC) if _is_aware(around) else None
        if after is not None:
            after = max(after - timedelta(hours=2), local_day_bounds(after.astimezone(zone).date(), zone)[0])
        slots = self._next_free(session, zone, {doctor_id: doctor}, after, SUGGESTIONS * 3)
        if patient_id and slots:
            busy = _merge(
                (s, e) for s, e in session.execute(
                    select(Appointment.starts_at, Appointment.ends_at).where(
                        Appointment.patient_id == patient_id,
                        Appointment.starts_at > slots[0].starts_at - MAX_APPOINTMENT,
                        Appointment.starts_at < slots[-1].ends_at,
                        Appointment.status.in_(SLOT_HOLDING_STATUSES),
                    )
                )
            )
            keep = set(_subtract([(s.starts_at, s.ends_at) for s in slots], busy))
            slots = [s for s in slots if (s.starts_at, s.ends_at) in keep]
        return slots[:SUGGESTIONS]


_STALE_MESSAGE = (
    "Someone at another desk changed this appointment meanwhile. Nothing of yours was saved; "
    "the appointment as it is now is shown."
)


class _Clash(Exception):
    def __init__(self, who: str, starts_at: datetime | None, ends_at: datetime | None) -> None:
        super().__init__(who)
        self.who = who
        self.starts_at = starts_at
        self.ends_at = ends_at


def _refusal(current: AppointmentStatus, target: AppointmentStatus) -> str:
    if current == target:
        return f"The appointment is already {current.label.lower()}."
    if current in _REFUSALS:
        return _REFUSALS[current]
    allowed = ", ".join(sorted(s.label.lower() for s in TRANSITIONS[current]))
    return (
        f"A {current.label.lower()} appointment cannot be marked {target.label.lower()}; "
        f"it can next be: {allowed}."
    )


def _next_token(session: Session, doctor_id: int, day: date) -> int:
    """The next queue token for one doctor's day: one atomic upsert, so two desks never get the same."""
    insert_ = pg_dialect.insert if session.get_bind().dialect.name == "postgresql" else sqlite_dialect.insert
    stmt = insert_(DailyToken).values(doctor_id=doctor_id, day=day, last_token=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DailyToken.doctor_id, DailyToken.day],
        set_={"last_token": DailyToken.last_token + 1},
    ).returning(DailyToken.last_token)
    return session.execute(stmt).scalar_one()


_LOCK_DOCTOR = text("SELECT pg_advisory_xact_lock(1, :doctor_id)")
_LOCK_PATIENT = text("SELECT pg_advisory_xact_lock(2, :patient_id)")


def _queue_behind_other_desks(conn: Any, doctors: int | Iterable[int], patient_id: int | None = None) -> None:
    """On PostgreSQL, wait for any other desk writing these doctors' (then this patient's) schedules.

    The exclusion constraints alone never let two bookings overlap, but two desks inserting
    overlapping rows at the same instant each wait for the other's row and PostgreSQL has to abort
    one of them as a deadlock (a second's wait, then an error). Queuing on transaction-scoped
    advisory locks lets the second desk see the first one's committed booking instead. Every writer
    takes them in one order, doctors by id and then the patient, so they cannot deadlock among
    themselves (book() takes the same two inside its insert: _booking_insert_statement). SQLite
    needs nothing: every write already holds the database's write lock.
    """
    if conn.dialect.name != "postgresql":
        return
    for doctor_id in sorted({doctors} if isinstance(doctors, int) else set(doctors)):
        conn.execute(_LOCK_DOCTOR, {"doctor_id": doctor_id})
    if patient_id is not None:
        conn.execute(_LOCK_PATIENT, {"patient_id": patient_id})


# --- the booking hot path: statements built once ----------------------------------------------

_APPOINTMENTS = Appointment.__table__
_EVENTS = AppointmentEvent.__table__
_AUDIT = AuditEntry.__table__


def _typed_null(type_: Any) -> Any:
    # A typed NULL: PostgreSQL types a UNION's columns pairwise (NULL with NULL would be text), and
    # SQLAlchemy takes the result types from the first SELECT.
    return cast(null(), type_)


def _context_statement() -> Any:
    """Everything book() checks, in one round trip: the doctor, the patient, the doctor's sessions
    on the weekday and the leave, blocks and holidays around the time, as rows of one UNION ALL
    tagged 0-3 (columns: s = text, b = flag, n = number, t = wall time, ts = instant)."""
    d, p = Doctor.__table__, Patient.__table__
    ws, x = WeeklySession.__table__, AvailabilityException.__table__
    shape = (("s1", String()), ("s2", String()), ("s3", String()), ("b1", Boolean()), ("b2", Boolean()),
             ("n1", Integer()), ("t1", Time()), ("t2", Time()), ("ts1", UTCDateTime()), ("ts2", UTCDateTime()))

    def row(tag: int, **given: Any) -> list[Any]:
        return [literal_column(str(tag), Integer()).label("tag")] + [
            (given[name] if name in given else _typed_null(type_)).label(name) for name, type_ in shape
        ]

    doctor_id = bindparam("doctor_id", type_=Integer())
    return union_all(
        select(*row(0, s1=d.c.full_name, s2=d.c.location, b1=d.c.active, b2=d.c.verified)).where(d.c.id == doctor_id),
        select(*row(1, s1=p.c.given_name, s2=p.c.family_name, s3=p.c.mrn, b1=p.c.archived)).where(
            p.c.id == bindparam("patient_id", type_=Integer())),
        select(*row(2, n1=ws.c.slot_minutes, t1=ws.c.start_time, t2=ws.c.end_time)).where(
            ws.c.doctor_id == doctor_id, ws.c.weekday == bindparam("weekday", type_=Integer())),
        select(*row(3, s1=x.c.kind, s3=x.c.reason, n1=x.c.doctor_id, ts1=x.c.starts_at, ts2=x.c.ends_at)).where(
            or_(x.c.doctor_id == doctor_id, x.c.doctor_id.is_(None)),
            x.c.ends_at > bindparam("start", type_=UTCDateTime()),
            x.c.starts_at < bindparam("end", type_=UTCDateTime()),
        ),
    )


def _clash_statement() -> Any:
    """The first slot-holding appointment of the doctor, and of the patient, overlapping [start, end):
    each half a range scan on its own index, both in one round trip."""
    a = _APPOINTMENTS
    start, end = bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())
    halves = [
        select(literal_column(f"'{who}'", String()).label("who"), a.c.starts_at, a.c.ends_at)
        .where(a.c[column] == bindparam(column, type_=Integer()), a.c.starts_at > bindparam("earliest", type_=UTCDateTime()),
               a.c.starts_at < end, a.c.ends_at > start, a.c.status.in_(SLOT_HOLDING_STATUSES))
        .limit(1).subquery().select()
        for who, column in (("doctor", "doctor_id"), ("patient", "patient_id"))
    ]
    return union_all(*halves)


def _booking_insert_statement() -> Any:
    """PostgreSQL: the appointment, its history row and its audit entry in one statement (data-modifying
    CTEs; the foreign key and the exclusion constraints are checked as for separate inserts).

    The appointment's row is selected from the advisory locks of _queue_behind_other_desks (doctor,
    then patient), so the desk waits its turn before its row exists, with no extra round trip.
    """
    queued = select(
        func.pg_advisory_xact_lock(1, _APPOINTMENT_BINDS["doctor_id"]).label("doctor_turn"),
        func.pg_advisory_xact_lock(2, _APPOINTMENT_BINDS["patient_id"]).label("patient_turn"),
    ).subquery("queued")
    row = select(*(b.label(k) for k, b in _APPOINTMENT_BINDS.items())).select_from(queued)
    new = (
        _APPOINTMENTS.insert().from_select(list(_APPOINTMENT_BINDS), row)
        .returning(_APPOINTMENTS.c.id).cte("new_appointment")
    )
    event = _EVENTS.insert().from_select(
        ["appointment_id", *_EVENT_BINDS], select(new.c.id, *(b.label(k) for k, b in _EVENT_BINDS.items()))
    ).cte("new_event")
    entry = _AUDIT.insert().from_select(
        ["entity_id", *_AUDIT_BINDS],
        select(cast(new.c.id, String()).label("entity_id"), *(b.label(k) for k, b in _AUDIT_BINDS.items())),
    ).cte("new_audit_entry")
    return select(new.c.id).add_cte(event, entry)


def _event_values(
    actor: CurrentUser | None, action: str, from_status: str, to_status: str, at: datetime,
    old_times: tuple[datetime, datetime] | None, new_times: tuple[datetime, datetime] | None, reason: str,
) -> dict[str, Any]:
    """The columns of one row of an appointment's history (everything but the appointment's id)."""
    return {
        "at": at, "actor_id": actor.id if actor else None, "actor_name": actor.username if actor else "",
        "action": action, "from_status": str(from_status), "to_status": str(to_status),
        "old_starts_at": old_times[0] if old_times else None, "old_ends_at": old_times[1] if old_times else None,
        "new_starts_at": new_times[0] if new_times else None, "new_ends_at": new_times[1] if new_times else None,
        "reason": reason[:300],
    }


def _binds(table: Any, prefix: str, names: Sequence[str]) -> dict[str, Any]:
    return {n: bindparam(f"{prefix}{n}", type_=table.c[n].type) for n in names}


_APPOINTMENT_BINDS = _binds(_APPOINTMENTS, "a_", (
    "patient_id", "doctor_id", "starts_at", "ends_at", "local_day", "status", "kind", "reason", "cancelled_by",
    "status_reason", "created_at", "updated_at", "created_by_id", "version",
))
# The history and audit columns written, as the builders make them (the audit builder decides its
# own columns: a new one reaches the booking statement without touching this file).
_EVENT_COLUMNS = tuple(_event_values(None, "", "", "", utcnow(), None, None, ""))
_AUDIT_COLUMNS = tuple(k for k in audit_values(None, "", workstation="") if k != "entity_id")
_EVENT_BINDS = _binds(_EVENTS, "e_", _EVENT_COLUMNS)
_AUDIT_BINDS = _binds(_AUDIT, "l_", _AUDIT_COLUMNS)
_CONTEXT = _context_statement()
_CLASH = _clash_statement()
_INSERT_BOOKING = _booking_insert_statement()
_INSERT_APPOINTMENT = _APPOINTMENTS.insert().values(_APPOINTMENT_BINDS).returning(_APPOINTMENTS.c.id)
_INSERT_EVENT = _EVENTS.insert().values(appointment_id=bindparam("appointment_id"), **_EVENT_BINDS)
_INSERT_AUDIT = _AUDIT.insert().values(entity_id=bindparam("entity_id"), **_AUDIT_BINDS)


@dataclass(frozen=True)
class _BookingDoctor:
    """The doctor's columns book() needs (duck-types Doctor for not_bookable_reason and the checks)."""

    id: int
    full_name: str
    location: str
    active: bool
    verified: bool


@dataclass(frozen=True)
class _BookingPatient:
    id: int
    given_name: str
    family_name: str
    mrn: str
    archived: bool


@dataclass(frozen=True)
class _SessionRow:
    start_time: time
    end_time: time
    slot_minutes: int


@dataclass(frozen=True)
class _ExceptionRow:
    doctor_id: int | None
    kind: str
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class _BookingContext:
    doctor: Any  # _BookingDoctor, standing in for Doctor
    patient: Any  # _BookingPatient, standing in for Patient
    calendar: _Calendar


def _read_booking_context(
    conn: Any, zone: ZoneInfo, doctor_id: int, patient_id: int, weekday: int, start: datetime, end: datetime
) -> _BookingContext:
    """The doctor (NotFound, or ValidationError if not bookable), then the patient (NotFound, or
    ValidationError if archived), and the hours and exceptions to check the time against."""
    rows = conn.execute(
        _CONTEXT, {"doctor_id": doctor_id, "patient_id": patient_id, "weekday": weekday, "start": start, "end": end}
    ).all()
    doctor = patient = None
    sessions: list[_SessionRow] = []
    cal = _Calendar(zone=zone)
    for r in rows:
        if r.tag == 0:
            doctor = _BookingDoctor(doctor_id, r.s1, r.s2, r.b1, r.b2)
        elif r.tag == 1:
            patient = _BookingPatient(patient_id, r.s1, r.s2, r.s3, r.b1)
        elif r.tag == 2:
            sessions.append(_SessionRow(r.t1, r.t2, r.n1))
        else:
            cal.exceptions.setdefault(r.n1, []).append(_ExceptionRow(r.n1, r.s1, r.ts1, r.ts2, r.s3))  # type: ignore[arg-type]
    if doctor is None:
        raise NotFound("That doctor does not exist.")
    why = not_bookable_reason(doctor)  # type: ignore[arg-type]
    if why:
        raise ValidationError({"doctor_id": why})
    if patient is None:
        raise NotFound("That patient record does not exist.")
    if patient.archived:
        raise ValidationError({"patient_id": f"{_patient_name(patient)} is archived; restore the record first."})  # type: ignore[arg-type]
    cal.sessions[doctor_id] = {weekday: sorted(sessions, key=lambda s: s.start_time)}  # type: ignore[dict-item]
    return _BookingContext(doctor, patient, cal)


def _raise_first_clash(conn: Any, doctor_id: int, patient_id: int, start: datetime, end: datetime) -> None:
    hits = {
        row.who: row
        for row in conn.execute(
            _CLASH, {"doctor_id": doctor_id, "patient_id": patient_id, "start": start, "end": end,
                     "earliest": start - MAX_APPOINTMENT}
        )
    }
    for who in ("doctor", "patient"):
        if who in hits:
            raise _Clash(who, hits[who].starts_at, hits[who].ends_at)


@dataclass(frozen=True)
class _BookingValues:
    patient_id: int
    doctor_id: int
    starts_at: datetime
    ends_at: datetime
    local_day: date
    status: str
    kind: str
    reason: str
    actor: CurrentUser
    at: datetime  # the service clock: the history row's time
    written_at: datetime  # the real time: created_at, as the column default gives
    audit: dict[str, Any]  # the audit row's columns, from the one builder (UnitOfWork.audit_values)


def _insert_booking(conn: Any, v: _BookingValues) -> int:
    """The appointment, its ``booked`` history row and its audit entry (history and audit from the
    same builders the rest of the scheduler uses); returns the appointment's id."""
    event = _event_values(v.actor, "booked", "", v.status, v.at, None, (v.starts_at, v.ends_at), v.reason)
    params = {
        "a_patient_id": v.patient_id, "a_doctor_id": v.doctor_id, "a_starts_at": v.starts_at, "a_ends_at": v.ends_at,
        "a_local_day": v.local_day, "a_status": v.status, "a_kind": v.kind, "a_reason": v.reason,
        "a_cancelled_by": "", "a_status_reason": "", "a_created_at": v.written_at, "a_updated_at": v.written_at,
        "a_created_by_id": v.actor.id, "a_version": 1,  # the ORM's version counter starts at 1
        **{f"e_{k}": event[k] for k in _EVENT_COLUMNS},
        **{f"l_{k}": v.audit[k] for k in _AUDIT_COLUMNS},
    }
    if conn.dialect.name == "postgresql":
        return int(conn.execute(_INSERT_BOOKING, params).scalar_one())
    appointment_id = int(conn.execute(_INSERT_APPOINTMENT, params).scalar_one())
    conn.execute(_INSERT_EVENT, {**params, "appointment_id": appointment_id})
    conn.execute(_INSERT_AUDIT, {**params, "entity_id": str(appointment_id)})
    return appointment_id


def _booked_record(appointment_id: int, v: _BookingValues, patient: Any, doctor: Any, zone: ZoneInfo) -> AppointmentRecord:
    """The record of the appointment just written, from the values written (nothing is read back)."""
    return AppointmentRecord(
        id=appointment_id, patient_id=v.patient_id, patient_name=_patient_name(patient), patient_mrn=patient.mrn,
        doctor_id=v.doctor_id, doctor_name=doctor.full_name, location=doctor.location, starts_at=v.starts_at,
        ends_at=v.ends_at, local_start=v.starts_at.astimezone(zone), local_end=v.ends_at.astimezone(zone),
        local_day=v.local_day, status=v.status, kind=v.kind, reason=v.reason, token=None, arrived_at=None,
        called_at=None, completed_at=None, cancelled_by="", status_reason="", version=1, waiting_minutes=None,
    )


def _slot_end(cal: _Calendar, doctor: Doctor, start: datetime, zone: ZoneInfo) -> datetime:
    """The end of the slot starting at ``start``: one slot length of the session it falls in."""
    day = start.astimezone(zone).date()
    for ws in cal.sessions.get(doctor.id, {}).get(day.weekday(), []):
        begin, finish = session_bounds(day, ws.start_time, ws.end_time, zone)
        if begin <= start < finish:
            return start + timedelta(minutes=ws.slot_minutes)
    raise ValidationError(
        {"starts_at": f"{doctor.full_name} does not see patients at {_fmt(start, zone)}; "
         "choose a time within their hours."}
    )


def _slot_length_at(windows: list[tuple[tuple[datetime, datetime], int]], now: datetime) -> int:
    for (begin, finish), minutes in windows:
        if begin <= now < finish or now < begin:
            return minutes
    return windows[-1][1] if windows else 15


def _fit(
    now: datetime, length: timedelta, windows: list[tuple[datetime, datetime]], busy: list[tuple[datetime, datetime]]
) -> datetime:
    """The earliest start >= now inside a session window and clear of ``busy``; failing that, right
    after the last busy stretch that ends after now (the end of the queue)."""
    candidates = sorted({now} | {e for _, e in busy if e >= now} | {b for b, _ in windows if b >= now})
    ends = [b[1] for b in busy]
    for t in candidates:
        if not any(b <= t and t + length <= f for b, f in windows):
            continue
        i = bisect.bisect_right(ends, t)
        if i < len(busy) and busy[i][0] < t + length:
            continue
        return t
    last = max((e for _, e in busy if e > now), default=now)
    return max(last, now)


def _fits_availability(cal: _Calendar, doctor_id: int, start: datetime, end: datetime, day: date) -> bool:
    inside = any(
        b <= start and end <= f
        for b, f in (
            session_bounds(day, s.start_time, s.end_time, cal.zone)
            for s in cal.sessions.get(doctor_id, {}).get(day.weekday(), [])
        )
    )
    if not inside:
        return False
    for exc in cal.exceptions.get(doctor_id, []) + cal.exceptions.get(None, []):
        if exc.starts_at < end and start < exc.ends_at:
            return False
    return True


def _validate_sessions(sessions: Sequence[SessionInput]) -> list[SessionInput]:
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


def _check_reason(reason: str, *, required: bool, limit: int = 300) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationError({"reason": "Please give a reason."})
    if len(reason) > limit:
        raise ValidationError({"reason": f"Keep the reason under {limit} characters."})
    if has_control_characters(reason, allow_newlines=True):
        raise ValidationError({"reason": "Contains invisible control characters; please retype it."})
    return reason


def _check_days(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day cannot be before the first day."})
    if (last_day - first_day).days > 366:
        raise ValidationError({"last_day": "Enter at most a year at a time."})


def _describe_session(s: WeeklySessionRecord | SessionInput) -> str:
    return f"{_WEEKDAYS[s.weekday][:3]} {s.start:%H:%M}-{s.end:%H:%M}/{s.slot_minutes}min"


def _session_key(s: WeeklySessionRecord) -> tuple[int, time]:
    return (s.weekday, s.start)


def _session_record(ws: WeeklySession) -> WeeklySessionRecord:
    return WeeklySessionRecord(
        id=ws.id, doctor_id=ws.doctor_id, weekday=ws.weekday, start=ws.start_time, end=ws.end_time,
        slot_minutes=ws.slot_minutes,
    )


def _exception_record(x: AvailabilityException) -> ExceptionRecord:
    return ExceptionRecord(
        id=x.id, doctor_id=x.doctor_id, kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at,
        first_day=x.first_day, last_day=x.last_day, reason=x.reason,
    )


def _slot(doctor: Doctor, s: datetime, e: datetime, zone: ZoneInfo) -> Slot:
    return Slot(doctor.id, s, e, s.astimezone(zone), e.astimezone(zone), doctor.full_name, doctor.location)


def _patient_name(p: Patient) -> str:
    return f"{p.given_name} {p.family_name}".strip()


def _appointment_query():  # type: ignore[no-untyped-def]
    return (
        select(
            Appointment.id, Appointment.patient_id, Appointment.doctor_id, Appointment.starts_at,
            Appointment.ends_at, Appointment.local_day, Appointment.status, Appointment.kind, Appointment.reason,
            Appointment.token, Appointment.arrived_at, Appointment.called_at, Appointment.completed_at,
            Appointment.cancelled_by, Appointment.status_reason, Appointment.version,
            Patient.given_name, Patient.family_name, Patient.mrn,
            Doctor.full_name.label("doctor_name"), Doctor.location,
        )
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(Doctor, Doctor.id == Appointment.doctor_id)
    )


def _appointment_record(row: Any, zone: ZoneInfo, now: datetime) -> AppointmentRecord:
    waiting = None
    if row.arrived_at is not None:
        until = row.called_at if row.called_at is not None else (now if row.status == S.CHECKED_IN else None)
        if until is not None:
            waiting = max(0, int((until - row.arrived_at).total_seconds() // 60))
    return AppointmentRecord(
        id=row.id, patient_id=row.patient_id, patient_name=f"{row.given_name} {row.family_name}".strip(),
        patient_mrn=row.mrn, doctor_id=row.doctor_id, doctor_name=row.doctor_name, location=row.location,
        starts_at=row.starts_at, ends_at=row.ends_at, local_start=row.starts_at.astimezone(zone),
        local_end=row.ends_at.astimezone(zone), local_day=row.local_day, status=row.status, kind=row.kind,
        reason=row.reason, token=row.token, arrived_at=row.arrived_at, called_at=row.called_at,
        completed_at=row.completed_at, cancelled_by=row.cancelled_by, status_reason=row.status_reason,
        version=row.version, waiting_minutes=waiting,
    )


__all__ = [
    "MAX_APPOINTMENT",
    "TRANSITIONS",
    "AppointmentEventRecord",
    "AppointmentRecord",
    "DoctorDay",
    "ExceptionChange",
    "ExceptionRecord",
    "SchedulingService",
    "SessionInput",
    "Slot",
    "SlotTaken",
    "TemplateChange",
    "WalkIn",
    "WeeklySessionRecord",
    "local_day_bounds",
    "session_slots",
]
