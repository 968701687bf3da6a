"""The audit log as a Qt table model, newest entry first, filled a page at a time.

The paging (``more_wanted(before_id)``, generations, stale pages dropped) is the shared one of
ui/common/paged_table_model.py; the tab asks the audit service for older entries on the worker and
hands them back with ``append_page``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ...services.audit_log import AuditLine
from ..common.paged_table_model import PagedTableModel

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


class AuditTableModel(PagedTableModel):
    """Pages continue below an entry id (``more_wanted`` carries the id older entries must be below)."""

    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditLine] = []

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

    # --- fed by the tab ----------------------------------------------------------------------

    def append_page(self, generation: int, rows: Sequence[AuditLine], page_size: int) -> bool:
        """Add older entries; a page shorter than ``page_size`` is the last one, and a full one
        continues below its oldest entry's id.

        Returns False (and changes nothing) if the page belongs to an older query.
        """
        more = bool(rows) and len(rows) >= page_size
        return self.add_page(generation, rows, rows[-1].id if more else None)

    def entry(self, row: int) -> AuditLine | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
