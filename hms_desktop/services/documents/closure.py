"""The cashier's shift closure slip: expected against counted per payment method, the cash by
denomination, over or short and why. A4 for the file, 80 mm for the drawer."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .fonts import SANS, SANS_BOLD
from .model import Paper, ShiftClosure
from .roll import PRINTABLE_WIDTH, ROLL_SIZE, build_roll_pdf, roll_header, rule
from .typesetting import (
    INK,
    RULE,
    WARNING,
    Money,
    build_pdf,
    cell,
    header_table,
    key_values,
    money_table,
    para,
)


def render_shift_closure(closure: ShiftClosure, paper: Paper = Paper.A4) -> bytes:
    """The closure as PDF bytes, on A4 or an 80 mm roll (A5 prints as A4)."""
    title = f"Shift closure {closure.cashier} {closure.closed_at:%Y-%m-%d %H:%M}"
    if paper is Paper.ROLL_80MM:
        return build_roll_pdf(_roll_story(closure), title=title, author=closure.clinic.name)
    margin = 15 * mm
    return build_pdf(_sheet_story(closure, A4[0] - 2 * margin), pagesize=A4,
                     margins=(margin, margin, margin, margin), title=title, author=closure.clinic.name)


def _over_short(closure: ShiftClosure, money: Money) -> tuple[str, str]:
    difference = closure.over_short
    if difference == 0:
        return "Balanced", money(0)
    return ("Over" if difference > 0 else "Short"), money(abs(difference))


def _facts(closure: ShiftClosure) -> list[tuple[str, str]]:
    return [
        ("Cashier", closure.cashier),
        ("Shift", closure.shift_reference),
        ("Workstation", closure.workstation),
        ("Opened", f"{closure.opened_at:%d %b %Y %H:%M}"),
        ("Closed", f"{closure.closed_at:%d %b %Y %H:%M}"),
    ]


def _methods_table(closure: ShiftClosure, money: Money, widths: list[float], size: float) -> Table:
    data: list[list[Any]] = [["Method", "Expected", "Counted", "Difference"]]
    for method in closure.methods:
        data.append([cell(method.method, size), money(method.expected), money(method.counted),
                     money(method.difference) if method.difference else "-"])
    data.append(["Total", money(closure.expected), money(closure.counted),
                 money(closure.over_short) if closure.over_short else "-"])
    table = Table(data, colWidths=widths)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTNAME", (0, -1), (-1, -1), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _denominations_table(closure: ShiftClosure, money: Money, widths: list[float], size: float) -> Table:
    data: list[list[Any]] = [["Note / coin", "Count", "Amount"]]
    for item in closure.denominations:
        data.append([money(item.value), str(item.count), money(item.amount)])
    data.append(["Cash counted", "", money(sum(item.amount for item in closure.denominations))])
    table = Table(data, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTNAME", (0, -1), (-1, -1), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
        ("LINEABOVE", (0, -1), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]))
    return table


def _signatures(closure: ShiftClosure, width: float, size: float) -> Table:
    """Two lines to sign on, the names under them."""
    gap = min(10 * mm, width * 0.1)
    cells = [[para("Cashier's signature", size, muted=True), "", para("Accepted by", size, muted=True)],
             [para(closure.cashier, size), "", para(closure.closed_by, size)]]
    line = (width - gap) / 2
    table = Table(cells, colWidths=[line, gap, line], rowHeights=[12 * mm, None], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, 0), "TOP"),
        ("LINEBELOW", (0, 0), (0, 0), 0.6, INK),
        ("LINEBELOW", (2, 0), (2, 0), 0.6, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _sheet_story(closure: ShiftClosure, width: float) -> list[Any]:
    size = 9.5
    money = Money(closure.currency, closure.locale)
    title = [para("SHIFT CLOSURE", size * 1.5, bold=True, align="right")]
    story: list[Any] = [header_table(closure.clinic, title, width, size), Spacer(1, 4 * mm),
                        key_values(_facts(closure) + [("Opening float", money(closure.opening_float))], width,
                                   size, label_share=0.25),
                        Spacer(1, 5 * mm), _methods_table(closure, money, [width * 0.31] + [width * 0.23] * 3, size)]
    verdict, amount = _over_short(closure, money)
    story += [Spacer(1, 3 * mm), money_table([(verdict, amount, True)], (width * 0.3, width * 0.23), size + 1.5)]
    if closure.reason:
        story += [Spacer(1, 1.5 * mm), para(f"Reason: {closure.reason}", size)]
    if closure.denominations:
        story += [Spacer(1, 6 * mm), para("Cash by denomination", size, bold=True), Spacer(1, 1.5 * mm),
                  _denominations_table(closure, money, [width * 0.2, width * 0.1, width * 0.2], size)]
    story += [Spacer(1, 14 * mm), _signatures(closure, width, size)]
    return story


def _roll_story(closure: ShiftClosure) -> list[Any]:
    money = Money(closure.currency, closure.locale)
    width = PRINTABLE_WIDTH
    story = roll_header(closure.clinic, "SHIFT CLOSURE")
    story.append(key_values(_facts(closure) + [("Float", money(closure.opening_float))], width, ROLL_SIZE,
                            label_share=0.32))
    story += [rule(), _methods_table(closure, money, [width * 0.22, width * 0.26, width * 0.26, width * 0.26],
                                     ROLL_SIZE - 1)]
    verdict, amount = _over_short(closure, money)
    story += [rule(), money_table([(verdict, amount, True)], (width * 0.6, width * 0.4), ROLL_SIZE + 1.5,
                                  label_align="left")]
    if closure.over_short:
        story[-1].setStyle(TableStyle([("TEXTCOLOR", (0, 0), (-1, -1), WARNING)]))
    if closure.reason:
        story.append(para(f"Reason: {closure.reason}", ROLL_SIZE - 0.5))
    if closure.denominations:
        story += [rule(), _denominations_table(closure, money, [width * 0.4, width * 0.2, width * 0.4],
                                               ROLL_SIZE - 0.5)]
    story += [rule(), Spacer(1, 10 * mm), _signatures(closure, width, ROLL_SIZE - 0.5)]
    return story
