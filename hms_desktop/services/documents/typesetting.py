"""What every renderer shares: paragraph styles, text and money cells, the clinic header, page
numbers ("Page 2 of 5"), the VOID mark, and PDF bytes from a story of flowables."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)

from ..money import format_money
from .fonts import SANS, SANS_BOLD, is_plain, markup, needs_shaping, register_fonts
from .model import Clinic

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
RULE = colors.HexColor("#c3cad3")
STRIPE = colors.HexColor("#f2f4f7")
WARNING = colors.HexColor("#b42318")
ALIGN = {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER}


@lru_cache(maxsize=256)
def style(size: float, *, bold: bool = False, align: str = "left", muted: bool = False,
          shaping: bool = False) -> ParagraphStyle:
    register_fonts()  # a paragraph looks its font up when it is made, not when it is drawn
    return ParagraphStyle(
        f"hms-{size}-{bold}-{align}-{muted}-{shaping}",
        fontName=SANS_BOLD if bold else SANS,
        fontSize=size,
        leading=round(size * 1.25, 2),
        alignment=ALIGN[align],
        textColor=MUTED if muted else INK,
        # HarfBuzz only for Devanagari (see fonts.py); the flag costs time on every word.
        shaping=1 if shaping else 0,
    )


def para(text: str, size: float, *, bold: bool = False, align: str = "left", muted: bool = False) -> Paragraph:
    """User or label text as a paragraph, any script, wrapped to the width it is given."""
    return Paragraph(markup(text, bold=bold),
                     style(size, bold=bold, align=align, muted=muted, shaping=needs_shaping(text)))


def lines_para(lines: Sequence[str], size: float, *, muted: bool = False, align: str = "left") -> Paragraph:
    """Several lines (an address) in one paragraph, one per line."""
    text = [line for line in lines if line]
    body = "<br/>".join(markup(line) for line in text)
    return Paragraph(body, style(size, muted=muted, align=align, shaping=any(map(needs_shaping, text))))


def cell(text: str, size: float, *, bold: bool = False, align: str = "left") -> Any:
    """A table cell: plain text drawn by the table itself when the base font can (fast, no
    wrapping needed for figures), else a paragraph."""
    if is_plain(text) and "\n" not in text:
        return text
    return para(text, size, bold=bold, align=align)


@dataclass(frozen=True)
class Money:
    """Formats minor units for one document's currency and locale."""

    currency: str
    locale: str

    def __call__(self, minor: int) -> str:
        return format_money(minor, self.currency, self.locale)


def logo(png: bytes | None, height: float) -> Flowable | None:
    if not png:
        return None
    from reportlab.lib.utils import ImageReader

    reader = ImageReader(io.BytesIO(png))
    width_px, height_px = reader.getSize()
    return Image(io.BytesIO(png), width=height * width_px / height_px, height=height)


def clinic_block(clinic: Clinic, size: float, *, align: str = "left") -> list[Flowable]:
    """The clinic's name, address, phone and tax number, as the top of every document."""
    details = [*clinic.address.splitlines(), f"Phone {clinic.phone}" if clinic.phone else "",
               clinic.tax_registration]
    return [para(clinic.name, size * 1.45, bold=True, align=align), lines_para(details, size * 0.9, muted=True,
                                                                              align=align)]


def header_table(clinic: Clinic, right: list[Flowable], width: float, size: float) -> Table:
    """Logo and clinic on the left, the document's title and numbers on the right."""
    image = logo(clinic.logo_png, 16 * mm)
    left = clinic_block(clinic, size)
    if image is not None:
        cells = [[image, left, right]]
        widths = [image.drawWidth + 4 * mm, None, width * 0.38]
        widths[1] = width - widths[0] - widths[2]
    else:
        cells = [[left, right]]
        widths = [width * 0.62, width * 0.38]
    table = Table(cells, colWidths=widths)
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
    ]))
    return table


def key_values(rows: Sequence[tuple[str, str]], width: float, size: float, *, label_share: float = 0.4,
               align_values: str = "left") -> Table:
    """Two columns, label and value, without rules: "Invoice no.  INV-2024-0012"."""
    data = [[para(label, size, muted=True), para(value, size, align=align_values)] for label, value in rows
            if value]
    table = Table(data or [["", ""]], colWidths=[width * label_share, width * (1 - label_share)])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.6),
    ]))
    return table


