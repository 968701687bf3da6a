"""One search box for doctors that understands how a caller asks: "cardio Tuesday", "a dermatologist
in the east wing on Thursday", "Nair".

Each typed word is read as, in this order: a weekday ("tue", "Tuesday"); a specialty (a word of its
name, or close to it: "cardio" and "cardiologist" both mean Cardiology); a small word that carries
nothing ("a", "in", "on", "Dr"); otherwise a word of the doctor's name or location, which must appear
in one or the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .text import fold, query_tokens

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FILLER = frozenset({
    "a", "an", "the", "in", "on", "at", "of", "for", "with", "and", "or", "who", "works", "working",
    "dr", "doctor", "doctors", "available", "free", "is", "there", "any", "some",
})


@dataclass(frozen=True)
class DoctorWords:
    specialty_ids: tuple[tuple[int, ...], ...] = ()  # each typed specialty word: the specialties it means
    weekdays: tuple[int, ...] = ()  # 0 = Monday; several mean "any of them"
    words: tuple[str, ...] = ()  # each must be in the name or the location (folded)
    understood: tuple[str, ...] = ()  # how each part was read, for the screen

    @property
    def empty(self) -> bool:
        return not (self.specialty_ids or self.weekdays or self.words)


def _weekday(word: str) -> int | None:
    if len(word) < 3:
        return None
    for number, name in enumerate(WEEKDAY_NAMES):
        if name.startswith(word) or (word.endswith("s") and name.startswith(word[:-1]) and len(word) > 3):
            return number
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _means_specialty(word: str, name: str) -> bool:
    """'cardio' or 'cardiologist' for 'Cardiology', 'derm' for 'Dermatology', 'ent' for 'ENT'."""
    for part in fold(name).split():
        if part == word or (len(word) >= 4 and part.startswith(word)):
            return True
        if len(word) >= 5 and _common_prefix(word, part) >= max(5, min(len(word), len(part)) - 3):
            return True
    return False


def parse_doctor_words(text: str, specialties: Sequence[tuple[int, str]]) -> DoctorWords:
    """Read what was typed, given the clinic's specialties as (id, name)."""
    specialty_ids: list[tuple[int, ...]] = []
    weekdays: list[int] = []
    words: list[str] = []
    understood: list[str] = []
    for word in query_tokens(text):
        day = _weekday(word)
        if day is not None:
            weekdays.append(day)
            understood.append(f"works on {WEEKDAY_NAMES[day].capitalize()}")
            continue
        meant = tuple(sid for sid, name in specialties if _means_specialty(word, name))
        if meant:
            specialty_ids.append(meant)
            names = [name for sid, name in specialties if sid in meant]
            understood.append(" or ".join(names))
            continue
        if word in FILLER:
            continue
        words.append(word)
        understood.append(f"“{word}” in the name or location")
    return DoctorWords(tuple(specialty_ids), tuple(dict.fromkeys(weekdays)), tuple(words), tuple(understood))
