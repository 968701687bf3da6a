"""A report on A4: the clinic's header, the title and period, a bar chart drawn with ReportLab's
own charts (so a printed report needs no screen), and the table, whose header row repeats on
every page; page numbers at the foot."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from ..money import currency_exponent
from ..reports.records import Kind, ReportTable
from .fonts import SANS, SANS_BOLD
from .model import Clinic
from .typesetting import INK, MUTED, RULE, build_pdf, cell, header_table, listing_style, numbered_canvas, para

SERIES_COLOURS = ("#2f6f9f", "#d08c2e", "#b42318", "#7a8a99", "#3f8f5a")
MAX_BARS = 62  # beyond two months of days a bar per day is unreadable; the table still has them all


def render_report(table: ReportTable, clinic: Clinic) -> bytes:
    pagesize = landscape(A4) if len(table.columns) > 6 else A4
    margin = 14 * mm
    width = pagesize[0] - 2 * margin
    title = f"{table.title} {table.day_from.isoformat()} to {table.day_to.isoformat()}"
    return build_pdf(_story(table, clinic, width), pagesize=pagesize, margins=(margin, margin, margin, margin * 1.3),
                     title=title, author=clinic.name,
                     canvasmaker=numbered_canvas(f"{clinic.name} · {title}", margin))


def _story(table: ReportTable, clinic: Clinic, width: float) -> list[Any]:
    size = 8.5
    right = [para(table.title.upper(), size * 1.4, bold=True, align="right"),
             para(f"{table.day_from:%d %b %Y} to {table.day_to:%d %b %Y}", size, align="right")]
    if table.filters:
        right.append(para(table.filters, size, align="right", muted=True))
    story: list[Any] = [header_table(clinic, right, width, size), Spacer(1, 4 * mm)]
    chart = _chart(table, width)
    if chart is not None:
        story += [chart, Spacer(1, 4 * mm)]
    if not table.rows:
        story.append(para("Nothing in this period.", size + 1, muted=True))
        return story
    story.append(_table(table, width, size))
    return story


def _table(table: ReportTable, width: float, size: float) -> Table:
    header = [cell(c.label, size, bold=True, align="left" if c.kind in (Kind.TEXT, Kind.DAY) else "right")
              for c in table.columns]
    body: list[list[Any]] = [header]
    for row in table.rows + ((table.total,) if table.total else ()):
        body.append([cell(text, size, align="left" if c.kind in (Kind.TEXT, Kind.DAY) else "right")
                     for c, text in zip(table.columns, table.row_texts(row), strict=True)])
    text_columns = sum(1 for c in table.columns if c.kind is Kind.TEXT)
    figure_share = 1.0 / (len(table.columns) + text_columns)
    widths = [width * figure_share * (2 if c.kind is Kind.TEXT else 1) for c in table.columns]
    # repeatRows: a report of several pages has its column headings at the top of each.
    grid = Table(body, colWidths=widths, repeatRows=1)
    commands = listing_style(size, len(body))
    # Plain-text cells are drawn by the table, so figures are right-aligned here, column by column.
    commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i, c in enumerate(table.columns)
                 if c.kind not in (Kind.TEXT, Kind.DAY)]
    if table.total:
        commands += [("LINEABOVE", (0, -1), (-1, -1), 0.8, INK), ("FONTNAME", (0, -1), (-1, -1), SANS_BOLD)]
    grid.setStyle(TableStyle(commands))
    return grid


def _chart(table: ReportTable, width: float) -> Drawing | None:
    if not table.rows or not table.chart_values or len(table.rows) > MAX_BARS:
        return None
    label_index = table.column(table.chart_label)
    series = [[float(int(v)) for v in table.values(key)] for key in table.chart_values]  # type: ignore[call-overload]
    if not any(any(s) for s in series):
        return None
    kind = table.columns[table.column(table.chart_values[0])].kind
    money = kind is Kind.MONEY
    # Whole units on the axis: rupees, not paise; per cent, not basis points.
    scale = 10 ** currency_exponent(table.currency) if money else 100 if kind is Kind.RATE else 1
    data = [[v / scale for v in s] for s in series]
    height = 62 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = width - 50 * mm, height - 20 * mm
    chart.data = data
    labels = [table.text(table.columns[label_index].kind, row[label_index]) for row in table.rows]
    # Upright labels share the bar's width (about 3 points a character at 6 points); angled ones get 22.
    room = 22 if len(labels) > 8 else max(4, int(chart.width / len(labels) / 3.2))

    def fit(label: str) -> str:
        if len(label) > room and label.split():
            label = label.split()[-1]  # "Dr Priya Nair" -> "Nair"
        return label if len(label) <= room else label[:room - 1] + "…"

    chart.categoryAxis.categoryNames = [lbl[5:] if table.columns[label_index].kind is Kind.DAY else fit(lbl)
                                        for lbl in labels]
    chart.categoryAxis.labels.fontName = SANS
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.labels.fontName = SANS
    chart.valueAxis.labels.fontSize = 6.5
    chart.valueAxis.valueMin = 0
    chart.valueAxis.strokeColor = RULE
    chart.categoryAxis.strokeColor = RULE
    stacked = kind is Kind.COUNT and len(series) > 1  # parts of a whole (appointments by status)
    if stacked:
        chart.categoryAxis.style = "stacked"
    for i in range(len(series)):
        chart.bars[i].fillColor = colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 34 * mm, height - 8 * mm
    legend.fontName, legend.fontSize = SANS, 7
    legend.strokeColor = None
    legend.columnMaximum = 8  # one column: it stays inside the page
    legend.fillColor = MUTED
    names = [table.columns[table.column(k)].label for k in table.chart_values]
    legend.colorNamePairs = [(colors.HexColor(SERIES_COLOURS[i % len(SERIES_COLOURS)]), names[i])
                             for i in range(len(names))]
    drawing.add(legend)
    return drawing
