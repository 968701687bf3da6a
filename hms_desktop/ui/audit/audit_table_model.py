"""The audit log as a Qt table model, newest entry first, filled a page at a time.

The model holds no database access. When the view scrolls near the end, ``fetchMore`` emits
``more_wanted(before_id)``; the tab asks the audit service for older entries on the worker and hands
them back with ``append_page``. Each ``start`` begins a new *generation*, so a page that arrives for an
older filter is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ...services.audit_log import AuditLine
from ..common.row_table_model import RowTableModel

WHEN, WHO, WORKSTATION, ACTION, RECORD, SUMMARY = range(6)
HEADERS = {
    WHEN: "When",
    WHO: "Who",
    WORKSTATION: "Workstation",
    ACTION: "Action",
    RECORD: "Record",
    SUMMARY: "Summary",
}

#: ``index.data(AuditRecordRole)`` is the row's :class:`AuditLine` (the same for every column).
AuditRecordRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


def when_label(moment: datetime) -> str:
    """A time as the service gave it: already in the clinic's zone."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def change_lines(entry: AuditLine) -> list[str]:
    """The entry's field changes as ``Field: old → new`` lines, in the order they were recorded."""
    return [str(change) for change in entry.changes]


class AuditTableModel(RowTableModel):
    headers = HEADERS

    more_wanted = Signal(int)  # the id older entries must be below

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditLine] = []
        self._more = False
        self._waiting = False
        self.generation = 0

    # --- Qt model interface ------------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.row_item(index)
        if entry is None:
            return None
        column = index.column()
        if role == AuditRecordRole:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            if column == WHEN:
                return when_label(entry.at)
            if column == WHO:
                return entry.who
            if column == WORKSTATION:
                return entry.workstation
            if column == ACTION:
                return entry.action
            if column == RECORD:
                return entry.record
            if column == SUMMARY:
                return entry.summary
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == RECORD and entry.record:
                return entry.record
            if column == SUMMARY and entry.summary:
                return entry.summary
        return None

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._more and not self._waiting and bool(self._rows)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._waiting = True
            self.more_wanted.emit(self._rows[-1].id)

    # --- fed by the tab ----------------------------------------------------------------------

    def start(self) -> int:
        """Forget the rows for a new query; returns the generation its pages must carry."""
        self.beginResetModel()
        self._rows = []
        self._more = False
        self._waiting = True
        self.generation += 1
        self.endResetModel()
        return self.generation

    def append_page(self, generation: int, rows: Sequence[AuditLine], page_size: int) -> bool:
        """Add older entries; a page shorter than ``page_size`` is the last one.

        Returns False (and changes nothing) if the page belongs to an older query.
        """
        if generation != self.generation:
            return False
        self._waiting = False
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self._more = len(rows) >= page_size
        return True

    def page_failed(self, generation: int) -> None:
        """Stop paging after an error, so the view does not ask again and again; refresh starts over."""
        if generation == self.generation:
            self._waiting = False
            self._more = False

    @property
    def has_more(self) -> bool:
        return self._more

    @property
    def loading(self) -> bool:
        return self._waiting

    def entry(self, row: int) -> AuditLine | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
