"""The money entry field, typed into key by key: amounts in the clinic's format become exact minor
units, and what is not an amount is explained in plain words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from hms_desktop.services.money import MoneyError
from hms_desktop.ui.common.money_field import MoneyField
from tests.ui.widget_helpers import type_into


@pytest.fixture
def field_for(qtbot):
    def make(currency: str = "INR", locale: str = "en_IN", **kwargs) -> MoneyField:  # type: ignore[no-untyped-def]
        field = MoneyField(currency, locale, objectName="amount", **kwargs)
        qtbot.addWidget(field)
        field.show()
        return field

    return make


def test_typed_rupees_become_paise(qtbot, field_for):
    field = field_for()
    assert field.objectName() == "amount" and field.placeholderText() == "e.g. 500.00"
    qtbot.keyClicks(field, "12,50,000.5")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert field.value_minor() == 125_000_050
    assert field.problem == "" and not field.property("invalid")
    assert field.text() == "12,50,000.5"  # left as typed


def test_an_unreadable_amount_is_explained_and_cleared_once_fixed(qtbot, field_for):
    field = field_for()
    qtbot.keyClicks(field, "12.345")
    with qtbot.waitSignal(field.problem_changed) as problem:
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "two digits" in problem.args[0]
    assert field.property("invalid") is True and "two digits" in field.toolTip()
    with pytest.raises(MoneyError, match="two digits"):
        field.value_minor()
    with qtbot.waitSignal(field.problem_changed) as cleared:
        qtbot.keyClick(field, Qt.Key.Key_Backspace)  # "12.34" is an amount again
    assert cleared.args == [""]
    assert field.value_minor() == 1234 and not field.property("invalid")


def test_euros_the_german_way(qtbot, field_for):
    field = field_for("EUR", "de_DE")
    type_into(qtbot, field, "1.250,50 €")
    assert field.value_minor() == 125_050
    field.set_value_minor(125_000_000)
    assert field.text() == "1.250.000,00"
    field.selectAll()
    qtbot.keyClicks(field, "1250.50")  # a dot where de_DE wants a comma
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert "Use ',' before the decimals" in field.problem


def test_yen_have_no_decimals_and_letters_are_no_amount(qtbot, field_for):
    field = field_for("JPY", "ja_JP")
    qtbot.keyClicks(field, "1250.5")
    assert not field.check()
    assert "no decimals" in field.problem
    field.clear()
    qtbot.keyClicks(field, "five hundred")
    assert not field.check() and "figures" in field.problem


def test_empty_means_zero_unless_an_amount_is_required(qtbot, field_for):
    assert field_for().value_minor() == 0
    required = field_for(empty_value=None)
    with pytest.raises(MoneyError, match="Enter an amount"):
        required.value_minor()


def test_negative_amounts_only_where_allowed(qtbot, field_for):
    refund = field_for(allow_negative=True)
    qtbot.keyClicks(refund, "-250")
    assert refund.value_minor() == -25_000
    fee = field_for()
    qtbot.keyClicks(fee, "-250")
    assert not fee.check() and "cannot be negative" in fee.problem
