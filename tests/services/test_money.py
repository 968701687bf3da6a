"""Money: formatting and parsing with Babel, and invoice line arithmetic, exact to the minor unit.

The examples pin the behaviour people see; the Hypothesis properties check it for every amount.
"""

from __future__ import annotations

import pytest
from babel.numbers import get_decimal_symbol
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hms_desktop.services.money import (
    LineAmounts,
    MoneyError,
    allocate,
    currency_exponent,
    format_amount,
    format_money,
    format_rate,
    invoice_totals,
    parse_money,
    round_half_up,
    split_inclusive,
)

# Currencies with 0, 2 and 3 decimals, in locales with different separators, groupings, symbol
# positions, bidi marks (Arabic, Persian) and spaces (fr_FR's narrow no-break space).
CLINICS = [
    ("INR", "en_IN"), ("INR", "hi_IN"), ("USD", "en_US"), ("EUR", "de_DE"), ("EUR", "fr_FR"),
    ("EUR", "es_ES"), ("EUR", "it_IT"), ("EUR", "nl_NL"), ("GBP", "en_GB"), ("JPY", "ja_JP"),
    ("KWD", "ar_KW"), ("KWD", "en_US"), ("BHD", "ar_BH"), ("EGP", "ar_EG"), ("AED", "en_AE"),
    ("CHF", "de_CH"), ("SEK", "sv_SE"), ("BRL", "pt_BR"), ("CNY", "zh_CN"), ("KRW", "ko_KR"),
    ("RUB", "ru_RU"), ("PLN", "pl_PL"), ("TRY", "tr_TR"), ("IRR", "fa_IR"), ("PKR", "ur_PK"),
    ("BDT", "bn_BD"), ("KES", "sw_KE"), ("IDR", "id_ID"), ("THB", "th_TH"), ("ZAR", "en_ZA"),
]
amounts = st.integers(min_value=0, max_value=10**13)
rates = st.sampled_from([0, 500, 1200, 1800, 2800, 1250, 1])


def test_exponents_come_from_babel():
    assert (currency_exponent("JPY"), currency_exponent("INR"), currency_exponent("KWD")) == (0, 2, 3)
    with pytest.raises(MoneyError, match="not a currency"):
        currency_exponent("XYZ")


def test_the_three_clinics_of_the_issue_read_and_write_their_own_format():
    assert format_money(125_000_000, "INR", "en_IN") == "₹12,50,000.00"
    assert format_money(125_000_000, "USD", "en_US") == "$1,250,000.00"
    assert format_money(125_000_000, "EUR", "de_DE") == "1.250.000,00\u00a0€"
    assert parse_money("₹12,50,000.00", "INR", "en_IN") == 125_000_000
    assert parse_money("$1,250,000.00", "USD", "en_US") == 125_000_000
    assert parse_money("1.250.000,00 €", "EUR", "de_DE") == 125_000_000
    assert format_money(1250, "JPY", "ja_JP") == "￥1,250"
    assert format_money(1_250_500, "KWD", "en_US") == "KWD1,250.500"


@pytest.mark.parametrize(("typed", "currency", "locale", "minor"), [
    ("1250", "INR", "en_IN", 125_000),
    ("1,250.5", "INR", "en_IN", 125_050),
    ("₹ 1,250", "INR", "en_IN", 125_000),
    ("Rs. 500", "INR", "en_IN", 50_000),
    ("500 INR", "INR", "en_IN", 50_000),
    ("1,250,000", "INR", "en_IN", 125_000_000),  # western grouping in an Indian locale
    ("  .5 ", "INR", "en_IN", 50),
    ("५००", "INR", "hi_IN", 50_000),  # Devanagari digits
    ("1.250,50", "EUR", "de_DE", 125_050),
    ("1250,5 €", "EUR", "de_DE", 125_050),
    ("EUR 12", "EUR", "de_DE", 1200),
    ("1 250,50", "EUR", "fr_FR", 125_050),  # a plain space where fr_FR prints U+202F
    ("¥1,250", "JPY", "ja_JP", 1250),
    ("1.5", "KWD", "en_US", 1500),
])
def test_what_people_type_is_read(typed, currency, locale, minor):
    assert parse_money(typed, currency, locale) == minor


@pytest.mark.parametrize(("typed", "currency", "locale", "words"), [
    ("", "INR", "en_IN", "Enter an amount"),
    ("abc", "INR", "en_IN", "in figures"),
    ("12 rupees", "INR", "en_IN", "in figures"),
    ("$500", "INR", "en_IN", "in figures"),  # another currency's symbol
    ("-5", "INR", "en_IN", "cannot be negative"),
    ("12.345", "INR", "en_IN", "two digits"),
    ("1250.5", "JPY", "ja_JP", "no decimals"),
    ("1.2345", "KWD", "ar_KW", "three digits"),
    ("1.250,50", "USD", "en_US", "Use '.' before the decimals"),
    ("1250.50", "EUR", "de_DE", "Use ',' before the decimals"),
    ("12,5", "USD", "en_US", "Use '.' before the decimals"),
    ("1,25,0000", "INR", "en_IN", "digit groups"),
    ("1.2.3", "USD", "en_US", "Use '.' before the decimals"),
    ("--5", "USD", "en_US", "in figures"),
])
def test_what_cannot_be_read_is_refused_in_plain_words(typed, currency, locale, words):
    with pytest.raises(MoneyError) as caught:
        parse_money(typed, currency, locale)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_negative_amounts_only_where_allowed():
    assert parse_money("-₹500", "INR", "en_IN", allow_negative=True) == -50_000
    assert parse_money(format_money(-125_050, "EUR", "de_DE"), "EUR", "de_DE", allow_negative=True) == -125_050


