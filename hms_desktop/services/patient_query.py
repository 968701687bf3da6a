"""What was typed in a patient search box, split into name words, digit strings and a date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .contact import phone_digits
from .date_input import parse_date
from .text import query_tokens


@dataclass(frozen=True)
class ParsedQuery:
    name_tokens: tuple[str, ...] = ()
    digits: tuple[str, ...] = ()
    date_of_birth: date | None = None

    @property
    def empty(self) -> bool:
        return not (self.name_tokens or self.digits or self.date_of_birth)


def parse_query(query: str) -> ParsedQuery:
    """Split what was typed into name words, digit strings (MRN or phone) and a date of birth."""
    query = query.strip()
    if not query:
        return ParsedQuery()
    # A phone typed with spaces ("98765 43210") is one number, not two.
    if re.fullmatch(r"[\d\s+()\-.]+", query) and parse_date(query) is None:
        digits = phone_digits(query)
        return ParsedQuery(digits=(digits,) if digits else ())
    names: list[str] = []
    digit_parts: list[str] = []
    born: date | None = None
    for part in query.split():
        as_date = parse_date(part)
        if as_date is not None:
            born = as_date
        elif re.fullmatch(r"[\d+()\-.]+", part):
            d = phone_digits(part)
            if d:
                digit_parts.append(d)
        else:
            names.extend(query_tokens(part))
    return ParsedQuery(tuple(dict.fromkeys(names)), tuple(digit_parts), born)


def phone_prefixes(digits: str, calling_code: str) -> tuple[str, ...]:
    """Stored-phone digit prefixes (E.164 without "+") that ``digits`` may be the start of: as typed
    (a number with its country code), and as a local number of the clinic's country, the country
    code put in front and a trunk "0" dropped ("72327" and "072327" both mean "9172327...")."""
    found = [digits]
    local = digits.lstrip("0")
    if calling_code and local:
        found.append(calling_code + local)
    return tuple(dict.fromkeys(found))
