"""Pure slot arithmetic in the clinic's time zone: no database, no clock.

Slots are laid out from wall-clock session times and stepped in real elapsed time, so on a
daylight-saving day a 09:00-12:00 session still yields the right instants, the missing
spring-forward hour yields no slots and the repeated fall-back hour yields both sets of slots,
none overlapping.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_APPOINTMENT = timedelta(hours=4)  # also bounds the overlap queries' index range
MIN_SLOT_MINUTES, MAX_SLOT_MINUTES = 5, 240
SEARCH_HORIZON_DAYS = 180  # "next available" looks this far ahead


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


def merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for s, e in sorted(intervals):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def subtract(
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


def is_ambiguous(moment: datetime, zone: ZoneInfo) -> bool:
    """True when the local wall time of ``moment`` happens twice (the repeated hour of an autumn change)."""
    wall = moment.astimezone(zone).replace(tzinfo=None)
    return wall.replace(tzinfo=zone, fold=0).utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset()


def utc_offset(moment: datetime, zone: ZoneInfo) -> str:
    """``UTC-05:00``: the offset in force at ``moment``."""
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def fmt(moment: datetime, zone: ZoneInfo) -> str:
    """``Sun 01 Nov 2026 01:30`` in the clinic's zone, with ``(UTC-05:00)`` when that wall time is repeated."""
    local = moment.astimezone(zone)
    text = f"{local:%a %d %b %Y %H:%M}"
    return f"{text} ({utc_offset(moment, zone)})" if is_ambiguous(moment, zone) else text


def fmt_range(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``Sun 01 Nov 2026 01:00-01:30``, naming the offset when either end falls in a repeated hour."""
    text = f"{start.astimezone(zone):%a %d %b %Y %H:%M}-{end.astimezone(zone):%H:%M}"
    if is_ambiguous(start, zone) or is_ambiguous(end, zone):
        first, last = utc_offset(start, zone), utc_offset(end, zone)
        text += f" ({first})" if first == last else f" ({first} to {last})"
    return text


def is_aware(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None


def slot_length_at(windows: list[tuple[tuple[datetime, datetime], int]], now: datetime) -> int:
    for (begin, finish), minutes in windows:
        if begin <= now < finish or now < begin:
            return minutes
    return windows[-1][1] if windows else 15


def fit(
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


__all__ = [
    "MAX_APPOINTMENT", "MAX_SLOT_MINUTES", "MIN_SLOT_MINUTES", "SEARCH_HORIZON_DAYS", "fit", "fmt", "fmt_range",
    "is_ambiguous", "is_aware", "local_day_bounds", "merge", "session_bounds", "session_slots", "slot_length_at",
    "subtract", "utc_offset",
]
