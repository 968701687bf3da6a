"""Time arithmetic the reports ask of the database, written once for both: an instant as whole
seconds since 1970, whole minutes between two instants, and an instant's UTC quarter hour. The
clinic's zone never reaches SQL by name: its UTC offsets over the period (changing at DST) are
worked out here, the database counts visits per UTC quarter hour within each stretch of one
offset, and the clinic's hour follows from those here, so SQLite (which has no zones) and
PostgreSQL give the same hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_seconds(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """Whole seconds since 1970-01-01 UTC of a UTC timestamp column."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


# The SQL is written out with its constants inline, not as bound parameters: SQLite uses an index
# on an expression (migration 0017_repfast's hx_ indexes) only for a query that spells it the same way.
@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # The column holds UTC as text ("2030-01-07 03:30:00.000000"); strftime reads it as UTC.
    return f"CAST(strftime('%s', {compiler.process(*element.clauses, **kw)}) AS INTEGER)"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: Any, **kw: Any) -> str:
    # date_part gives a double (EXTRACT a numeric, several times slower over a year of visits);
    # a double holds today's seconds to the microsecond, so the floor is exact.
    return f"CAST(floor(date_part('epoch', {compiler.process(*element.clauses, **kw)})) AS BIGINT)"


class minutes_between(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """Whole minutes from the first UTC timestamp column to the second (each taken to the whole
    second first), as migration 0017_repfast's hx_ indexes hold them on SQLite."""

    type = BigInteger()
    inherit_cache = True
    name = "minutes_between"


@compiles(minutes_between)
def _minutes_between(element: minutes_between, compiler: Any, **kw: Any) -> str:
    begin, end = element.clauses
    return f"({compiler.process(epoch_seconds(end), **kw)} - {compiler.process(epoch_seconds(begin), **kw)}) / 60"


class utc_quarter(FunctionElement[int]):  # noqa: N801 - reads as a SQL function
    """The quarter hour of the UTC day (0-95) of a UTC timestamp column."""

    type = Integer()
    inherit_cache = True
    name = "utc_quarter"


@compiles(utc_quarter)
def _utc_quarter(element: utc_quarter, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(epoch_seconds(*element.clauses), **kw)} % 86400 / 900"


@compiles(utc_quarter, "postgresql")
def _utc_quarter_postgresql(element: utc_quarter, compiler: Any, **kw: Any) -> str:
    # mod(), as a bare % would be taken for a parameter by psycopg.
    return f"mod({compiler.process(epoch_seconds(*element.clauses), **kw)}, 86400) / 900"


def local_hour_of_quarter(quarter: int, offset_seconds: int) -> int:
    """The clinic's hour of day of an instant in UTC quarter hour ``quarter``, the zone then
    ``offset_seconds`` from UTC. Exact: zones are a whole number of quarter hours from UTC, so an
    instant's local hour depends only on its UTC quarter hour."""
    return (quarter * 900 + offset_seconds) % 86400 // 3600


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


class no_index(FunctionElement[Any]):  # noqa: N801 - reads as a SQL function
    """The column itself, but on SQLite written ``+column``: a condition on it then cannot pick an
    index (SQLite's documented way to steer its planner), so the query takes the index that hands
    rows out in the order it groups them by. PostgreSQL gets the bare column and chooses unaided."""

    inherit_cache = True
    name = "no_index"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type  # compared and bound as the column is


@compiles(no_index)
def _no_index(element: no_index, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(*element.clauses, **kw))


@compiles(no_index, "sqlite")
def _no_index_sqlite(element: no_index, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(*element.clauses, **kw)}"
