"""Time arithmetic the reports ask of the database, written once for both: an instant as whole
seconds since 1970, and the clinic's hour of day of an instant. The clinic's zone never reaches SQL
by name: its UTC offsets over the period (changing at DST) are worked out here and written into
the statement as a CASE, so SQLite (which has no zones) and PostgreSQL give the same hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, Integer, case, cast, extract, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """Whole seconds since 1970-01-01 UTC of a UTC timestamp column."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # The column holds UTC as text ("2030-01-07 03:30:00.000000"); strftime reads it as UTC.
    return str(compiler.process(cast(func.strftime("%s", *element.clauses), Integer), **kw))


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(cast(func.floor(extract("epoch", *element.clauses)), BigInteger), **kw))


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offsets between two instants: (from this instant on, offset in seconds),
    the first from ``start``. Zones change offset on the hour or half hour, so an hourly walk
    finds every change (a two-year period is some 17,500 steps, well under a millisecond each)."""
    moment = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    found: list[tuple[datetime, int]] = []
    while moment < end:
        offset = int(moment.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
        if not found or found[-1][1] != offset:
            if found:
                found.append((_change_instant(zone, moment - timedelta(hours=1), moment), offset))
            else:
                found.append((start, offset))
        moment += timedelta(hours=1)
    return found


def _change_instant(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The quarter hour between two instants an hour apart at which the offset changed."""
    old = before.astimezone(zone).utcoffset()
    moment = before
    while moment < after and moment.astimezone(zone).utcoffset() == old:
        moment += timedelta(minutes=15)
    return moment


def local_hour(column: Any, zone: ZoneInfo, start: datetime, end: datetime) -> ColumnElement[int]:
    """The clinic's hour of day (0-23) of a UTC timestamp column, for instants from ``start`` to
    ``end``."""
    spans = offsets(zone, start, end)
    if len(spans) == 1:
        shift: ColumnElement[int] = literal(spans[0][1])
    else:
        shift = case(*((column < spans[i + 1][0], spans[i][1]) for i in range(len(spans) - 1)),
                     else_=spans[-1][1])
    return ((epoch_seconds(column) + shift) // 3600) % 24
