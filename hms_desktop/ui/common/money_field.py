"""A line edit for an amount of money, read and shown the clinic's way (services/money.py).

    fee = MoneyField("INR", "en_IN", objectName="consultation_fee_minor")
    fee.set_value_minor(125050)   # shows "1,250.50"
    fee.value_minor()             # 125050; raises MoneyError (a ValueError) if the text is no amount

What someone types is left as they typed it; when they leave the field an unreadable amount is
marked (the ``invalid`` property, for the style sheet) and explained in the tooltip and by
``problem_changed``. Forms still check ``value_minor()`` when they save.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from ...services.money import MoneyError, format_amount, parse_money

INVALID_STYLE = "MoneyField[invalid=\"true\"] { border: 1px solid #b42318; background: #fdecea; }"


class MoneyField(QLineEdit):
    problem_changed = Signal(str)  # the reason the text is not an amount, or "" once it is

    def __init__(self, currency: str = "INR", locale: str = "en_IN", *, allow_negative: bool = False,
                 empty_value: int | None = 0, parent: QWidget | None = None, **kwargs: Any) -> None:
        """``empty_value`` is what an empty field means (None: an empty field is an error)."""
        super().__init__(parent, **kwargs)
        self.currency = currency
        self.locale = locale
        self.allow_negative = allow_negative
        self.empty_value = empty_value
        self.problem = ""
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setPlaceholderText(f"e.g. {format_amount(50_000 if currency != 'JPY' else 500, currency, locale)}")
        self.setStyleSheet(INVALID_STYLE)
        self.editingFinished.connect(self.check)
        self.textEdited.connect(self._clear_problem_once_readable)

    def value_minor(self) -> int:
        """The amount in minor units. Raises MoneyError, with a reason for the person, otherwise."""
        if not self.text().strip() and self.empty_value is not None:
            return self.empty_value
        return parse_money(self.text(), self.currency, self.locale, allow_negative=self.allow_negative)

    def set_value_minor(self, minor: int) -> None:
        self.setText(format_amount(minor, self.currency, self.locale))
        self._set_problem("")

    def check(self) -> bool:
        """Mark the field if its text is not an amount; True when it is one."""
        try:
            self.value_minor()
        except MoneyError as exc:
            self._set_problem(str(exc))
            return False
        self._set_problem("")
        return True

    def _clear_problem_once_readable(self) -> None:
        if self.problem:
            self.check()

    def _set_problem(self, problem: str) -> None:
        if problem == self.problem:
            return
        self.problem = problem
        self.setToolTip(problem)
        self.setProperty("invalid", bool(problem))
        # A dynamic property only restyles once the style is applied again.
        self.style().unpolish(self)
        self.style().polish(self)
        self.problem_changed.emit(problem)
