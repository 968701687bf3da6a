"""What every report builder shares: the shape a builder returns, a rate in basis points, the
total row and the days of a period."""

from __future__ import annotations

from datetime import date, timedelta

from .records import Column

# (columns, rows, total row or None, the label column's key, the keys of the columns to chart)
Built = tuple[tuple[Column, ...], tuple[tuple[object, ...], ...], tuple[object, ...] | None, str, tuple[str, ...]]


def rate(part: int, whole: int) -> int:
    """part/whole in basis points, half up; 0 when there is nothing to divide by."""
    return (part * 20000 + whole) // (2 * whole) if whole else 0


def days_of(day_from: date, day_to: date) -> list[date]:
    return [day_from + timedelta(days=i) for i in range((day_to - day_from).days + 1)]


def totals(rows: list[tuple[object, ...]], first: str = "Total", skip: int = 1) -> tuple[object, ...] | None:
    """The total row: ``first`` under the label column(s), then each figure column summed."""
    if not rows:
        return None
    sums = [sum(int(r[i]) for r in rows) for i in range(skip, len(rows[0]))]  # type: ignore[call-overload]
    return (first, *([""] * (skip - 1)), *sums)
