"""The A4 invoice: clinic header, patient and payer, the lines (header row repeated on every page),
then the totals, tax summary, credit notes and notes, kept together on the last page."""

from __future__ import annotations

from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

from ..money import format_rate
from .fonts import SANS, SANS_BOLD
from .model import Invoice
from .typesetting import (
    INK,
    RULE,
    STRIPE,
    Money,
    build_pdf,
    cell,
    header_table,
    key_values,
    money_table,
    numbered_canvas,
    para,
    void_banner,
)

MARGIN = 15 * mm
SIZE = 8.5
# Item, qty, unit price, discount, tax, total: the description takes what is left.
FIGURE_COLUMNS = (11 * mm, 25 * mm, 22 * mm, 30 * mm, 26 * mm)


class InvoiceFiguresMismatch(ValueError):
    """The invoice's totals do not add up; printing it would put a wrong figure on paper."""


def check_figures(invoice: Invoice) -> None:
    line_sum = sum(line.total for line in invoice.lines)
    if line_sum != invoice.total:
        raise InvoiceFiguresMismatch(f"invoice {invoice.number}: lines add up to {line_sum}, total is {invoice.total}")
    if invoice.subtotal - invoice.discount + invoice.tax != invoice.total:
        raise InvoiceFiguresMismatch(
            f"invoice {invoice.number}: subtotal {invoice.subtotal} - discount {invoice.discount} + tax "
            f"{invoice.tax} is not the total {invoice.total}"
        )
    credited = sum(note.amount for note in invoice.credit_notes)
    if not invoice.void and invoice.total - credited - invoice.paid != invoice.balance:
        raise InvoiceFiguresMismatch(
            f"invoice {invoice.number}: total {invoice.total} - credit notes {credited} - paid {invoice.paid} "
            f"is not the balance {invoice.balance}"
        )


def render_invoice(invoice: Invoice) -> bytes:
    """The invoice as A4 PDF bytes."""
    check_figures(invoice)
    money = Money(invoice.currency, invoice.locale)
    width = A4[0] - 2 * MARGIN
    story: list[Any] = [header_table(invoice.clinic, _title_block(invoice, width * 0.38), width, SIZE),
                        Spacer(1, 4 * mm)]
    if invoice.void:
        story += [void_banner(invoice.void_reason, width, SIZE + 1), Spacer(1, 3 * mm)]
    story += [_parties(invoice, width), Spacer(1, 5 * mm), _lines_table(invoice, money, width), Spacer(1, 3 * mm)]
    ending: list[Any] = [_totals(invoice, money)]
    if invoice.tax_bands:
        ending += [Spacer(1, 3 * mm), _tax_summary(invoice, money)]
    if invoice.credit_notes:
        ending += [Spacer(1, 4 * mm), _credit_notes(invoice, money, width)]
    if invoice.notes:
        ending += [Spacer(1, 4 * mm), para("Notes", SIZE, bold=True), para(invoice.notes, SIZE)]
    # The totals block is never split over two pages; the footer names the invoice on every page.
    story.append(KeepTogether(ending))
    footer = f"{invoice.clinic.name} · {invoice.title} {invoice.number}"
    return build_pdf(
        story, pagesize=A4, margins=(MARGIN, MARGIN, MARGIN, MARGIN + 4 * mm),
        title=f"{invoice.title} {invoice.number}", author=invoice.clinic.name,
        canvasmaker=numbered_canvas(footer, MARGIN, void=invoice.void),
    )


def _title_block(invoice: Invoice, width: float) -> list[Any]:
    rows = [
        ("Number", invoice.number),
        ("Date", f"{invoice.issued_on:%d %b %Y}"),
        ("Service date", f"{invoice.service_date:%d %b %Y}" if invoice.service_date else ""),
        ("Due", f"{invoice.due_on:%d %b %Y}" if invoice.due_on else ""),
    ]
    return [para(invoice.title.upper(), SIZE * 1.6, bold=True, align="right"), Spacer(1, 1.5 * mm),
            key_values(rows, width, SIZE, label_share=0.42, align_values="right")]


