"""Money, the one home for it: integer minor units (paise, cents, fils) in and out, never float.

* ``currency_exponent("INR") == 2``: digits after the decimal point, from Babel's CLDR data (JPY 0,
  KWD 3).
* ``format_money(125000000, "INR", "en_IN") == "₹12,50,000.00"``; ``parse_money`` reads that back,
  and also what people type: "1250", "1,250.5", "₹ 1,250", "1.250,50" (de_DE).
* ``LineAmounts.of(...)`` does one invoice line's arithmetic and ``invoice_totals`` sums lines.

Rounding is explicit: **half up (away from zero) once per line**, on the discount and then on the
tax; an invoice's figures are sums of its lines' rounded figures, so the total always equals the
sum of the line totals and never differs from what the lines print by a paisa.

Rates are integers too: percentages in basis points (``1800`` = 18 %, ``1250`` = 12.5 %).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.core import UnknownLocaleError
from babel.numbers import (
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)

BASIS_POINTS = 10_000  # 100 %

# Spaces people and locales put inside amounts: fr_FR groups with U+202F, sv_SE with U+00A0.
_SPACES = "\u00a0\u202f\u2009\u2007 \t"
# Bidi marks that Arabic and Persian formats put around signs and symbols; invisible when typed.
_BIDI_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_MINUS_SIGNS = "-\u2212\u2012\u2013\ufe63\uff0d"


class MoneyError(ValueError):
    """An amount that cannot be read or is not allowed; ``str(error)`` says why in plain words."""


# --- currencies --------------------------------------------------------------------------------


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    # Babel formats any three letters; only codes CLDR knows have a known number of decimals.
    if code not in _known_currencies():
        raise MoneyError(f"{currency!r} is not a currency code (e.g. INR, USD, EUR).")
    return code


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(Locale.parse("en").currencies)


@lru_cache(maxsize=256)
def currency_exponent(currency: str) -> int:
    """How many digits follow the decimal point in this currency: JPY 0, INR 2, KWD 3."""
    return int(get_currency_precision(_check_currency(currency)))


@lru_cache(maxsize=256)
def _locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError) as exc:
        raise MoneyError(f"{locale!r} is not a locale (e.g. en_IN, en_US, de_DE).") from exc


def _to_decimal(minor: int, currency: str) -> Decimal:
    _require_int("amount", minor)
    # scaleb is exact: Decimal(125050).scaleb(-2) == Decimal("1250.50"), no binary fraction involved.
    return Decimal(minor).scaleb(-currency_exponent(currency))


# --- formatting --------------------------------------------------------------------------------


def format_money(minor: int, currency: str, locale: str) -> str:
    """The amount as this locale writes it, with the currency's symbol: "₹12,50,000.00"."""
    code = _check_currency(currency)
    return format_currency(_to_decimal(minor, code), code, locale=_locale(locale))


def format_amount(minor: int, currency: str, locale: str) -> str:
    """The amount without a symbol, grouped and with all its decimals: "12,50,000.00". What an
    entry field shows; :func:`parse_money` reads it back unchanged."""
    code = _check_currency(currency)
    loc = _locale(locale)
    exponent = currency_exponent(code)
    pattern = copy(loc.decimal_formats[None])
    pattern.frac_prec = (exponent, exponent)  # all the currency's decimals: 500.00, not 500
    return pattern.apply(_to_decimal(minor, code), loc)


def format_rate(basis_points: int, locale: str) -> str:
    """A rate for print: 1800 -> "18%", 1250 -> "12.5%" (de_DE "12,5 %")."""
    _require_int("rate", basis_points)
    from babel.numbers import format_percent

    return format_percent(Decimal(basis_points).scaleb(-4), format="#,##0.##%", locale=_locale(locale))


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Symbols:
    decimal: str
    group: str
    groupings: tuple[int, int]
    strip: tuple[str, ...]  # currency symbols and codes, longest first
    example: str


