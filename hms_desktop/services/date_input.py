"""Dates as people type them, and ages."""

from __future__ import annotations

import re
from datetime import date

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
)


def parse_date(text_value: str) -> date | None:
    """ISO (1980-03-14) or day first (14/03/1980, 14.03.1980, 14-03-1980); None if not a date."""
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(text_value.strip())
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            try:
                return date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                return None
    return None


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
