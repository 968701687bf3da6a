"""The Scheduler's month calendar, showing how full each day is.

Each day cell has a fill bar under its date: the appointments booked that day (with the doctors
shown) against the busiest day on the page, orange when nearly as full, so a receptionist sees the
busy and the quiet days of the month at a glance. (A count beside the date read as part of it in
cells this small: "2 88" looked like 288.) The numbers come from the tab's grid fetch (on the
worker); the calendar only draws them.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QRect
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QCalendarWidget, QWidget


def calendar_span(day: date) -> tuple[date, date]:
    """The first and last day a Monday-first month page containing ``day`` shows (six weeks)."""
    first = day.replace(day=1)
    start = first - timedelta(days=first.weekday())
    return start, start + timedelta(days=41)


class LoadCalendar(QCalendarWidget):
    def __init__(self, parent: QWidget | None = None, *, objectName: str = "") -> None:  # noqa: N803 - Qt's name
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self._loads: dict[date, int] = {}
        self._busiest = 1
        self.setToolTip("The bar under a date: how many are booked that day with the doctors shown,\n"
                        "against the busiest day on this page (orange: nearly as full).")

    def set_loads(self, loads: dict[date, int]) -> None:
        self._loads = dict(loads)
        self._busiest = max(self._loads.values(), default=1) or 1
        self.updateCells()

    def load_on(self, day: date) -> int:
        """Appointments booked on ``day`` (as drawn in its cell)."""
        return self._loads.get(day, 0)

    def paintCell(self, painter: QPainter, rect: QRect, qdate: QDate) -> None:  # noqa: N802 - Qt override
        super().paintCell(painter, rect, qdate)
        count = self._loads.get(date(qdate.year(), qdate.month(), qdate.day()), 0)
        if not count:
            return
        painter.save()
        share = count / self._busiest
        bar = QRect(rect.left() + 4, rect.bottom() - 4, max(3, int((rect.width() - 8) * share)), 3)
        painter.fillRect(bar, QColor("#d9622b") if share > 0.75 else QColor("#2f6fde"))
        painter.restore()
