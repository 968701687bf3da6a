"""Which backups to keep: the newest of each of the last N days, M ISO weeks and K months that
have a backup (a copy may count for several); everything else is removed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


def to_keep(backups: Iterable[tuple[datetime, T]], policy: Retention) -> set[T]:
    """The items to keep of ``(taken_at, item)`` pairs."""
    newest_first = sorted(backups, key=lambda b: b[0], reverse=True)
    keep: set[T] = set()
    for count, period in (
        (policy.daily, lambda t: t.date()),
        (policy.weekly, lambda t: tuple(t.isocalendar())[:2]),
        (policy.monthly, lambda t: (t.year, t.month)),
    ):
        seen: list[object] = []
        for taken, item in newest_first:
            key = period(taken)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(item)
    return keep
