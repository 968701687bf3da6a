"""The booking SQL and its PostgreSQL locking, in one place.

- ``queue_behind_other_desks``: transaction-scoped advisory locks (doctors by id, then the patient)
  every schedule writer takes first on PostgreSQL; SQLite needs none (BEGIN IMMEDIATE).
- book()'s hot path: Core statements built once at import, so PostgreSQL's driver can prepare
  them: one UNION ALL read of everything the checks need (``read_booking_context``), one clash
  lookup, and on PostgreSQL one statement that takes the locks and inserts the appointment, its
  history row, its audit row and the patient's confirmation in the outbox (data-modifying CTEs).
- the appointment history row's columns (``event_values``), used by every schedule write, and
  the per-doctor daily token counter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
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

from ...models import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AppointmentEvent,
    AuditEntry,
    AvailabilityException,
    DailyToken,
    Doctor,
    OutboxEntry,
    Patient,
    UTCDateTime,
    WeeklySession,
    utcnow,
)
from ..audit import audit_values
from ..identity import CurrentUser
from .doctor_calendar import Calendar
from .records import AppointmentRecord, patient_name


def next_token(session: Session, doctor_id: int, day: date) -> int:
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


def queue_behind_other_desks(conn: Any, doctors: int | Iterable[int], patient_id: int | None = None) -> None:
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
_OUTBOX = OutboxEntry.__table__


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



def _clash_statement(*, excluding: bool = False) -> Any:
    """The first slot-holding appointment of the doctor, and of the patient, overlapping [start, end)
    (``excluding``: other than the one being moved): each half a range scan on its own index, both
    in one round trip."""
    a = _APPOINTMENTS
    start, end = bindparam("start", type_=UTCDateTime()), bindparam("end", type_=UTCDateTime())
    halves = []
    for who, column in (("doctor", "doctor_id"), ("patient", "patient_id")):
        stmt = select(literal_column(f"'{who}'", String()).label("who"), a.c.starts_at, a.c.ends_at).where(
            a.c[column] == bindparam(column, type_=Integer()), a.c.starts_at > bindparam("earliest", type_=UTCDateTime()),
            a.c.starts_at < end, a.c.ends_at > start, a.c.status.in_(SLOT_HOLDING_STATUSES),
        )
        if excluding:
            stmt = stmt.where(a.c.id != bindparam("exclude_id", type_=Integer()))
        halves.append(stmt.limit(1).subquery().select())
    return union_all(*halves)


def clash_rows(
    conn: Any, doctor_id: int, patient_id: int, start: datetime, end: datetime, earliest: datetime,
    exclude_id: int | None = None,
) -> dict[str, Any]:
    """``{"doctor": row, "patient": row}`` for whichever of the two is busy in [start, end)."""
    params = {"doctor_id": doctor_id, "patient_id": patient_id, "start": start, "end": end, "earliest": earliest}
    if exclude_id is None:
        rows = conn.execute(_CLASH, params)
    else:
        rows = conn.execute(_CLASH_EXCLUDING, {**params, "exclude_id": exclude_id})
    return {row.who: row for row in rows}


def _booking_insert_statement() -> Any:
    """PostgreSQL: the appointment, its history row, its audit entry and its outbox row in one
    statement (data-modifying CTEs; the foreign key and the exclusion constraints are checked as for
    separate inserts).

    The appointment's row is selected from the advisory locks of _queue_behind_other_desks (doctor,
    then patient), so the desk waits its turn before its row exists, with no extra round trip.
    """
    # The lock classes as literals: psycopg caches a statement's conversion only up to 50
    # parameters, and this one has 49 without them.
    queued = select(
        func.pg_advisory_xact_lock(literal_column("1", Integer()), _APPOINTMENT_BINDS["doctor_id"]).label("doctor_turn"),
        func.pg_advisory_xact_lock(literal_column("2", Integer()), _APPOINTMENT_BINDS["patient_id"]).label("patient_turn"),
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
    ).returning(_AUDIT.c.id).cte("new_audit_entry")
    new_id = cast(new.c.id, String())
    message = _OUTBOX.insert().from_select(
        ["entity_id", "dedupe_key", *_OUTBOX_BINDS],
        select(new_id.label("entity_id"), (_KEY_PREFIX + new_id + _KEY_SUFFIX).label("dedupe_key"),
               *(b.label(k) for k, b in _OUTBOX_BINDS.items())),
    ).cte("new_message")
    return select(new.c.id, select(entry.c.id).scalar_subquery().label("audit_id")).add_cte(event, entry, message)


def event_values(
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
_EVENT_COLUMNS = tuple(event_values(None, "", "", "", utcnow(), None, None, ""))
_AUDIT_COLUMNS = tuple(k for k in audit_values(None, "", workstation="") if k != "entity_id")
_EVENT_BINDS = _binds(_EVENTS, "e_", _EVENT_COLUMNS)
_AUDIT_BINDS = _binds(_AUDIT, "l_", _AUDIT_COLUMNS)
# The booking confirmation's outbox row (UnitOfWork.outbox_values), keyed by the new appointment's id.
_OUTBOX_COLUMNS = ("event", "channel", "recipient", "subject", "body", "payload", "entity_type", "not_before",
                   "created_at", "status", "attempts", "last_error", "created_by_id")
_OUTBOX_BINDS = _binds(_OUTBOX, "o_", _OUTBOX_COLUMNS)
_KEY_PREFIX = bindparam("o_key_prefix", type_=String())
_KEY_SUFFIX = bindparam("o_key_suffix", type_=String())
_CONTEXT = _context_statement()
_CLASH = _clash_statement()
_CLASH_EXCLUDING = _clash_statement(excluding=True)
_INSERT_BOOKING = _booking_insert_statement()
_INSERT_APPOINTMENT = _APPOINTMENTS.insert().values(_APPOINTMENT_BINDS).returning(_APPOINTMENTS.c.id)
_INSERT_EVENT = _EVENTS.insert().values(appointment_id=bindparam("appointment_id"), **_EVENT_BINDS)
_INSERT_AUDIT = _AUDIT.insert().values(entity_id=bindparam("entity_id"), **_AUDIT_BINDS).returning(_AUDIT.c.id)
_INSERT_MESSAGE = _OUTBOX.insert().values(
    entity_id=bindparam("entity_id"), dedupe_key=bindparam("dedupe_key"), **_OUTBOX_BINDS)


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
class BookingContext:
    doctor: Any  # _BookingDoctor (standing in for Doctor), or None
    patient: Any  # _BookingPatient (standing in for Patient), or None
    calendar: Calendar


def read_booking_context(
    conn: Any, zone: ZoneInfo, doctor_id: int, patient_id: int, weekday: int, start: datetime, end: datetime
) -> BookingContext:
    """The doctor and the patient (None if either does not exist: booking_checks says what then),
    and the doctor's hours and exceptions to check the time against, in one round trip."""
    rows = conn.execute(
        _CONTEXT, {"doctor_id": doctor_id, "patient_id": patient_id, "weekday": weekday, "start": start, "end": end}
    ).all()
    doctor = patient = None
    sessions: list[_SessionRow] = []
    cal = Calendar(zone=zone)
    for r in rows:
        if r.tag == 0:
            doctor = _BookingDoctor(doctor_id, r.s1, r.s2, r.b1, r.b2)
        elif r.tag == 1:
            patient = _BookingPatient(patient_id, r.s1, r.s2, r.s3, r.b1)
        elif r.tag == 2:
            sessions.append(_SessionRow(r.t1, r.t2, r.n1))
        else:
            cal.exceptions.setdefault(r.n1, []).append(_ExceptionRow(r.n1, r.s1, r.ts1, r.ts2, r.s3))  # type: ignore[arg-type]
    cal.sessions[doctor_id] = {weekday: sorted(sessions, key=lambda s: s.start_time)}  # type: ignore[dict-item]
    return BookingContext(doctor, patient, cal)


