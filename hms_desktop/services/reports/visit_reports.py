"""The visit reports: waiting times, doctor utilisation, appointments per specialty, cancellation
reasons and patients by age band. Counts and sums are grouped in SQL; a median or 90th percentile
is read off a grouped histogram (visits per whole minute waited), so the database hands back one
row per distinct wait, never one per visit."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select, text
from sqlalchemy.orm import Session

from ...models import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    Doctor,
    DoctorSpecialty,
    Patient,
    Specialty,
    WeeklySession,
)
from ..billing.common import Terms
from ..scheduling.slot_math import merge, session_bounds
from . import queries
from .queries import CLOSED_STATUSES, clinic_instants
from .records import Column, Kind
from .sql_time import local_hour_of_quarter, minutes_between, no_index, offsets, utc_quarter
from .table_parts import Built, days_of, rate

AGE_BANDS = ((0, 4), (5, 14), (15, 24), (25, 44), (45, 64), (65, 200))
SEXES = ("female", "male", "other", "unknown")


def percentile(histogram: dict[int, int], share: float) -> int:
    """Nearest rank: the smallest value with at least ``share`` of the counts at or below it."""
    total = sum(histogram.values())
    rank = max(1, -(-total * round(share * 100) // 100))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return 0


def _visited() -> list[ColumnElement[bool]]:
    # As migration 0017_repfast's hx_ indexes are made (SQLite uses them only for queries that say so).
    return [Appointment.arrived_at.is_not(None), Appointment.called_at.is_not(None),
            Appointment.called_at >= Appointment.arrived_at]


def _waits(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
           by_hour: bool) -> dict[object, dict[int, int]]:
    """group (doctor name, or clinic hour of check-in) -> {whole minutes waited: visits}; a wait is
    check-in to the doctor calling the patient in. The database counts visits per doctor (or per
    UTC quarter hour of check-in, within each stretch of one UTC offset) and minutes waited, in the
    order of an index holding both on SQLite, so a year's visits are counted without a sort."""
    minutes = minutes_between(Appointment.arrived_at, Appointment.called_at)
    # The day kept from choosing an index (SQLite would take the day-led one and sort the visits).
    day = no_index(Appointment.local_day)
    period = [day >= day_from, day <= day_to, *_visited()]
    if doctor_id is not None:
        period.append(Appointment.doctor_id == doctor_id)
    out: dict[object, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    if not by_hour:
        query = select(Appointment.doctor_id, minutes, func.count()).where(*period).group_by(text("1"), text("2"))
        names = dict(s.execute(select(Doctor.id, Doctor.full_name)).all())
        for did, waited, count in s.execute(query):
            out[names[did]][int(waited)] += int(count)
        return out
    start, end = clinic_instants(day_from, day_to, t.zone)
    spans = offsets(t.zone, start - timedelta(days=1), end + timedelta(days=1))
    for i, (since, offset) in enumerate(spans):
        span = list(period)
        if i:
            span.append(Appointment.arrived_at >= since)
        if i + 1 < len(spans):
            span.append(Appointment.arrived_at < spans[i + 1][0])
        query = select(utc_quarter(Appointment.arrived_at), minutes, func.count()).where(*span).group_by(text("1"),
                                                                                                          text("2"))
        for quarter, waited, count in s.execute(query):
            out[local_hour_of_quarter(int(quarter), offset)][int(waited)] += int(count)
    return out


WAIT_COLUMNS = (Column("visits", "Visits", Kind.COUNT), Column("median", "Median wait", Kind.MINUTES),
                Column("p90", "90th percentile", Kind.MINUTES), Column("longest", "Longest", Kind.MINUTES))


def _wait_row(label: object, histogram: dict[int, int]) -> tuple[object, ...]:
    return (label, sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9), max(histogram))


def _all(groups: dict[object, dict[int, int]]) -> tuple[object, ...] | None:
    merged: dict[int, int] = defaultdict(int)
    for histogram in groups.values():
        for value, count in histogram.items():
            merged[value] += count
    return _wait_row("All visits", merged) if merged else None