def test_rates_print_as_percentages():
    assert format_rate(1800, "en_IN") == "18%"
    assert format_rate(1250, "en_US") == "12.5%"
    assert format_rate(0, "en_US") == "0%"


@settings(max_examples=400)
@given(minor=amounts, clinic=st.sampled_from(CLINICS), negative=st.booleans())
def test_format_then_parse_gives_back_the_same_minor_units(minor, clinic, negative):
    currency, locale = clinic
    value = -minor if negative else minor
    assert parse_money(format_money(value, currency, locale), currency, locale, allow_negative=True) == value
    assert parse_money(format_amount(value, currency, locale), currency, locale, allow_negative=True) == value


@given(minor=amounts, clinic=st.sampled_from(CLINICS))
def test_plain_digits_without_grouping_or_symbol_always_read(minor, clinic):
    currency, locale = clinic
    exponent = currency_exponent(currency)
    whole, fraction = divmod(minor, 10**exponent)
    text = f"{whole}{get_decimal_symbol(locale)}{fraction:0{exponent}d}" if exponent else f"{whole}"
    assert parse_money(text, currency, locale) == minor


# --- line arithmetic ---------------------------------------------------------------------------


def test_half_up_rounding():
    assert [round_half_up(n, 2) for n in (1, 3, 5, -1, -3)] == [1, 2, 3, -1, -2]
    assert round_half_up(4, 3) == 1 and round_half_up(5, 3) == 2


def test_a_tax_exclusive_line():
    # 3 x ₹3.33 = ₹9.99, 10 % off = ₹1.00 (0.999 rounds up), 5 % of ₹8.99 = 0.4495 -> ₹0.45.
    line = LineAmounts.of(3, 333, discount_bp=1000, tax_rate_bp=500)
    assert (line.gross, line.discount, line.net, line.tax, line.total) == (999, 100, 899, 45, 944)


def test_a_tax_inclusive_line():
    # ₹590 including 18 % GST is ₹500 + ₹90.
    line = LineAmounts.of(1, 59_000, tax_rate_bp=1800, tax_inclusive=True)
    assert (line.net, line.tax, line.total) == (50_000, 9_000, 59_000)
    assert split_inclusive(100, 1800) == (85, 15)  # 84.75 -> 85, the tax is the rest


def test_bad_lines_are_refused():
    with pytest.raises(MoneyError, match="more than"):
        LineAmounts.of(1, 1000, discount_minor=1001)
    with pytest.raises(MoneyError, match="not both"):
        LineAmounts.of(1, 1000, discount_minor=1, discount_bp=1)
    with pytest.raises(MoneyError, match="between 0 % and 100 %"):
        LineAmounts.of(1, 1000, discount_bp=10_001)
    with pytest.raises(MoneyError, match="at least 1"):
        LineAmounts.of(0, 1000)
    with pytest.raises(TypeError, match="not float"):
        LineAmounts.of(1, 10.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not bool"):
        LineAmounts.of(True, 100)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        format_money(12.5, "INR", "en_IN")  # type: ignore[arg-type]


lines = st.builds(
    lambda qty, price, disc, pct, rate, inclusive, by_pct: LineAmounts.of(
        qty, price, tax_rate_bp=rate, tax_inclusive=inclusive,
        discount_bp=pct if by_pct else 0, discount_minor=0 if by_pct else min(disc, qty * price),
    ),
    st.integers(1, 1000), st.integers(0, 10**8), st.integers(0, 10**11), st.integers(0, 10_000), rates,
    st.booleans(), st.booleans(),
)


@given(line=lines)
def test_every_line_adds_up_and_is_made_of_ints(line):
    for value in (line.gross, line.discount, line.net, line.tax, line.total):
        assert type(value) is int
    assert 0 <= line.discount <= line.gross
    assert line.net >= 0 and line.tax >= 0
    assert line.total == line.net + line.tax
    if line.tax_inclusive:
        assert line.total == line.gross - line.discount
    else:
        assert line.net == line.gross - line.discount
        # the tax is the exact tax rounded half up: within half a minor unit of it
        assert abs(2 * (line.tax * 10_000 - line.net * line.tax_rate_bp)) <= 10_000


@given(total=st.integers(0, 10**12), rate=rates)
def test_a_tax_inclusive_price_splits_exactly(total, rate):
    net, tax = split_inclusive(total, rate)
    assert net + tax == total
    assert type(net) is int and type(tax) is int
    # the net is the nearest whole minor unit to total / (1 + rate)
    assert abs(2 * (net * (10_000 + rate) - total * 10_000)) <= 10_000 + rate


@given(items=st.lists(lines, max_size=40))
def test_invoice_totals_are_the_sums_of_their_lines(items):
    totals = invoice_totals(items)
    assert totals.total == sum(line.total for line in items)
    assert totals.tax == sum(line.tax for line in items) == sum(band.tax for band in totals.bands)
    assert totals.net == sum(band.net for band in totals.bands)
    assert totals.total == totals.subtotal - totals.discount + totals.tax_added
    assert totals.tax == totals.tax_added + totals.tax_included
    assert all(type(v) is int for v in (totals.subtotal, totals.discount, totals.net, totals.tax, totals.total))


@given(amount=st.integers(-10**9, 10**9), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocation_spreads_an_amount_exactly(amount, weights):
    assume(sum(weights) > 0)
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    whole = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert abs(share * whole - amount * weight) < whole  # off by less than one minor unit
