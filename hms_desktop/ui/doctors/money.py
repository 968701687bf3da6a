"""Consultation fees as people type and read them, to and from integer minor units (paise, cents).

Decimal all the way: "500.10" must become exactly 50010, which float arithmetic does not promise.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

MINOR_PER_MAJOR = 100
# Digits, optionally grouped the western (1,250,000) or the Indian way (12,50,000), then decimals.
_AMOUNT_RE = re.compile(r"^(\d+|\d{1,3}(,\d{3})+|\d{1,2}(,\d{2})*,\d{3})(\.\d*)?$|^\.\d+$")


class FeeError(ValueError):
    """The text is not an amount; ``str(error)`` says why, for the person typing."""


def parse_fee(text: str, *, symbols: str = "₹$€£") -> int:
    """'500' -> 50000, '500.5' -> 50050, '1,250.50' -> 125050, '' -> 0. Raises FeeError."""
    cleaned = text.strip().strip(symbols).strip().replace(" ", "")
    if not cleaned:
        return 0
    if cleaned.startswith("-"):
        raise FeeError("The fee cannot be negative.")
    if not _AMOUNT_RE.match(cleaned):
        raise FeeError("Enter the fee as an amount such as 500 or 500.50.")
    try:
        amount = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern already rules these out
        raise FeeError("Enter the fee as an amount such as 500 or 500.50.") from exc
    minor = amount * MINOR_PER_MAJOR
    if minor != minor.to_integral_value():
        raise FeeError("Use at most two digits after the decimal point (e.g. 500.50).")
    return int(minor)


def format_fee(minor: int, symbol: str = "") -> str:
    """50000 -> '500.00' (or '₹ 500.00' with a symbol); thousands grouped: '1,250.50'."""
    major = Decimal(minor) / MINOR_PER_MAJOR
    text = f"{major:,.2f}"
    return f"{symbol} {text}" if symbol else text


def fee_for_editing(minor: int) -> str:
    """What the fee box shows for an existing fee: no grouping, so it reads back unchanged."""
    return f"{Decimal(minor) / MINOR_PER_MAJOR:.2f}"