def money_table(rows: Sequence[tuple[str, str, bool]], widths: Sequence[float], size: float,
                *, rule_above: Sequence[int] = (), label_align: str = "right") -> Table:
    """A right-aligned column of figures with labels: (label, amount, bold)."""
    data = [[cell(label, size, bold=bold, align=label_align), cell(amount, size, bold=bold, align="right")]
            for label, amount, bold in rows]
    commands: list[tuple[Any, ...]] = [
        ("ALIGN", (0, 0), (0, -1), label_align.upper()),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ]
    for index, (_label, _amount, bold) in enumerate(rows):
        if bold:
            commands.append(("FONTNAME", (0, index), (-1, index), SANS_BOLD))
    for index in rule_above:
        commands.append(("LINEABOVE", (0, index), (-1, index), 0.6, INK))
        commands.append(("TOPPADDING", (0, index), (-1, index), 2.5))
    table = Table(data, colWidths=list(widths), hAlign="RIGHT")
    table.setStyle(TableStyle(commands))
    return table


def listing_style(size: float, rows: int) -> list[tuple[Any, ...]]:
    """The look of a long listing (a report, a day list): a rule under the heading row, striped rows."""
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    return commands + [("BACKGROUND", (0, i), (-1, i), STRIPE) for i in range(2, rows, 2)]


def void_banner(reason: str, width: float, size: float) -> Table:
    text = "VOID" + (f": {reason}" if reason else "") + ". This document is cancelled and not payable."
    table = Table([[para(text, size, bold=True)]], colWidths=[width])
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1, WARNING),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fdecea")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
    ]))
    return table


def draw_void_mark(canvas: Canvas, width: float, height: float) -> None:
    canvas.saveState()
    canvas.setFillColor(WARNING, alpha=0.13)
    canvas.setFont(SANS_BOLD, min(width, height) * 0.28)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -min(width, height) * 0.09, "VOID")
    canvas.restoreState()


def numbered_canvas(footer: str, margin: float, *, void: bool = False) -> type[Canvas]:
    """A canvas class that writes "<footer> · Page x of y" at the foot of every page; the page
    count is only known at the end, so pages are kept and drawn on save."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kept_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._kept_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kept_pages)
            for number, state in enumerate(self._kept_pages, start=1):
                self.__dict__.update(state)
                width, height = self._pagesize
                if void:
                    draw_void_mark(self, width, height)
                self.setFont(SANS, 7.5)
                self.setFillColor(MUTED)
                self.drawString(margin, margin * 0.5, footer)
                self.drawRightString(width - margin, margin * 0.5, f"Page {number} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


def build_pdf(story: list[Flowable], *, pagesize: tuple[float, float], margins: tuple[float, float, float, float],
              title: str, author: str, canvasmaker: type[Canvas] = Canvas,
              on_page: Callable[[Canvas, Any], None] | None = None) -> bytes:
    """PDF bytes from flowables; margins are (left, right, top, bottom)."""
    register_fonts()
    buffer = io.BytesIO()
    left, right, top, bottom = margins
    doc = BaseDocTemplate(buffer, pagesize=pagesize, leftMargin=left, rightMargin=right, topMargin=top,
                          bottomMargin=bottom, title=title, author=author, creator="HMS Desktop",
                          pageCompression=1)
    # No frame padding: the margins are the printable edge (a thermal roll has no room to spare).
    frame = Frame(left, bottom, pagesize[0] - left - right, pagesize[1] - top - bottom, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page or _nothing)])
    doc.build(story, canvasmaker=canvasmaker)
    return buffer.getvalue()


def _nothing(_canvas: Canvas, _doc: Any) -> None:
    pass


def story_height(story: Sequence[Flowable], width: float) -> float:
    """How tall the flowables stand in one frame of this width: what a roll's page must be."""
    total = 0.0
    for index, flowable in enumerate(story):
        _w, height = flowable.wrap(width, 100_000)
        # A frame drops the space before its first flowable, as build() will.
        total += height + flowable.getSpaceAfter() + (flowable.getSpaceBefore() if index else 0)
    return total
