"""Typing times and dates the way people say them: "9", "930", "9:30", "14.30"; "2030-01-09" or "09/01/2030".

Plain line edits rather than QTimeEdit/QDateEdit: those insist on section-by-section typing, which
is slow at a desk and surprising ("1430" typed into a selected QTimeEdit does not give 14:30).
Up and Down step the value (15 minutes, one day), so the keyboard alone is enough.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from ...services.date_input import parse_date

_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.h ]?(\d{2}))?$")
TIME_STEP_MINUTES = 15


def parse_time(text: str) -> time | None:
    """'9' -> 09:00, '930' -> 09:30, '0930', '9:30', '9.30' -> 09:30, '24:00' and '9:75' -> None."""
    cleaned = text.strip().lower()
    m = _TIME_RE.match(cleaned)
    if not m:
        return None
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        return None
    return time(hours, minutes)


class TimeField(QLineEdit):
    """A wall-clock time, shown as HH:MM once typed."""

    def __init__(self, value: time | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("HH:MM")
        self.setMaxLength(5)
        self.setFixedWidth(70)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if value is not None:
            self.set_time(value)
        self.editingFinished.connect(self._tidy)

    def time(self) -> time | None:
        return parse_time(self.text())

    def set_time(self, value: time) -> None:
        self.setText(f"{value:%H:%M}")

    def _tidy(self) -> None:
        value = self.time()
        if value is not None:
            self.set_time(value)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        step = {Qt.Key.Key_Up: TIME_STEP_MINUTES, Qt.Key.Key_Down: -TIME_STEP_MINUTES}.get(event.key())  # type: ignore[call-overload]
        value = self.time()
        if step is not None and value is not None:
            minutes = (value.hour * 60 + value.minute + step) % (24 * 60)
            self.set_time(time(minutes // 60, minutes % 60))
            self.textEdited.emit(self.text())
            return
        super().keyPressEvent(event)


class DateField(QLineEdit):
    """A calendar day, typed as 2030-01-09 or 09/01/2030. ``date_changed`` carries the day or None."""

    date_changed = Signal(object)

    def __init__(self, value: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("YYYY-MM-DD")
        self.setFixedWidth(110)
        if value is not None:
            self.set_date(value)
        self.textChanged.connect(lambda _text: self.date_changed.emit(self.date()))
        self.editingFinished.connect(self._tidy)

    def date(self) -> date | None:
        return parse_date(self.text())

    def set_date(self, value: date) -> None:
        self.setText(value.isoformat())

    def _tidy(self) -> None:
        value = self.date()
        if value is not None and self.text() != value.isoformat():
            self.set_date(value)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        step = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}.get(event.key())  # type: ignore[call-overload]
        value = self.date()
        if step is not None and value is not None:
            self.set_date(value + timedelta(days=step))
            return
        super().keyPressEvent(event)


def day_hint(value: date | None) -> str:
    """'Thursday' under a date field, so "the 9th" is never the wrong weekday; a hint when unreadable."""
    return f"{value:%A %d %b}" if value is not None else "Type a date as 2030-01-09 or 09/01/2030"
