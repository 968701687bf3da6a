"""Contact details: phone numbers (E.164 with the phonenumbers library) and e-mail addresses.

A phone is stored in E.164 ("+917232794977"), read with the clinic's country as the default region
for numbers typed without a country code, and shown in the national form for the clinic's own
country ("072327 94977") and the international form for any other ("+44 20 7946 0958").
"""

from __future__ import annotations

import re
from functools import lru_cache

EMAIL_RE = re.compile(r"^(?!\.)[^@\s]+(?<!\.)@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}$")
PHONE_CHARS_RE = re.compile(r"^[0-9+()\-. /]*$")
DEFAULT_REGION = "IN"
EMAIL_MESSAGE = "That does not look like an e-mail address (name@example.com)."


def phone_digits(phone: str) -> str:
    """The digits of a phone as stored (E.164 without the "+"), at most 20."""
    return "".join(c for c in phone if c.isdigit())[:20]


def phone_problem(text: str, region: str) -> str | None:
    """What is wrong with a typed phone number, in words for the field; None if it can be stored."""
    import phonenumbers

    if not PHONE_CHARS_RE.match(text):
        return "Use digits, spaces and + ( ) - only."
    digits = phone_digits(text)
    if not 6 <= len(digits) <= 15:
        return f"A phone number has 6 to 15 digits; this has {len(digits)}."
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return "Cannot read that phone number; type it with the country code, such as +91 98450 12345."
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return "That looks like a local number without its area code; type the area code too (080 2345 6789)."
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        return (
            f"That is not a possible phone number in {phonenumbers.region_code_for_number(number) or region}; "
            "check the digits, or type the country code first (+44 ...)."
        )
    return None


def to_e164(text: str, region: str) -> str:
    """A typed phone in E.164; "" stays "". Check it with phone_problem first: a number that cannot
    be read is returned as its digits with a "+" only when it already had one."""
    import phonenumbers

    text = text.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ("+" if text.startswith("+") else "") + phone_digits(text)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65_536)
def shown_phone(stored: str, region: str) -> str:
    """A stored phone as people write it: national for the clinic's country, international otherwise.
    A value that is not E.164 (typed before numbers were converted) is shown as it is.

    Formatting costs about 50 microseconds a number (phonenumbers' patterns), a few milliseconds
    for a page of the patient list, so each stored number is formatted once per process."""
    import phonenumbers

    if not stored.startswith("+"):
        return stored
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    own = phonenumbers.region_code_for_number(number) == region or (
        number.country_code == phonenumbers.country_code_for_region(region)
    )
    style = phonenumbers.PhoneNumberFormat.NATIONAL if own else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def calling_code(region: str) -> str:
    """The country calling code of a region as digits ("IN" -> "91"); "" for an unknown region."""
    import phonenumbers

    code = phonenumbers.country_code_for_region(region)
    return str(code) if code else ""


def email_problem(text: str) -> str | None:
    return None if not text or EMAIL_RE.match(text) else EMAIL_MESSAGE


def normal_email(text: str) -> str:
    """A typed e-mail address as stored (email-validator's normal form); "" stays "". Raises
    ValueError, in words for the field, for one that is not an address."""
    from email_validator import EmailNotValidError, validate_email

    text = text.strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"{EMAIL_MESSAGE[:-1]}: {exc}") from exc
