"""What a report hands back: one frozen table, the same for the screen, the CSV and the PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ..money import format_money


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    MONEY = "money"  # integer minor units
    RATE = "rate"  # basis points (1250 = 12.5 %)
    MINUTES = "minutes"  # whole minutes (a wait, time booked)
    DAY = "day"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class ReportTable:
    """One report over one period: its columns, its rows (plain values: str, int, date) and a total
    row when the figures add up. ``chart`` names the label column and the columns a chart plots."""

    name: str
    title: str
    day_from: date
    day_to: date
    columns: tuple[Column, ...]
    rows: tuple[tuple[object, ...], ...]
    total: tuple[object, ...] | None
    currency: str
    locale: str
    chart_label: str = ""
    chart_values: tuple[str, ...] = ()
    # The filters it was run with, as (label, name): (("Doctor", "Dr Priya Nair"), ("Specialty", "Cardiology")).
    named_filters: tuple[tuple[str, str], ...] = ()

    @property
    def filters(self) -> str:
        """The filters in one line, as the subtitle on screen, in the PDF and the XLSX:
        "Doctor: Dr Priya Nair · Specialty: Cardiology" ("" when none was chosen)."""
        return " · ".join(f"{label}: {name}" for label, name in self.named_filters)

    def column(self, key: str) -> int:
        return [c.key for c in self.columns].index(key)

    def values(self, key: str) -> list[object]:
        index = self.column(key)
        return [row[index] for row in self.rows]

    def text(self, kind: Kind, value: object) -> str:
        """A value as people read it: money with its symbol, rates as percentages, ISO days."""
        if value is None or value == "":
            return ""
        if kind is Kind.MONEY and isinstance(value, int):
            return format_money(value, self.currency, self.locale)
        if kind is Kind.RATE and isinstance(value, int):
            return f"{value / 100:.1f} %"
        if kind is Kind.COUNT and isinstance(value, int):
            return f"{value:,}"
        if kind is Kind.MINUTES and isinstance(value, int):
            return f"{value:,} min"
        if isinstance(value, date):
            return value.isoformat()
        return str(value)

    def row_texts(self, row: tuple[object, ...]) -> list[str]:
        return [self.text(c.kind, v) for c, v in zip(self.columns, row, strict=True)]


@dataclass(frozen=True)
class ReportInfo:
    name: str  # as the command line writes it: "revenue-by-doctor"
    title: str
    money: bool  # needs REPORTS_MONEY
    doctor_filter: bool
    takes: tuple[str, ...] = ()  # the other filters it takes, of FILTERS: ("specialty",)


# The filters beyond the doctor, as the service, the command line and the screen name them.
FILTERS = ("specialty", "cashier", "payer", "item")
FILTER_LABELS = {"specialty": "Specialty", "cashier": "Cashier", "payer": "Payer", "item": "Service"}
