"""Reading rendered PDFs back, as a person copying their text would."""

from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text as one line, runs of spaces and line ends as one space (pypdf puts table
    cells on lines of their own); Arabic presentation forms folded back to letters (NFKC)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in reader.pages]


def text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


def embedded_fonts(pdf: bytes) -> set[str]:
    """Base names of the fonts the pages use, without the subset prefix: {"DejaVuSans", ...}."""
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names
