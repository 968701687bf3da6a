"""A doctor's leave, blocked times and the clinic's holidays, as a Qt table model (no database access)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...services.scheduling import ExceptionRecord
from ..common.row_table_model import RowTableModel

KIND, FROM, TO, REASON = range(4)
HEADERS = {KIND: "What", FROM: "From", TO: "To", REASON: "Reason"}
KIND_LABELS = {"leave": "Leave", "blocked": "Blocked", "holiday": "Clinic holiday"}

#: ``index.data(ExceptionRole)`` is the row's :class:`ExceptionRecord` (the same for every column).
ExceptionRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def describe_range(exc: ExceptionRecord, zone: ZoneInfo) -> tuple[str, str]:
    """Whole days as days ('Mon 13 Jan 2030'); a blocked range as local times."""
    if exc.first_day is not None:
        last = exc.last_day or exc.first_day
        return f"{exc.first_day:%a %d %b %Y}", f"{last:%a %d %b %Y}"
    start, end = exc.starts_at.astimezone(zone), exc.ends_at.astimezone(zone)
    to = f"{end:%H:%M}" if end.date() == start.date() else _local(end)
    return _local(start), to


def _local(moment: datetime) -> str:
    return f"{moment:%a %d %b %Y %H:%M}"


class ExceptionTableModel(RowTableModel):
    """Rows in the order given; times shown in the clinic's ``zone``."""
    headers = HEADERS


    def __init__(self, parent: Any = None, *, zone: ZoneInfo | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ExceptionRecord] = []
        self._zone = zone or ZoneInfo("UTC")
        self._holiday = QBrush(QColor("#123a7a"))

    def set_rows(self, rows: Sequence[ExceptionRecord], zone: ZoneInfo | None = None) -> None:
        self.beginResetModel()
        if zone is not None:
            self._zone = zone
        self._rows = list(rows)
        self.endResetModel()

    def exception(self, row: int) -> ExceptionRecord:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        exc = self.row_item(index)
        if exc is None:
            return None
        column = index.column()
        if role == ExceptionRole:
            return exc
        if role == Qt.ItemDataRole.DisplayRole:
            if column == KIND:
                return KIND_LABELS.get(exc.kind, exc.kind.capitalize())
            if column in (FROM, TO):
                return describe_range(exc, self._zone)[column - FROM]
            if column == REASON:
                return exc.reason
        if role == Qt.ItemDataRole.ToolTipRole and column == KIND and exc.doctor_id is None:
            return "The whole clinic is closed: no doctor can be booked."
        if role == Qt.ItemDataRole.ForegroundRole and exc.doctor_id is None:
            return self._holiday
        return None
