"""80 mm thermal roll paper: 72 mm printable, and a page exactly as long as what is printed on it.

The flowables are measured at the printable width first; the page is then made that tall, so the
printer feeds only the paper the receipt needs and nothing is split over a second "page".
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from .fonts import SANS
from .model import Clinic
from .typesetting import INK, build_pdf, clinic_block, logo, para, story_height

ROLL_WIDTH = 80 * mm
PRINTABLE_WIDTH = 72 * mm
SIDE_MARGIN = (ROLL_WIDTH - PRINTABLE_WIDTH) / 2
TOP_MARGIN = 3 * mm
# Most printers cut a few millimetres below the last line; this keeps the cut off the text.
BOTTOM_MARGIN = 8 * mm
# Measuring and drawing round differently by a hair; without slack the last line could spill.
SLACK = 2
ROLL_SIZE = 8.0  # points; a 72 mm line holds about 40 characters


def build_roll_pdf(story: list[Flowable], *, title: str, author: str) -> bytes:
    height = story_height(story, PRINTABLE_WIDTH) + TOP_MARGIN + BOTTOM_MARGIN + SLACK
    return build_pdf(story, pagesize=(ROLL_WIDTH, height),
                     margins=(SIDE_MARGIN, SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN), title=title, author=author)


def rule(width: float = PRINTABLE_WIDTH, *, dashed: bool = True) -> Table:
    """A full-width line across the roll, dashed like a till receipt's."""
    table = Table([[""]], colWidths=[width], rowHeights=[2.5 * mm])
    commands: list[tuple[Any, ...]] = [("LINEBELOW", (0, 0), (-1, -1), 0.6, INK)]
    if dashed:
        commands = [("LINEBELOW", (0, 0), (-1, -1), 0.6, INK, 1, (2, 1.5))]
    table.setStyle(TableStyle(commands + [("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                                          ("FONTNAME", (0, 0), (-1, -1), SANS)]))
    return table


def roll_header(clinic: Clinic, title: str) -> list[Flowable]:
    """Logo, clinic and title, centred: the head of every roll document."""
    story: list[Flowable] = []
    image = logo(clinic.logo_png, 12 * mm)
    if image is not None:
        image.hAlign = "CENTER"
        story += [image, Spacer(1, 1.5 * mm)]
    story += clinic_block(clinic, ROLL_SIZE, align="center")
    story += [rule(), Spacer(1, 1 * mm), para(title, ROLL_SIZE + 2, bold=True, align="center"), Spacer(1, 1 * mm)]
    return story
