"""Document numbers from the database: INV-2026-000123, RCT-2026-000456, CRN-..., RFD-....

The counter row of a series and year is incremented with ``UPDATE ... RETURNING`` inside the
transaction that issues the document. The row stays locked until that transaction ends, so two
desks issuing at the same instant take consecutive numbers, and a rollback gives the number back
with everything else: unique and gap-free. (A sequence skips on rollback; MAX()+1 races.)

Because every desk issuing in the series queues on that row until the holder commits, the time
from the bump to the commit bounds the clinic's issuing rate: take the number last (everything
else written and read first) and in as few round trips as can be. ``number_row`` bumps the
counter and writes the number into the document's row in one statement on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String as SqlString
from sqlalchemy import Table, bindparam, case, cast, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ...models import DocumentCounter

INVOICE = "INV"
RECEIPT = "RCT"
CREDIT_NOTE = "CRN"
REFUND = "RFD"
SERIES = (INVOICE, RECEIPT, CREDIT_NOTE, REFUND)


def format_number(series: str, year: int, value: int) -> str:
    return f"{series}-{year}-{value:06d}"


def next_number(session: Session, series: str, year: int) -> str:
    """The next number of ``series`` in ``year``, taken in the caller's transaction."""
    if series not in SERIES:
        raise ValueError(f"unknown document series {series!r}")
    bump = _bump(series, year)
    value = session.execute(bump).scalar()
    if value is None:
        _ensure_counter(session, series, year)
        value = session.execute(bump).scalar_one()
    return format_number(series, year, value)



def _bump(series: str, year: int) -> Any:
    return (
        update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last_value=DocumentCounter.last_value + 1)
        .returning(DocumentCounter.last_value)
    )


def _ensure_counter(session: Session, series: str, year: int) -> None:
    """The first document of the series this year: make the row (another desk may make it at the
    same moment; either way there is exactly one)."""
    dialect = session.get_bind().dialect.name
    insert_ = pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else insert
    row = {"series": series, "year": year, "last_value": 0}
    session.execute(insert_(DocumentCounter).values(row).on_conflict_do_nothing())  # type: ignore[attr-defined]


def number_row(session: Session, series: str, year: int, table: Table, row_id: int, column: str,
               values: dict[str, Any], version: tuple[str, int] | None = None) -> str:
    """Take the next number of ``series`` in ``year`` and write it into ``table``'s row ``row_id``
    (its ``column``) with ``values``, in the caller's transaction: on PostgreSQL one statement (the
    counter's UPDATE a CTE of the row's). ``version``: (column, value) the row must still have;
    if it has not (or is gone), StaleDataError, and the unit of work rolls back what was taken."""
    if series not in SERIES:
        raise ValueError(f"unknown document series {series!r}")
    where = [table.c.id == row_id]
    if version is not None:
        where.append(table.c[version[0]] == version[1])
    if session.get_bind().dialect.name != "postgresql":
        # SQLite: the unit of work holds the database's write lock, so two statements are as safe.
        number = next_number(session, series, year)
        if session.execute(update(table).where(*where).values({column: number, **values})).rowcount != 1:
            raise StaleDataError(f"{table.name} {row_id} changed before it was numbered")
        return number
    params = {"n_series": series, "n_year": year, "n_prefix": f"{series}-{year}-", "n_id": row_id,
              **{f"v_{k}": v for k, v in values.items()}}
    if version is not None:
        params["n_version"] = version[1]
    statement = _numbering_statement(table, column, tuple(values), version[0] if version else None)
    for _ in range(2):
        written = session.execute(statement, params).scalar()
        if written is not None:
            return str(written)
        # No number written: the row is not (or no longer) as given, or the series has no counter
        # row this year yet. Asked of the row, which this unit holds (the counter row may have just
        # been made by another desk, so asking it would race).
        if session.execute(select(table.c.id).where(*where)).first() is None:
            raise StaleDataError(f"{table.name} {row_id} changed before it was numbered")
        _ensure_counter(session, series, year)
    raise AssertionError("unreachable: the counter row exists after _ensure_counter")


_STATEMENTS: dict[tuple[str, str, tuple[str, ...], str | None], Any] = {}


def _numbering_statement(table: Table, column: str, names: tuple[str, ...], version: str | None) -> Any:
    """PostgreSQL: bump the counter (a CTE) and write the number and ``names`` into the row, built
    once per shape (parameters: n_series, n_year, n_prefix, n_id, n_version, v_<name>)."""
    key = (table.name, column, names, version)
    statement = _STATEMENTS.get(key)
    if statement is not None:
        return statement
    bumped = (
        update(DocumentCounter)
        .where(DocumentCounter.series == bindparam("n_series"), DocumentCounter.year == bindparam("n_year"))
        .values(last_value=DocumentCounter.last_value + 1)
        .returning(DocumentCounter.last_value)
    ).cte("bumped")
    taken = select(bumped.c.last_value).scalar_subquery()
    serial = cast(taken, SqlString())
    # As format_number: at least six digits, never cut.
    digits = case((func.length(serial) >= 6, serial), else_=func.lpad(serial, 6, "0"))
    where = [table.c.id == bindparam("n_id"), taken.is_not(None)]
    if version is not None:
        where.append(table.c[version] == bindparam("n_version"))
    statement = _STATEMENTS[key] = (
        update(table).where(*where)
        .values({column: bindparam("n_prefix", type_=SqlString()) + digits,
                 **{name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names}})
        .add_cte(bumped).returning(table.c[column])
    )
    return statement
