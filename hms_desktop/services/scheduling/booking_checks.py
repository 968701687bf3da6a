"""The checks every booking, move and walk-in makes, each once: the reason text, the times given,
"does this time fit the doctor's hours", the doctor and the patient, and the clash with another
appointment (with the message the desk sees)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..doctors import not_bookable_reason
from ..errors import NotFound, ValidationError
from ..text import has_control_characters
from .booking_sql import clash_rows
from .doctor_calendar import Calendar
from .records import patient_name
from .slot_math import MAX_APPOINTMENT, fmt, fmt_range, is_aware, session_bounds


class Clash(Exception):
    """The doctor's or the patient's time is taken: ``who`` is "doctor" or "patient"; the times are
    those of the appointment in the way (None when the database refused and it is not known)."""

    def __init__(self, who: str, starts_at: datetime | None, ends_at: datetime | None) -> None:
        super().__init__(who)
        self.who = who
        self.starts_at = starts_at
        self.ends_at = ends_at


def check_reason(reason: str, *, required: bool, limit: int = 300) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationError({"reason": "Please give a reason."})
    if len(reason) > limit:
        raise ValidationError({"reason": f"Keep the reason under {limit} characters."})
    if has_control_characters(reason, allow_newlines=True):
        raise ValidationError({"reason": "Contains invisible control characters; please retype it."})
    return reason


def check_days(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day cannot be before the first day."})
    if (last_day - first_day).days > 366:
        raise ValidationError({"last_day": "Enter at most a year at a time."})


def check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if not is_aware(starts_at) or (ends_at is not None and not is_aware(ends_at)):
        raise ValidationError({"starts_at": "Give the time with its time zone (an aware datetime)."})


def check_window(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> None:
    if end <= start:
        raise ValidationError({"ends_at": "The appointment must end after it starts."})
    if end - start > MAX_APPOINTMENT:
        raise ValidationError({"ends_at": "An appointment can last at most 4 hours."})
    if start < now - timedelta(minutes=1):
        raise ValidationError({"starts_at": f"{fmt(start, zone)} has already passed; choose a later time."})


def _outside_hours(doctor_name: str, start: datetime, zone: ZoneInfo) -> str:
    return f"{doctor_name} does not see patients at {fmt(start, zone)}; choose a time within their hours."


def hours_refusal(cal: Calendar, doctor: Any, start: datetime, end: datetime, day: date) -> str | None:
    """Why [start, end) on the local ``day`` does not fit the doctor's hours (a template session
    holds it, and no leave, block or clinic holiday touches it), or None if it fits."""
    inside = any(
        b <= start and end <= f
        for b, f in (
            session_bounds(day, s.start_time, s.end_time, cal.zone)
            for s in cal.sessions.get(doctor.id, {}).get(day.weekday(), [])
        )
    )
    if not inside:
        return _outside_hours(doctor.full_name, start, cal.zone)
    for exc in cal.exceptions.get(doctor.id, []) + cal.exceptions.get(None, []):
        if exc.starts_at < end and start < exc.ends_at:
            what = {"leave": "on leave", "holiday": "closed (holiday)"}.get(exc.kind, "blocked")
            who = "The clinic is" if exc.doctor_id is None else f"{doctor.full_name} is"
            return f"{who} {what} then" + (f": {exc.reason}" if exc.reason else "") + "."
    return None


def check_fits(cal: Calendar, doctor: Any, start: datetime, end: datetime, day: date) -> None:
    why = hours_refusal(cal, doctor, start, end, day)
    if why:
        raise ValidationError({"starts_at": why})


def slot_minutes_at(cal: Calendar, doctor: Any, start: datetime) -> int | None:
    """The slot length of the doctor's session ``start`` falls in (None outside their hours)."""
    day = start.astimezone(cal.zone).date()
    for ws in cal.sessions.get(doctor.id, {}).get(day.weekday(), []):
        begin, finish = session_bounds(day, ws.start_time, ws.end_time, cal.zone)
        if begin <= start < finish:
            return int(ws.slot_minutes)
    return None


def slot_end(cal: Calendar, doctor: Any, start: datetime) -> datetime:
    """The end of the slot starting at ``start``: one slot length of the session it falls in."""
    zone = cal.zone
    day = start.astimezone(zone).date()
    for ws in cal.sessions.get(doctor.id, {}).get(day.weekday(), []):
        begin, finish = session_bounds(day, ws.start_time, ws.end_time, zone)
        if begin <= start < finish:
            return start + timedelta(minutes=ws.slot_minutes)
    raise ValidationError({"starts_at": _outside_hours(doctor.full_name, start, zone)})


def check_doctor(doctor: Any) -> Any:
    """The doctor (a Doctor, or the booking path's row standing in for one), if they can be booked."""
    if doctor is None:
        raise NotFound("That doctor does not exist.")
    why = not_bookable_reason(doctor)
    if why:
        raise ValidationError({"doctor_id": why})
    return doctor


def check_patient(patient: Any) -> Any:
    """The patient (a Patient, or a row standing in for one), if they exist and are not archived."""
    if patient is None:
        raise NotFound("That patient record does not exist.")
    if patient.archived:
        raise ValidationError({"patient_id": f"{patient_name(patient)} is archived; restore the record first."})
    return patient


def check_clashes(
    conn: Any, doctor_id: int, patient_id: int, start: datetime, end: datetime, *, exclude_id: int | None = None
) -> None:
    """Raise Clash for the first slot-holding appointment of the doctor, then of the patient, in [start, end)."""
    hits = clash_rows(conn, doctor_id, patient_id, start, end, start - MAX_APPOINTMENT, exclude_id)
    for who in ("doctor", "patient"):
        if who in hits:
            raise Clash(who, hits[who].starts_at, hits[who].ends_at)


def clash_message(clash: Clash, zone: ZoneInfo) -> str:
    """What the desk that lost is told. In the repeated hour of an autumn clock change the time
    names its UTC offset, so "01:00-01:30" says which 01:00."""
    if clash.starts_at is not None and clash.ends_at is not None:
        when = f"an appointment at {fmt_range(clash.starts_at, clash.ends_at, zone)}"
    else:
        when = "an appointment booked at another desk a moment ago"
    if clash.who == "patient":
        return (
            f"This patient already has {when} that overlaps this time. Nothing was booked; "
            "choose another time (the doctor's next free times are offered)."
        )
    return (
        f"That slot was just taken: the doctor already has {when}. "
        "Nothing was booked; the next free times are offered instead."
    )
