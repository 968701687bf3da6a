"""A report as CSV: plain numbers (money as decimals in the clinic's currency, named in the
header), days in ISO form, so a spreadsheet or a script reads it without guessing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from ..money import currency_exponent
from .records import Kind, ReportTable


def _plain(table: ReportTable, kind: Kind, value: object) -> str:
    if value is None:
        return ""
    if kind is Kind.MONEY and isinstance(value, int):
        return str(Decimal(value).scaleb(-currency_exponent(table.currency)))
    if kind is Kind.RATE and isinstance(value, int):
        return str(Decimal(value).scaleb(-2))  # per cent
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)


def to_csv(table: ReportTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = []
    for c in table.columns:
        if c.kind is Kind.MONEY:
            header.append(f"{c.label} ({table.currency})")
        elif c.kind is Kind.RATE:
            header.append(f"{c.label} (%)")
        else:
            header.append(c.label)
    writer.writerow(header)
    for row in table.rows + ((table.total,) if table.total else ()):
        writer.writerow([_plain(table, c.kind, v) for c, v in zip(table.columns, row, strict=True)])
    return out.getvalue()