def waiting_by_doctor(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    groups = _waits(s, t, day_from, day_to, doctor_id, by_hour=False)
    rows = tuple(_wait_row(name, groups[name]) for name in sorted(groups, key=str))
    return (Column("doctor", "Doctor"), *WAIT_COLUMNS), rows, _all(groups), "doctor", ("median", "p90")


def waiting_by_hour(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    groups = _waits(s, t, day_from, day_to, doctor_id, by_hour=True)
    rows = tuple(_wait_row(f"{hour:02d}:00", groups[hour]) for hour in sorted(groups))  # type: ignore[call-overload]
    return (Column("hour", "Checked in at"), *WAIT_COLUMNS), rows, _all(groups), "hour", ("median", "p90")


def available_minutes(s: Session, t: Terms, day_from: date, day_to: date,
                      doctor_ids: list[int]) -> dict[int, int]:
    """doctor -> minutes of their weekly hours over the clinic's days, leave, blocked time and
    clinic holidays taken out. On an ordinary day a session lasts its wall-clock length, so those
    days are counted per weekday; a DST day and a day with time off are placed in the clinic's
    zone one by one, so a session over the change is as long as it really is."""
    start, end = clinic_instants(day_from, day_to, t.zone)
    sessions: dict[int, dict[int, list[WeeklySession]]] = defaultdict(lambda: defaultdict(list))
    for ws in s.scalars(select(WeeklySession).where(WeeklySession.doctor_id.in_(doctor_ids))):
        sessions[ws.doctor_id][ws.weekday].append(ws)
    off: dict[int | None, list[tuple[datetime, datetime]]] = defaultdict(list)
    for x in s.scalars(select(AvailabilityException).where(
            or_(AvailabilityException.doctor_id.in_(doctor_ids), AvailabilityException.doctor_id.is_(None)),
            AvailabilityException.ends_at > start, AvailabilityException.starts_at < end)):
        off[x.doctor_id].append((x.starts_at.astimezone(UTC), x.ends_at.astimezone(UTC)))
    days = days_of(day_from, day_to)
    changing = {d for d in days if _day_length(d, t) != 86400}
    per_weekday = Counter(d.weekday() for d in days if d not in changing)

    def placed(doctor_id: int, day: date) -> list[tuple[datetime, datetime]]:
        return [session_bounds(day, ws.start_time, ws.end_time, t.zone)
                for ws in sessions.get(doctor_id, {}).get(day.weekday(), [])]

    out = {}
    for doctor_id in doctor_ids:
        seconds = 0.0
        for weekday, count in per_weekday.items():
            for ws in sessions.get(doctor_id, {}).get(weekday, []):
                seconds += count * _wall_seconds(ws.start_time, ws.end_time)
        for day in changing:
            seconds += sum((e - b).total_seconds() for b, e in placed(doctor_id, day))
        closed = merge(off.get(doctor_id, []) + off.get(None, []))
        for begin, finish in closed:
            first = max(day_from, begin.astimezone(t.zone).date())
            last = min(day_to, finish.astimezone(t.zone).date())
            for i in range((last - first).days + 1):
                seconds -= _overlap_all(placed(doctor_id, first + timedelta(days=i)), begin, finish)
        out[doctor_id] = int(seconds // 60)
    return out


def _day_length(day: date, t: Terms) -> float:
    a, b = clinic_instants(day, day, t.zone)
    # In UTC: two times in one zone subtract as wall clocks, and every day would be 24 hours.
    return (b.astimezone(UTC) - a.astimezone(UTC)).total_seconds()


def _wall_seconds(begin: time, finish: time) -> float:
    return float((finish.hour * 3600 + finish.minute * 60 + finish.second)
                 - (begin.hour * 3600 + begin.minute * 60 + begin.second))


def _overlap_all(spans: list[tuple[datetime, datetime]], begin: datetime, finish: datetime) -> float:
    return sum(max(0.0, (min(e, finish) - max(b, begin)).total_seconds()) for b, e in spans)


def utilisation(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    booked_minutes = minutes_between(Appointment.starts_at, Appointment.ends_at)
    doctors = select(Doctor.id, Doctor.full_name).where(Doctor.active.is_(True)).order_by(Doctor.full_name, Doctor.id)
    if doctor_id is not None:
        doctors = select(Doctor.id, Doctor.full_name).where(Doctor.id == doctor_id)
    names = dict(s.execute(doctors).all())
    # Per doctor in the order of the index that holds the minutes booked on SQLite (hx_, migration
    # 0017_repfast); the day kept from choosing the day-led index, which would sort them.
    day = no_index(Appointment.local_day)
    booked_query = (select(Appointment.doctor_id, func.coalesce(func.sum(booked_minutes), 0), func.count())
                    .where(day >= day_from, day <= day_to, Appointment.status.in_(SLOT_HOLDING_STATUSES))
                    .group_by(Appointment.doctor_id))
    if doctor_id is not None:
        booked_query = booked_query.where(Appointment.doctor_id == doctor_id)
    # Every doctor's, the inactive ones' left out here: a list of 200 ids in the query would steer
    # SQLite to an index per doctor that lacks the minutes booked.
    booked = {d: (int(m), int(n)) for d, m, n in s.execute(booked_query) if d in names}
    available = available_minutes(s, t, day_from, day_to, list(names))
    rows = []
    for did, name in names.items():
        minutes, count = booked.get(did, (0, 0))
        if available[did] or minutes:
            rows.append((name, available[did], minutes, count, rate(minutes, available[did])))
    total = None
    if rows:
        a, b, n = (sum(int(r[i]) for r in rows) for i in (1, 2, 3))  # type: ignore[call-overload]
        total = ("Total", a, b, n, rate(b, a))
    columns = (Column("doctor", "Doctor"), Column("available", "Available", Kind.MINUTES),
               Column("booked", "Booked", Kind.MINUTES), Column("appointments", "Appointments", Kind.COUNT),
               Column("utilisation", "Utilisation", Kind.RATE))
    return columns, tuple(rows), total, "doctor", ("utilisation",)


def by_specialty(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                 specialty_id: int | None = None) -> Built:
    """A doctor with two specialties counts under each: the rows do not add up to the clinic's."""
    per_doctor = queries.appointment_counts_per_doctor(day_from, day_to, doctor_id)
    figures = [func.sum(per_doctor.c[key]) for key in queries.APPOINTMENT_FIGURES]
    query = (select(Specialty.name, func.count(distinct(per_doctor.c.doctor_id)), *figures)
             .select_from(per_doctor)
             .join(DoctorSpecialty, DoctorSpecialty.doctor_id == per_doctor.c.doctor_id)
             .join(Specialty, Specialty.id == DoctorSpecialty.specialty_id)
             .group_by(Specialty.id, Specialty.name).order_by(Specialty.name))
    if specialty_id is not None:
        query = query.where(Specialty.id == specialty_id)
    rows = []
    for name, doctors, booked, completed, cancelled, no_show, walk_ins, still_open in s.execute(query):
        rows.append((name, int(doctors), int(booked), int(completed), int(cancelled), int(no_show), int(walk_ins),
                     int(still_open), rate(int(no_show), int(booked) - int(cancelled))))
    columns = (Column("specialty", "Specialty"), Column("doctors", "Doctors", Kind.COUNT),
               Column("booked", "Booked", Kind.COUNT), Column("completed", "Completed", Kind.COUNT),
               Column("cancelled", "Cancelled", Kind.COUNT), Column("no_show", "No-show", Kind.COUNT),
               Column("walk_ins", "Walk-ins", Kind.COUNT), Column("open", "Still open", Kind.COUNT),
               Column("no_show_rate", "No-show rate", Kind.RATE))
    return columns, tuple(rows), None, "specialty", ("completed", "cancelled", "no_show", "open")


def cancellations(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    """Cancelled and rejected appointments by who cancelled and the reason given (as typed,
    without case or surrounding spaces)."""
    reason = func.lower(func.trim(Appointment.status_reason))
    query = (select(Appointment.status, Appointment.cancelled_by, reason, func.count())
             .where(Appointment.local_day >= day_from, Appointment.local_day <= day_to,
                    Appointment.status.in_(CLOSED_STATUSES))
             .group_by(Appointment.status, Appointment.cancelled_by, reason))
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    found = [(AppointmentStatus(st).label, by.capitalize() or "—", why or "(no reason given)", int(n))
             for st, by, why, n in s.execute(query)]
    rows = tuple(sorted(found, key=lambda r: (-int(r[3]), r[0], r[1], r[2])))
    total = ("Total", "", "", sum(int(r[3]) for r in rows)) if rows else None
    columns = (Column("status", "Status"), Column("by", "Cancelled by"), Column("reason", "Reason"),
               Column("count", "Appointments", Kind.COUNT))
    return columns, rows, total, "reason", ("count",)


def patients_by_age(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    """Patients seen in the period (an appointment not cancelled), by age on the last day and sex.
    The band edges are birth dates worked out here, so both databases compare dates only."""
    def born_after(years: int) -> date:
        try:
            return day_to.replace(year=day_to.year - years)
        except ValueError:  # 29 February
            return day_to.replace(year=day_to.year - years, day=28)

    band = case(*((and_(Patient.date_of_birth > born_after(high + 1), Patient.date_of_birth <= born_after(low)), i)
                  for i, (low, high) in enumerate(AGE_BANDS)), else_=-1)
    query = (select(band, Patient.sex, func.count()).where(queries.seen_in(day_from, day_to, doctor_id))
             .group_by(text("1"), text("2")))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for i, sex, n in s.execute(query):
        counts[int(i)][sex] = int(n)
    rows = []
    for i, (low, high) in enumerate(AGE_BANDS):
        by_sex = counts.get(i, {})
        label = f"{low}-{high}" if high < 200 else f"{low} and over"
        rows.append((label, *(by_sex.get(x, 0) for x in SEXES), sum(by_sex.values())))
    columns = (Column("band", "Age"), Column("female", "Female", Kind.COUNT), Column("male", "Male", Kind.COUNT),
               Column("other", "Other", Kind.COUNT), Column("unknown", "Not known", Kind.COUNT),
               Column("total", "Total", Kind.COUNT))
    total = ("Total", *(sum(int(r[j]) for r in rows) for j in range(1, 6)))  # type: ignore[call-overload]
    return columns, tuple(rows), total, "band", ("female", "male", "other", "unknown")


BUILDERS = {
    "waiting-by-doctor": waiting_by_doctor,
    "waiting-by-hour": waiting_by_hour,
    "utilisation": utilisation,
    "appointments-by-specialty": by_specialty,
    "cancellations": cancellations,
    "patients-by-age": patients_by_age,
}
