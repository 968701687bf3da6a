"""The audit log as a Qt table model, newest entry first, filled a page at a time.

The model holds no database access. When the view scrolls near the end, ``fetchMore`` emits
``more_wanted(before_id)``; the tab asks the audit service for older entries on the worker and hands
them back with ``append_page``. Each ``start`` begins a new *generation*, so a page that arrives for an
older filter is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from ...services.audit import AuditRecord
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

#: ``index.data(AuditRecordRole)`` is the row's :class:`AuditRecord` (the same for every column).
AuditRecordRole = Qt.ItemDataRole.UserRole + 1

#: How actions read in the table; an action not listed here is shown as it is stored.
ACTION_LABELS = {
    "signin.ok": "Signed in",
    "signin.failed": "Sign-in failed",
    "signin.refused": "Sign-in refused",
    "signout": "Signed out",
    "staff.created": "Staff added",
    "staff.changed": "Staff changed",
    "staff.password_reset": "Password reset",
    "staff.password_changed": "Password changed",
    "staff.activated": "Staff reactivated",
    "staff.deactivated": "Staff deactivated",
    "patient.created": "Patient registered",
    "patient.changed": "Patient changed",
    "patient.archived": "Patient archived",
    "patient.restored": "Patient restored",
    "demo.patients_loaded": "Demo patients loaded",
    "settings.changed": "Settings changed",
}

_Index = QModelIndex | QPersistentModelIndex


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def record_label(entry: AuditRecord) -> str:
    return " ".join(part for part in (entry.entity_type, entry.entity_id) if part)


def when_label(moment: datetime) -> str:
    if moment.tzinfo is None:  # stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _value(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def change_lines(entry: AuditRecord) -> list[str]:
    """The entry's field changes as ``field: old -> new`` lines, in the order they were recorded."""
    lines = []
    for name, change in (entry.changes or {}).items():
        if isinstance(change, list | tuple) and len(change) == 2:
            old, new = change
            lines.append(f"{name}: {_value(old)} -> {_value(new)}")
        else:  # not the usual [old, new] pair; show it rather than hide it
            lines.append(f"{name}: {_value(change)}")
    return lines


class AuditTableModel(RowTableModel):
    headers = HEADERS

    more_wanted = Signal(int)  # the id older entries must be below

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AuditRecord] = []
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
                return entry.actor_name
            if column == WORKSTATION:
                return entry.workstation
            if column == ACTION:
                return action_label(entry.action)
            if column == RECORD:
                return record_label(entry)
            if column == SUMMARY:
                return entry.summary
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == ACTION:
                return entry.action
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

    def append_page(self, generation: int, rows: Sequence[AuditRecord], page_size: int) -> bool:
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

    def entry(self, row: int) -> AuditRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