@dataclass(frozen=True)
class BookingValues:
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
    # The booking confirmation's outbox columns (UnitOfWork.outbox_values) and its key's two ends.
    message: dict[str, Any]
    message_key: tuple[str, str]


def insert_booking(conn: Any, v: BookingValues) -> tuple[int, int]:
    """The appointment, its ``booked`` history row, its audit entry and the patient's confirmation
    in the outbox (history, audit and outbox row from the same builders the rest of the app uses);
    returns the appointment's id and the audit row's."""
    event = event_values(v.actor, "booked", "", v.status, v.at, None, (v.starts_at, v.ends_at), v.reason)
    params = {
        "a_patient_id": v.patient_id, "a_doctor_id": v.doctor_id, "a_starts_at": v.starts_at, "a_ends_at": v.ends_at,
        "a_local_day": v.local_day, "a_status": v.status, "a_kind": v.kind, "a_reason": v.reason,
        "a_cancelled_by": "", "a_status_reason": "", "a_created_at": v.written_at, "a_updated_at": v.written_at,
        "a_created_by_id": v.actor.id, "a_version": 1,  # the ORM's version counter starts at 1
        **{f"e_{k}": event[k] for k in _EVENT_COLUMNS},
        **{f"l_{k}": v.audit[k] for k in _AUDIT_COLUMNS},
        **{f"o_{k}": v.message[k] for k in _OUTBOX_COLUMNS},
        "o_key_prefix": v.message_key[0], "o_key_suffix": v.message_key[1],
    }
    if conn.dialect.name == "postgresql":
        row = conn.execute(_INSERT_BOOKING, params).one()
        return int(row.id), int(row.audit_id)
    appointment_id = int(conn.execute(_INSERT_APPOINTMENT, params).scalar_one())
    conn.execute(_INSERT_EVENT, {**params, "appointment_id": appointment_id})
    audit_id = int(conn.execute(_INSERT_AUDIT, {**params, "entity_id": str(appointment_id)}).scalar_one())
    conn.execute(_INSERT_MESSAGE, {**params, "entity_id": str(appointment_id),
                                   "dedupe_key": f"{v.message_key[0]}{appointment_id}{v.message_key[1]}"})
    return appointment_id, audit_id


