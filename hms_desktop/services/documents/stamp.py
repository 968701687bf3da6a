"""Reprints: the archived original PDF with a visible COPY mark, and nothing else changed."""

from __future__ import annotations

import io

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from .fonts import SANS, SANS_BOLD, register_fonts
from .typesetting import WARNING

COPY_MARK = "COPY"


def _overlay(width: float, height: float, reprinted_at_text: str) -> bytes:
    """One page of the given size holding only the mark."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setFillColor(WARNING, alpha=0.22)
    pdf.setStrokeColor(WARNING, alpha=0.5)
    # Big enough to see from across the desk, small enough to fit a narrow roll.
    size = min(width * 0.3, height * 0.25, 110)
    pdf.saveState()
    pdf.translate(width / 2, height / 2)
    pdf.rotate(30 if height > width * 0.8 else 0)
    pdf.setFont(SANS_BOLD, size)
    pdf.drawCentredString(0, -size * 0.35, COPY_MARK)
    pdf.restoreState()
    label = f"{COPY_MARK} - Reprinted {reprinted_at_text}"
    label_size = min(8.0, width / (0.62 * max(len(label), 1)))
    pdf.setFillColor(WARNING, alpha=1)
    pdf.setFont(SANS, label_size)
    # In the margin: a sheet's top margin, or a roll's bottom one (the top of a roll is the cut).
    y = 3 * mm if width < 90 * mm else height - 5 * mm - label_size
    pdf.drawCentredString(width / 2, y, label)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def stamp_copy(original_pdf: bytes, reprinted_at_text: str) -> bytes:
    """The original PDF's pages, each with "COPY" across it and "Reprinted <time>" at its top.

    The original's own content is kept byte for byte on every page (the mark is merged on top),
    so a reprint shows exactly what was printed the first time.
    """
    from pypdf import PageObject, PdfReader, PdfWriter

    register_fonts()
    # A writer cloned from the original keeps its pages, metadata and fonts as they are.
    writer = PdfWriter(clone_from=io.BytesIO(original_pdf))
    overlays: dict[tuple[float, float], PageObject] = {}
    for page in writer.pages:
        box = page.mediabox
        size = (float(box.width), float(box.height))
        if size not in overlays:
            overlays[size] = PdfReader(io.BytesIO(_overlay(*size, reprinted_at_text))).pages[0]
        page.merge_page(overlays[size], over=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
