"""A report as CSV or XLSX: plain numbers (money as decimals in the clinic's currency, named in the
header), days in ISO form (real dates in XLSX), so a spreadsheet or a script reads it without guessing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
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


def _header(table: ReportTable) -> list[str]:
    header = []
    for c in table.columns:
        if c.kind is Kind.MONEY:
            header.append(f"{c.label} ({table.currency})")
        elif c.kind is Kind.RATE:
            header.append(f"{c.label} (%)")
        elif c.kind is Kind.MINUTES:
            header.append(f"{c.label} (minutes)")
        else:
            header.append(c.label)
    return header


def heading_lines(table: ReportTable) -> list[str]:
    """What the CSV says about itself before its heading row, as the PDF's header and the XLSX's
    subtitle do: the report, the period and each filter it was run with ("doctor: Dr Priya Nair")."""
    lines = [f"report: {table.title}", f"period: {table.day_from.isoformat()} to {table.day_to.isoformat()}"]
    lines += [f"{label.lower()}: {name}" for label, name in table.named_filters]
    return lines


def to_csv(table: ReportTable) -> str:
    """The report as CSV: comment lines beginning with "#" (the report, the period, the filters),
    then the heading row and the rows. The comment lines go through the csv writer too, so a name
    with a comma in it is quoted and every line still reads back as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in heading_lines(table):
        writer.writerow([f"# {line}"])
    writer.writerow(_header(table))
    for row in table.rows + ((table.total,) if table.total else ()):
        writer.writerow([_plain(table, c.kind, v) for c, v in zip(table.columns, row, strict=True)])
    return out.getvalue()


def to_xlsx(table: ReportTable) -> bytes:
    """The report as one worksheet: the title and period above, the heading row frozen with a
    filter, figures as numbers (money in the currency's decimals, rates as percentages, days as
    dates) and, when the report has one, its chart drawn by the spreadsheet from the cells."""
    import xlsxwriter  # only when a spreadsheet is asked for

    exponent = currency_exponent(table.currency)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet(table.title[:31])
    bold = book.add_format({"bold": True})
    formats = {Kind.MONEY: book.add_format({"num_format": "#,##0" + ("." + "0" * exponent if exponent else "")}),
               Kind.RATE: book.add_format({"num_format": "0.0%"}),
               Kind.DAY: book.add_format({"num_format": "yyyy-mm-dd"}),
               Kind.COUNT: book.add_format({"num_format": "#,##0"}),
               Kind.MINUTES: book.add_format({"num_format": "#,##0"})}
    totals = {kind: book.add_format({"bold": True, "num_format": f.num_format}) for kind, f in formats.items()}
    sheet.write(0, 0, table.title, book.add_format({"bold": True, "font_size": 14}))
    period = f"{table.day_from.isoformat()} to {table.day_to.isoformat()}"
    sheet.write(1, 0, f"{period} · {table.filters}" if table.filters else period)
    first = 3
    header = _header(table)
    sheet.write_row(first, 0, header, bold)
    widths = [len(h) for h in header]
    rows = list(table.rows) + ([table.total] if table.total else [])
    for r, row in enumerate(rows, start=first + 1):
        is_total = table.total is not None and r == first + len(rows)
        for c, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            style = (totals if is_total else formats).get(column.kind, bold if is_total else None)
            if column.kind is Kind.MONEY and isinstance(value, int):
                sheet.write_number(r, c, value / 10 ** exponent, style)
            elif column.kind is Kind.RATE and isinstance(value, int):
                sheet.write_number(r, c, value / 10000, style)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), style)
            elif isinstance(value, int):
                sheet.write_number(r, c, value, style)
            else:
                sheet.write_string(r, c, "" if value is None else str(value), style)
            widths[c] = max(widths[c], len(table.text(column.kind, value)))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, min(60, width + 2))
    sheet.freeze_panes(first + 1, 0)
    last = first + len(table.rows)
    if table.rows:
        sheet.autofilter(first, 0, last, len(table.columns) - 1)
    if table.rows and table.chart_values and table.chart_label:
        stacked = table.columns[table.column(table.chart_values[0])].kind is Kind.COUNT and len(table.chart_values) > 1
        chart = book.add_chart({"type": "column", "subtype": "stacked"} if stacked else {"type": "column"})
        label = table.column(table.chart_label)
        for key in table.chart_values:
            c = table.column(key)
            chart.add_series({"name": [sheet.name, first, c], "categories": [sheet.name, first + 1, label, last, label],
                              "values": [sheet.name, first + 1, c, last, c]})
        chart.set_title({"name": table.title})
        chart.set_legend({"position": "bottom"})
        sheet.insert_chart(last + 3, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})
    book.close()
    return out.getvalue()
