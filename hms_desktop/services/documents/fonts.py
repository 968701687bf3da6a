"""Fonts for printed documents, shipped in resources/fonts/, and text split into runs by script.

No single font covers every patient's name, so each run of text gets the font for its script:

    Latin, Greek, Cyrillic, symbols (₹ € $)   DejaVu Sans
    Arabic                                    Noto Sans Arabic
    Devanagari                                Noto Sans Devanagari
    Chinese, Japanese, Korean                 WenQuanYi Micro Hei

Arabic letters change shape with their neighbours and run right to left; arabic-reshaper picks the
joined forms and python-bidi puts the runs in visual order, so ReportLab draws them as they are.
(ReportLab's own right-to-left support needs its rlbidi package, which is not on PyPI; its
HarfBuzz shaping also applies the font's discretionary ligatures, which turns a plain "محمد" into
the vowelled ligature "ﷴ".)

Devanagari needs real shaping (conjuncts, the reph, the i-matra drawn before its consonant):
ReportLab does that with HarfBuzz (uharfbuzz) for paragraphs whose style has ``shaping=1``, and we
switch it on only for text that has Devanagari in it. It prints correctly; reading the PDF's text
back (copy and paste, pypdf) returns private-use characters for the conjunct glyphs, because
ReportLab maps glyphs that have no Unicode value of their own to private-use code points.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from xml.sax.saxutils import escape

from ...paths import resources_dir


class Script(Enum):
    BASE = "base"
    ARABIC = "arabic"
    DEVANAGARI = "devanagari"
    CJK = "cjk"


@dataclass(frozen=True)
class _Face:
    regular: str  # ReportLab font name
    bold: str
    regular_file: str
    bold_file: str
    subfont_index: int = 0


# WenQuanYi Micro Hei has no bold; bold CJK prints in the regular weight.
FACES = {
    Script.BASE: _Face("HmsSans", "HmsSans-Bold", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    Script.ARABIC: _Face("HmsArabic", "HmsArabic-Bold", "NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    Script.DEVANAGARI: _Face("HmsDevanagari", "HmsDevanagari-Bold", "NotoSansDevanagari-Regular.ttf",
                             "NotoSansDevanagari-Bold.ttf"),
    Script.CJK: _Face("HmsCJK", "HmsCJK-Bold", "wqy-microhei.ttc", "wqy-microhei.ttc"),
}
SANS = FACES[Script.BASE].regular
SANS_BOLD = FACES[Script.BASE].bold

_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register every document font with ReportLab, once per process; safe from any thread."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        folder = resources_dir() / "fonts"
        for face in FACES.values():
            # All shapable: ReportLab shapes a paragraph only if its style says so (typesetting.style)
            # *and* the paragraph's base font is shapable, and then it shapes every word in it.
            for name, file in ((face.regular, face.regular_file), (face.bold, face.bold_file)):
                pdfmetrics.registerFont(TTFont(name, str(folder / file), subfontIndex=face.subfont_index))
            # Paragraphs look every font up by family, weight and slant; we have no italics.
            pdfmetrics.registerFontFamily(face.regular, normal=face.regular, bold=face.bold, italic=face.regular,
                                          boldItalic=face.bold)
        _registered = True


def script_of(ch: str) -> Script | None:
    """The script a character needs a font for; None for characters any of our fonts has
    (spaces, digits, punctuation), which stay with the run around them."""
    code = ord(ch)
    if code < 0x0370:
        return None if not ch.isalpha() else Script.BASE
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF \
            or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return Script.ARABIC
    if 0x0900 <= code <= 0x097F or 0xA8E0 <= code <= 0xA8FF or code in (0x1CD0, 0x1CF2):
        return Script.DEVANAGARI
    if (0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF
            or 0xFF00 <= code <= 0xFFEF or 0x20000 <= code <= 0x2FA1F):
        return Script.CJK
    return Script.BASE if ch.isalpha() else None


def _is_rtl(ch: str) -> bool:
    code = ord(ch)
    return 0x0590 <= code <= 0x08FF or 0xFB1D <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def visual_order(text: str) -> str:
    """Text as it is drawn: Arabic letters in their joined forms, right-to-left runs reversed.
    Text without right-to-left letters comes back unchanged."""
    if not any(_is_rtl(ch) for ch in text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return get_display(arabic_reshaper.reshape(text))


def runs(text: str) -> Iterator[tuple[Script, str]]:
    """(script, text) pieces of already visually ordered text; neutral characters join the run
    before them (or the next one at the start)."""
    current: Script | None = None
    piece = ""
    for ch in text:
        script = script_of(ch)
        if script is None or script is current or current is None:
            if current is None and script is not None:
                current = script
            piece += ch
            continue
        yield current, piece
        current, piece = script, ch
    if piece:
        yield current or Script.BASE, piece


def needs_shaping(text: str) -> bool:
    return any(script_of(ch) is Script.DEVANAGARI for ch in text)


def is_plain(text: str) -> bool:
    """True when the base font alone draws the text as it is (no other script, no reordering)."""
    return all(script_of(ch) in (None, Script.BASE) for ch in text)


def markup(text: str, *, bold: bool = False) -> str:
    """Paragraph markup for user text: escaped, in visual order, each run of another script in
    its script's font (bold: the bold faces). The base run takes the paragraph style's font."""
    # A paragraph with Devanagari is shaped by HarfBuzz word by word, Arabic words included, and
    # HarfBuzz wants logical order; so there Arabic is left as typed (words join correctly, but
    # several Arabic words beside Devanagari in one paragraph keep their typed left-to-right order).
    ordered = text if needs_shaping(text) else visual_order(text)
    parts = []
    for script, piece in runs(ordered):
        escaped = escape(piece)
        if script is Script.BASE:
            parts.append(escaped)
        else:
            face = FACES[script]
            parts.append(f'<font name="{face.bold if bold else face.regular}">{escaped}</font>')
    return "".join(parts)
