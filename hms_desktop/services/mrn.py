"""Medical record numbers: the id the database hands out, zero-padded, plus a Luhn check digit."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..models import Patient


def luhn_digit(number: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def mrn_for(patient_id: int) -> str:
    """Eight digits or more: the id zero-padded to seven, plus a check digit that catches a typo."""
    body = f"{patient_id:07d}"
    return body + luhn_digit(body)


def mrns_meant_by(digits: str) -> tuple[str, ...]:
    """The MRNs a person may mean by typing ``digits`` without the leading zeros: the whole MRN
    ("11313" for 00011313) or the record number without its check digit ("1131")."""
    if not digits.isdigit() or len(digits) > 12 or digits.startswith("0"):
        return ()
    meant = {mrn_for(int(digits))}
    if len(digits) < 8:
        meant.add(digits.zfill(8))
    return tuple(sorted(meant))


def reserve_patient_ids(session: Session, count: int) -> list[int]:
    """Ids handed out by the database, so the MRN can be written in the same INSERT.

    PostgreSQL: the serial's sequence (never hands out the same number twice, even across desks).
    SQLite: the caller holds the write lock (BEGIN IMMEDIATE), so max(id) cannot move under us.
    """
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text("SELECT nextval(pg_get_serial_sequence('patients', 'id')) FROM generate_series(1, :n)"),
            {"n": count},
        )
        return [r[0] for r in rows]
    start = session.scalar(select(func.coalesce(func.max(Patient.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))