def _parties(invoice: Invoice, width: float) -> Table:
    patient = [para("Patient", SIZE, muted=True), para(invoice.patient_name, SIZE + 2, bold=True),
               para(f"MRN {invoice.patient_mrn}", SIZE)]
    payer: list[Any] = []
    if invoice.bill_to:
        payer = [para("Bill to", SIZE, muted=True), para(invoice.bill_to, SIZE + 1, bold=True)]
        if invoice.claim_reference:
            payer.append(para(f"Claim reference {invoice.claim_reference}", SIZE))
    table = Table([[patient, payer]], colWidths=[width / 2, width / 2])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return table


def _lines_table(invoice: Invoice, money: Money, width: float) -> Table:
    description_width = width - sum(FIGURE_COLUMNS)
    header = ["Item", "Qty", "Unit price", "Discount", "Tax", "Amount"]
    data: list[list[Any]] = [header]
    for line in invoice.lines:
        item: Any = para(line.description, SIZE)
        if line.code:
            item = [item, para(line.code, SIZE - 1.5, muted=True)]
        rate = format_rate(line.tax_rate_bp, invoice.locale)
        tax = f"{money(line.tax)} ({rate}{' incl.' if line.tax_inclusive else ''})" if line.tax_rate_bp else "-"
        data.append([
            item,
            str(line.quantity),
            cell(money(line.unit_price), SIZE, align="right"),
            cell(money(line.discount) if line.discount else "-", SIZE, align="right"),
            cell(tax, SIZE, align="right"),
            cell(money(line.total), SIZE, align="right"),
        ])
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [None, STRIPE]),
    ]
    table = Table(data, colWidths=[description_width, *FIGURE_COLUMNS], repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def _totals(invoice: Invoice, money: Money) -> Table:
    rows: list[tuple[str, str, bool]] = [("Subtotal", money(invoice.subtotal), False)]
    if invoice.discount:
        rows.append(("Discount", money(-invoice.discount), False))
    if invoice.tax or not invoice.tax_included:
        rows.append(("Tax", money(invoice.tax), False))
    rows.append(("Total", money(invoice.total), True))
    total_row = len(rows) - 1
    if invoice.tax_included:
        rows.append(("of which tax included in prices", money(invoice.tax_included), False))
    credited = sum(note.amount for note in invoice.credit_notes)
    if credited:
        rows.append(("Credit notes", money(-credited), False))
    rows.append(("Paid", money(-invoice.paid) if invoice.paid else money(0), False))
    rows.append(("Balance due", money(invoice.balance), True))
    return money_table(rows, (60 * mm, 32 * mm), SIZE + 0.5, rule_above=(total_row, len(rows) - 1))


def _tax_summary(invoice: Invoice, money: Money) -> Table:
    data: list[list[Any]] = [["Tax rate", "Taxable value", "Tax"]]
    for band in invoice.tax_bands:
        data.append([format_rate(band.tax_rate_bp, invoice.locale), cell(money(band.net), SIZE - 0.5, align="right"),
                     cell(money(band.tax), SIZE - 0.5, align="right")])
    table = Table(data, colWidths=(22 * mm, 35 * mm, 35 * mm), hAlign="RIGHT")
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE - 0.5),
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


def _credit_notes(invoice: Invoice, money: Money, width: float) -> Table:
    data: list[list[Any]] = [["Credit note", "Date", "Reason", "Amount"]]
    for note in invoice.credit_notes:
        data.append([cell(note.number, SIZE), f"{note.issued_on:%d %b %Y}", para(note.reason, SIZE),
                     cell(money(note.amount), SIZE, align="right")])
    table = Table(data, colWidths=(32 * mm, 24 * mm, width - 88 * mm, 32 * mm))
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table
