"""The Scheduler's two views and the date helpers both halves of the tab share."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate

DAY, WEEK = "day", "week"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
