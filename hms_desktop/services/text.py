"""Folding names for search: case, accents and a few letters that Unicode does not decompose."""

from __future__ import annotations

import re
import unicodedata

# Letters with no canonical decomposition that people nevertheless type without the mark.
_EXTRA_FOLDS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """'Zoë Ødegård' -> 'zoe odegard'; '王芳' stays '王芳'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", stripped.translate(_EXTRA_FOLDS))


def tokens(text: str) -> list[str]:
    """Folded words of a stored name, in order, without duplicates.

    A word with punctuation inside is stored in parts and joined: "D'Angelo" gives "d", "angelo"
    and "dangelo", so it is found by "angelo", "d'an" and "dangelo" alike.
    """
    seen: dict[str, None] = {}
    for chunk in fold(text).split():
        parts = [p for p in _NON_WORD.split(chunk) if p]
        for part in parts:
            seen.setdefault(part[:100], None)
        if len(parts) > 1:
            seen.setdefault("".join(parts)[:100], None)
    return list(seen)


def query_tokens(text: str) -> list[str]:
    """Folded words of what was typed in a search box: a typed "d'an" is one word, "dan"."""
    seen: dict[str, None] = {}
    for chunk in fold(text).split():
        joined = "".join(p for p in _NON_WORD.split(chunk) if p)
        if joined:
            seen.setdefault(joined[:100], None)
    return list(seen)


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (code-point order)."""
    last = prefix[-1]
    if ord(last) >= 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(ord(last) + 1)


def has_control_characters(text: str, *, allow_newlines: bool = False) -> bool:
    for c in text:
        if unicodedata.category(c) == "Cc" and not (allow_newlines and c in "\n\r\t"):
            return True
    return False


CONTROL_MESSAGE = "Contains invisible control characters; please retype it."


def text_problem(value: str, limit: int, *, multiline: bool = False) -> str | None:
    """What is wrong with a text value for storing, in words for the field; None if nothing."""
    if len(value) > limit:
        return f"Too long: {len(value):,} characters; at most {limit:,}."
    if has_control_characters(value, allow_newlines=multiline):
        return CONTROL_MESSAGE
    return None


def check_text(
    field: str, value: str, limit: int, *, multiline: bool = False, required: str = "", strip: bool = True
) -> str:
    """One text field checked for storing: stripped (unless ``strip`` is False or it is multi-line),
    not longer than ``limit``, free of control characters (line breaks and tabs allowed in
    multi-line text), and present if ``required`` (the message to show when it is missing).
    Raises ValidationError({field: message}); returns the value to store."""
    from .errors import ValidationError

    if not isinstance(value, str):
        raise ValidationError({field: "Enter text here."})
    cleaned = value.strip() if strip and not multiline else value
    problem = text_problem(cleaned, limit, multiline=multiline)
    if problem is None and required and not cleaned.strip():
        problem = required
    if problem:
        raise ValidationError({field: problem})
    return cleaned
