"""The payment receipt: A5 or A4 for the desk printer, or an 80 mm thermal roll."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from .fonts import SANS, SANS_BOLD
from .model import Paper, Receipt
from .roll import PRINTABLE_WIDTH, ROLL_SIZE, build_roll_pdf, roll_header, rule
from .typesetting import (
    INK,
    Money,
    build_pdf,
    cell,
    header_table,
    key_values,
    money_table,
    para,
)


def render_receipt(receipt: Receipt, paper: Paper = Paper.A5) -> bytes:
    """The receipt as PDF bytes on the chosen paper."""
    if paper is Paper.ROLL_80MM:
        return build_roll_pdf(_roll_story(receipt), title=f"Receipt {receipt.number}", author=receipt.clinic.name)
    pagesize = A4 if paper is Paper.A4 else A5
    margin = 15 * mm if paper is Paper.A4 else 10 * mm
    size = 9.5 if paper is Paper.A4 else 8.5
    width = pagesize[0] - 2 * margin
    return build_pdf(_sheet_story(receipt, width, size), pagesize=pagesize, margins=(margin, margin, margin, margin),
                     title=f"Receipt {receipt.number}", author=receipt.clinic.name)


def _issued(receipt: Receipt) -> str:
    return f"{receipt.issued_at:%d %b %Y %H:%M}"


def _totals_rows(receipt: Receipt, money: Money) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = [("Received", money(receipt.received), True)]
    if receipt.tendered is not None:
        rows.append(("Cash tendered", money(receipt.tendered), False))
    if receipt.change is not None:
        rows.append(("Change", money(receipt.change), False))
    rows.append(("Balance on invoice", money(receipt.balance_after), True))
    return rows


def _sheet_story(receipt: Receipt, width: float, size: float) -> list[Any]:
    money = Money(receipt.currency, receipt.locale)
    title = [para("RECEIPT", size * 1.6, bold=True, align="right"), Spacer(1, 1.5 * mm),
             key_values([("Number", receipt.number), ("Date", _issued(receipt))], width * 0.38, size,
                        label_share=0.35, align_values="right")]
    story: list[Any] = [header_table(receipt.clinic, title, width, size), Spacer(1, 4 * mm)]
    story.append(key_values([
        ("Received from", receipt.patient_name),
        ("MRN", receipt.patient_mrn),
        ("For invoice", receipt.invoice_number),
        ("Invoice total", money(receipt.invoice_total) if receipt.invoice_total is not None else ""),
    ], width, size, label_share=0.25))
    story += [Spacer(1, 4 * mm), _payments_table(receipt, money, width, size), Spacer(1, 2 * mm)]
    story.append(money_table(_totals_rows(receipt, money), (width * 0.35, width * 0.25), size + 0.5,
                             rule_above=(0,)))
    story += [Spacer(1, 5 * mm), para(f"Cashier: {receipt.cashier}", size, muted=True)]
    if receipt.notes:
        story += [Spacer(1, 2 * mm), para(receipt.notes, size)]
    story += [Spacer(1, 3 * mm), para("Thank you. Please keep this receipt.", size, muted=True)]
    return story


def _payments_table(receipt: Receipt, money: Money, width: float, size: float) -> Table:
    data: list[list[Any]] = [["Paid by", "Reference", "Amount"]]
    for payment in receipt.payments:
        data.append([cell(payment.method, size), cell(payment.reference or "-", size),
                     cell(money(payment.amount), size, align="right")])
    table = Table(data, colWidths=[width * 0.25, width * 0.5, width * 0.25], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _roll_story(receipt: Receipt) -> list[Any]:
    money = Money(receipt.currency, receipt.locale)
    width = PRINTABLE_WIDTH
    story = roll_header(receipt.clinic, "RECEIPT")
    story.append(key_values([
        ("No.", receipt.number),
        ("Date", _issued(receipt)),
        ("Patient", receipt.patient_name),
        ("MRN", receipt.patient_mrn),
        ("Invoice", receipt.invoice_number),
        ("Invoice total", money(receipt.invoice_total) if receipt.invoice_total is not None else ""),
    ], width, ROLL_SIZE, label_share=0.3))
    story += [rule()]
    for payment in receipt.payments:
        # Method and amount on one line, the reference under it: 72 mm has no room for three columns.
        story.append(money_table([(payment.method, money(payment.amount), False)], (width * 0.6, width * 0.4),
                                 ROLL_SIZE, label_align="left"))
        if payment.reference:
            story.append(para(payment.reference, ROLL_SIZE - 1, muted=True))
    story += [rule()]
    story.append(money_table(_totals_rows(receipt, money), (width * 0.6, width * 0.4), ROLL_SIZE + 0.5,
                             label_align="left"))
    story += [rule(), para(f"Cashier: {receipt.cashier}", ROLL_SIZE - 0.5, muted=True)]
    if receipt.notes:
        story.append(para(receipt.notes, ROLL_SIZE - 0.5))
    story += [Spacer(1, 2 * mm), para("Thank you. Please keep this receipt.", ROLL_SIZE - 0.5, align="center")]
    return story
