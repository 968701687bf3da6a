"""Does a medicine's name match one of the patient's recorded allergies? Folded words compared:
the allergy's substance contained in the medicine's name or the other way round, so "Amoxicillin
500" matches an allergy to "amoxicillin" and "Penicillin V" one to "penicillin". Drug classes
(penicillin -> amoxicillin) are not known here: that needs a formulary with classes."""

from __future__ import annotations

import re

from ..text import fold

_SPLIT = re.compile(r"[,;/\n]+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", fold(text)))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def substances_in(free_text: str) -> list[str]:
    """The allergies typed into the patient's registration form ("Penicillin; sulfa drugs")."""
    return [part.strip() for part in _SPLIT.split(free_text) if part.strip() and fold(part.strip()) not in
            {"none", "nil", "nkda", "no known allergies", "na", "n a"}]


def matching_allergy(medicine: str, substances: list[str]) -> str | None:
    """The first recorded substance the medicine's name matches, or None."""
    name = _words(medicine)
    for substance in substances:
        words = _words(substance)
        if _contains(name, words) or _contains(words, name):
            return substance
    return None