@lru_cache(maxsize=256)
def _symbols(currency: str, locale: str) -> _Symbols:
    loc = _locale(locale)
    decimal = get_decimal_symbol(loc)
    group = get_group_symbol(loc)
    if group in _SPACES:
        group = " "  # typed as a plain space; every kind of space is folded to one below
    symbols = {currency, get_currency_symbol(currency, loc), get_currency_symbol(currency, "en")}
    if currency == "JPY":
        symbols |= {"¥", "￥"}
    if currency == "INR":
        symbols |= {"Rs.", "Rs", "₹"}
    variants = set()
    for symbol in symbols:
        plain = _clean_spaces(symbol).strip()
        variants |= {plain, plain.replace(" ", ""), plain.rstrip(".")}
    strip = tuple(sorted((s for s in variants if s), key=len, reverse=True))
    primary, secondary = loc.decimal_formats[None].grouping
    example = format_amount(125_050 * 10 ** currency_exponent(currency) // 100, currency, locale)
    return _Symbols(decimal, group, (primary, secondary), strip, example)


def _clean_spaces(text: str) -> str:
    text = "".join(ch for ch in text if ch not in _BIDI_MARKS)
    return "".join(" " if ch in _SPACES else ch for ch in text)


def parse_money(text: str, currency: str, locale: str, *, allow_negative: bool = False) -> int:
    """What someone typed, as integer minor units: "1,250.50" (en_IN) -> 125050.

    Accepts the currency's symbol or code on either side ("₹ 1,250", "1.250,50 €", "INR 500"),
    no grouping or the locale's grouping (Indian 12,50,000 and western 1,250,000 both read in
    en_IN), and fewer decimals than the currency has ("500.5" is 500.50). Refuses, with a reason
    in ``str(error)``: an empty box, letters or symbols that are not this currency's, the wrong
    decimal separator, more decimals than the currency has, and a negative amount unless
    ``allow_negative``.
    """
    code = _check_currency(currency)
    sym = _symbols(code, locale)
    exponent = currency_exponent(code)
    cleaned = _clean_spaces(unicodedata.normalize("NFC", text)).strip()
    if not cleaned:
        raise MoneyError(f"Enter an amount, such as {sym.example}.")
    # Digits typed on another keyboard layout (Devanagari, Arabic-Indic, full-width) count as digits.
    cleaned = "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in cleaned)

    negative = False
    for _ in range(2):  # a sign and a symbol in either order: "-₹500", "₹-500", "500 € -"
        for symbol in sym.strip:
            if cleaned.upper().startswith(symbol.upper()):
                cleaned = cleaned[len(symbol):].strip()
            if cleaned.upper().endswith(symbol.upper()):
                cleaned = cleaned[: len(cleaned) - len(symbol)].strip()
        if cleaned[:1] in _MINUS_SIGNS or cleaned[-1:] in _MINUS_SIGNS:
            if negative:
                raise MoneyError(_garbage(sym))
            negative = True
            cleaned = (cleaned[1:] if cleaned[:1] in _MINUS_SIGNS else cleaned[:-1]).strip()
    if negative and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    if not cleaned:
        raise MoneyError(f"Enter an amount, such as {sym.example}.")

    whole, fraction = _split(cleaned, sym, exponent)
    if len(fraction) > exponent:
        raise MoneyError(_too_many_decimals(code, exponent, sym))
    minor = int(whole or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    return -minor if negative else minor


def _split(cleaned: str, sym: _Symbols, exponent: int) -> tuple[str, str]:
    """The whole and the fractional digits of an unsigned amount, grouping checked."""
    allowed = set("0123456789") | {sym.decimal, sym.group}
    if sym.group == " ":
        allowed.add(" ")
    if any(ch not in allowed for ch in cleaned):
        other_decimal = "," if sym.decimal == "." else "."
        if other_decimal in cleaned and set(cleaned) <= set("0123456789.,' "):
            raise MoneyError(_wrong_separator(sym))
        raise MoneyError(_garbage(sym))
    if cleaned.count(sym.decimal) > 1:
        raise MoneyError(_wrong_separator(sym))
    whole, _, fraction = cleaned.partition(sym.decimal)
    if not any(ch.isdigit() for ch in whole + fraction):
        raise MoneyError(_garbage(sym))
    if sym.group in fraction:
        raise MoneyError(_wrong_separator(sym))
    if sym.group in whole:
        groups = whole.split(sym.group)
        primary, secondary = sym.groupings
        middle = groups[1:-1]
        fits = (
            # Any length first: Babel itself writes de_CH's 1000000'000.00 (the apostrophe is
            # also its pattern quote); the groups after it are what tell a typo.
            len(groups[0]) >= 1
            and len(groups[-1]) == primary
            # The locale's own grouping, or the western one: in en_IN people type both.
            and (all(len(g) == secondary for g in middle) or all(len(g) == primary for g in middle))
        )
        if not fits or not all(g.isdigit() for g in groups):
            if exponent and len(groups) == 2 and len(groups[-1]) <= exponent and sym.group in ".,":
                raise MoneyError(_wrong_separator(sym))
            raise MoneyError(f"The digit groups look wrong; type the amount without separators, such as "
                             f"{sym.example.replace(sym.group, '')}.")
        whole = "".join(groups)
    return whole, fraction


def _garbage(sym: _Symbols) -> str:
    return f"Enter the amount in figures, such as {sym.example}."


def _wrong_separator(sym: _Symbols) -> str:
    group = "a space" if sym.group == " " else f"'{sym.group}'"
    return (f"Use '{sym.decimal}' before the decimals and {group} (or nothing) between thousands, "
            f"such as {sym.example}.")


def _too_many_decimals(currency: str, exponent: int, sym: _Symbols) -> str:
    if exponent == 0:
        return f"{currency} amounts have no decimals; enter a whole amount, such as {sym.example}."
    words = {1: "one digit", 2: "two digits", 3: "three digits"}.get(exponent, f"{exponent} digits")
    return f"Use at most {words} after the decimal separator (e.g. {sym.example})."


# --- line arithmetic ---------------------------------------------------------------------------


def _require_int(name: str, value: object) -> None:
    # bool is an int subclass and float sneaks in from arithmetic; both are refused outright.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int (minor units or basis points), not {type(value).__name__}")


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest int, halves away from zero (2.5 -> 3,
    -2.5 -> -3). Integer arithmetic only."""
    _require_int("numerator", numerator)
    _require_int("denominator", denominator)
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    magnitude = (2 * abs(numerator) + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def split_inclusive(total: int, tax_rate_bp: int) -> tuple[int, int]:
    """A tax-inclusive amount as (net, tax), net rounded half up and tax the rest, so that
    net + tax == total exactly: split_inclusive(11800, 1800) == (10000, 1800)."""
    _require_int("total", total)
    _require_int("tax_rate_bp", tax_rate_bp)
    net = round_half_up(total * BASIS_POINTS, BASIS_POINTS + tax_rate_bp)
    return net, total - net


@dataclass(frozen=True)
class LineAmounts:
    """One invoice line's figures, all ints in minor units.

    Build with :meth:`of`. What each figure means:

    * ``gross`` = quantity x unit price, as the price was quoted (with tax if ``tax_inclusive``).
    * ``discount``: ``discount_bp`` of gross rounded half up, or ``discount_minor``; never more
      than gross.
    * ``net``: the taxable value, without tax.
    * ``tax``: tax-exclusive, ``net x rate`` rounded half up; tax-inclusive, what is left of
      ``gross - discount`` once the net is taken out (see :func:`split_inclusive`).
    * ``total`` = ``net + tax``, what the patient pays for the line. Tax-exclusive that is
      ``gross - discount + tax``; tax-inclusive it is ``gross - discount``.
    """

    quantity: int
    unit_price: int
    tax_rate_bp: int
    tax_inclusive: bool
    gross: int
    discount: int
    net: int
    tax: int
    total: int

    @classmethod
    def of(
        cls,
        quantity: int,
        unit_price: int,
        *,
        discount_bp: int = 0,
        discount_minor: int = 0,
        tax_rate_bp: int = 0,
        tax_inclusive: bool = False,
    ) -> LineAmounts:
        for name, value in (("quantity", quantity), ("unit_price", unit_price), ("discount_bp", discount_bp),
                            ("discount_minor", discount_minor), ("tax_rate_bp", tax_rate_bp)):
            _require_int(name, value)
        if quantity <= 0:
            raise MoneyError("The quantity must be at least 1.")
        if unit_price < 0:
            raise MoneyError("The price cannot be negative.")
        if tax_rate_bp < 0 or tax_rate_bp > BASIS_POINTS:
            raise MoneyError("The tax rate must be between 0 % and 100 %.")
        if discount_bp and discount_minor:
            raise MoneyError("Give the discount as a percentage or as an amount, not both.")
        if discount_bp < 0 or discount_bp > BASIS_POINTS:
            raise MoneyError("The discount must be between 0 % and 100 %.")
        if discount_minor < 0:
            raise MoneyError("The discount cannot be negative.")
        gross = quantity * unit_price
        discount = round_half_up(gross * discount_bp, BASIS_POINTS) if discount_bp else discount_minor
        if discount > gross:
            raise MoneyError("The discount is more than the line's amount.")
        if tax_inclusive:
            net, tax = split_inclusive(gross - discount, tax_rate_bp)
        else:
            net = gross - discount
            tax = round_half_up(net * tax_rate_bp, BASIS_POINTS)
        return cls(quantity, unit_price, tax_rate_bp, bool(tax_inclusive), gross, discount, net, tax, net + tax)


@dataclass(frozen=True)
class TaxBand:
    """The lines taxed at one rate: what a tax invoice prints per rate (GST/VAT summary)."""

    tax_rate_bp: int
    net: int
    tax: int


@dataclass(frozen=True)
class InvoiceTotals:
    """Sums over an invoice's lines; ``total == sum(line.total)`` by construction.

    ``tax_added`` is the tax on tax-exclusive lines (added on top of their price) and
    ``tax_included`` the tax inside tax-inclusive prices, so that
    ``total == subtotal - discount + tax_added`` always holds.
    """

    subtotal: int
    discount: int
    net: int
    tax: int
    tax_added: int
    tax_included: int
    total: int
    bands: tuple[TaxBand, ...]


def invoice_totals(lines: Iterable[LineAmounts]) -> InvoiceTotals:
    lines = list(lines)
    bands: dict[int, list[int]] = {}
    for line in lines:
        band = bands.setdefault(line.tax_rate_bp, [0, 0])
        band[0] += line.net
        band[1] += line.tax
    return InvoiceTotals(
        subtotal=sum(line.gross for line in lines),
        discount=sum(line.discount for line in lines),
        net=sum(line.net for line in lines),
        tax=sum(line.tax for line in lines),
        tax_added=sum(line.tax for line in lines if not line.tax_inclusive),
        tax_included=sum(line.tax for line in lines if line.tax_inclusive),
        total=sum(line.total for line in lines),
        bands=tuple(TaxBand(rate, net, tax) for rate, (net, tax) in sorted(bands.items())),
    )


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` into ints that add up to it exactly (largest
    remainder), e.g. an invoice-wide discount spread over its lines: allocate(100, [1, 1, 1]) ==
    [34, 33, 33]."""
    _require_int("amount", amount)
    for weight in weights:
        _require_int("weight", weight)
        if weight < 0:
            raise ValueError("weights cannot be negative")
    whole = sum(weights)
    if not weights or whole == 0:
        if amount:
            raise ValueError("nothing to spread the amount over")
        return [0] * len(weights)
    sign = -1 if amount < 0 else 1
    shares = [abs(amount) * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(abs(amount) * weights[i] % whole), i))
    for i in remainders[: abs(amount) - sum(shares)]:
        shares[i] += 1
    return [sign * s for s in shares]
