"""Document numbers from the database: INV-2026-000123, RCT-2026-000456, CRN-..., RFD-....

The counter row of a series and year is incremented with ``UPDATE ... RETURNING`` inside the
transaction that issues the document. The row stays locked until that transaction ends, so two
desks issuing at the same instant take consecutive numbers, and a rollback gives the number back
with everything else: unique and gap-free. (A sequence skips on rollback; MAX()+1 races.)
"""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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
    bump = (
        update(DocumentCounter)
        .where(DocumentCounter.series == series, DocumentCounter.year == year)
        .values(last_value=DocumentCounter.last_value + 1)
        .returning(DocumentCounter.last_value)
    )
    value = session.execute(bump).scalar()
    if value is None:
        # The first document of the series this year: make the row (another desk may make it at
        # the same moment; either way there is exactly one), then take the number from it.
        dialect = session.get_bind().dialect.name
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else insert
        row = {"series": series, "year": year, "last_value": 0}
        session.execute(insert_(DocumentCounter).values(row).on_conflict_do_nothing())  # type: ignore[attr-defined]
        value = session.execute(bump).scalar_one()
    return format_number(series, year, value)