def booked_record(appointment_id: int, v: BookingValues, patient: Any, doctor: Any, zone: ZoneInfo) -> AppointmentRecord:
    """The record of the appointment just written, from the values written (nothing is read back)."""
    return AppointmentRecord(
        id=appointment_id, patient_id=v.patient_id, patient_name=patient_name(patient), patient_mrn=patient.mrn,
        doctor_id=v.doctor_id, doctor_name=doctor.full_name, location=doctor.location, starts_at=v.starts_at,
        ends_at=v.ends_at, local_start=v.starts_at.astimezone(zone), local_end=v.ends_at.astimezone(zone),
        local_day=v.local_day, status=v.status, kind=v.kind, reason=v.reason, token=None, arrived_at=None,
        called_at=None, completed_at=None, cancelled_by="", status_reason="", version=1, waiting_minutes=None,
    )


def add_event(
    session: Session, actor: CurrentUser, appt: Appointment, action: str, from_status: str, to_status: str,
    at: datetime, *, old_times: tuple[datetime, datetime] | None = None,
    new_times: tuple[datetime, datetime] | None = None, reason: str = "",
) -> None:
    """One row of the appointment's history, through the ORM (every write but book()'s insert)."""
    session.add(AppointmentEvent(
        appointment_id=appt.id, **event_values(actor, action, from_status, to_status, at, old_times, new_times, reason),
    ))


def appointment_query():  # type: ignore[no-untyped-def]
    """The columns ``records.appointment_record`` reads: the appointment with its patient and doctor."""
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
