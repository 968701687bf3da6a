"""A doctor's day list on A4 portrait: the clinic's header, "Dr X — day list for <day>", and one row
per appointment (time, token, patient, MRN, phone, reason, status) whose heading row repeats on
every page; page numbers at the foot."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .fonts import SANS_BOLD
from .model import DayList
from .typesetting import build_pdf, cell, header_table, listing_style, numbered_canvas, para

SIZE = 8.5
# Shares of the printable width. The MRN has a column of its own so a row stays one line and a
# page holds about 45 patients (a busy doctor's day on two pages).
SHARES = (0.07, 0.07, 0.23, 0.11, 0.17, 0.22, 0.13)
HEADINGS = ("Time", "Token", "Patient", "MRN", "Phone", "Reason", "Status")


def day_list_title(day_list: DayList) -> str:
    day = day_list.day
    return f"{day_list.doctor_name} — day list for {day:%A} {day.day} {day:%B %Y}"


def render_day_list(day_list: DayList) -> bytes:
    margin = 14 * mm
    width = A4[0] - 2 * margin
    title = day_list_title(day_list)
    return build_pdf(_story(day_list, width), pagesize=A4, margins=(margin, margin, margin, margin * 1.3),
                     title=title, author=day_list.clinic.name,
                     canvasmaker=numbered_canvas(f"{day_list.clinic.name} · {title}", margin))


def _story(day_list: DayList, width: float) -> list[Any]:
    count = len(day_list.rows)
    right = [para("DAY LIST", SIZE * 1.4, bold=True, align="right"),
             para(f"{count} patient{'' if count == 1 else 's'}", SIZE, align="right")]
    if day_list.printed_at:
        right.append(para(f"Printed {day_list.printed_at}", SIZE, align="right", muted=True))
    story: list[Any] = [header_table(day_list.clinic, right, width, SIZE), Spacer(1, 4 * mm),
                        para(day_list_title(day_list), SIZE * 1.5, bold=True), Spacer(1, 3 * mm)]
    if not day_list.rows:
        story.append(para("No appointments on this day.", SIZE + 1, muted=True))
        return story
    story.append(_table(day_list, width))
    return story


def _table(day_list: DayList, width: float) -> Table:
    body: list[list[Any]] = [[cell(h, SIZE, bold=True) for h in HEADINGS]]
    for row in day_list.rows:
        body.append([
            cell(row.time, SIZE), cell("" if row.token is None else str(row.token), SIZE),
            cell(row.patient_name, SIZE), cell(row.patient_mrn, SIZE), cell(row.phone, SIZE),
            para(row.reason, SIZE) if row.reason else "", cell(row.status_label, SIZE),
        ])
    # repeatRows: on every page the doctor sees which column is which.
    grid = Table(body, colWidths=[width * s for s in SHARES], repeatRows=1)
    commands = listing_style(SIZE, len(body))
    # Top-aligned: a wrapped reason then starts on the same line as the time beside it.
    commands += [("FONTNAME", (0, 0), (-1, 0), SANS_BOLD), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    grid.setStyle(TableStyle(commands))
    return grid
