"""The staff list as a Qt table model. It holds rows it is given; it never reads the database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...services.permissions import role_label
from ...services.staff import StaffMember
from ..common.row_table_model import RowTableModel

USERNAME, FULL_NAME, ROLE, STATUS, LAST_SIGN_IN = range(5)
HEADERS = {
    USERNAME: "User name",
    FULL_NAME: "Full name",
    ROLE: "Role",
    STATUS: "Status",
    LAST_SIGN_IN: "Last sign-in",
}

#: ``index.data(StaffMemberRole)`` is the row's :class:`StaffMember` (the same for every column).
StaffMemberRole = Qt.ItemDataRole.UserRole + 1
#: A value that sorts the column properly (times as ISO text, never-signed-in first), for a sort proxy.
SortRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def _utc_now() -> datetime:
    return datetime.now(UTC)


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored as UTC; be forgiving about a naive value
        moment = moment.replace(tzinfo=UTC)
    # The service gives times in the clinic's zone; shown as they are, never in the workstation's.
    return moment.strftime(fmt)


def is_locked(member: StaffMember, now: datetime) -> bool:
    return member.locked_until is not None and member.locked_until > now


def status_text(member: StaffMember, now: datetime) -> str:
    if not member.active:
        return "Deactivated"
    if is_locked(member, now):
        return f"Locked until {local_time(member.locked_until, '%H:%M')}"
    return "Active"


class StaffTableModel(RowTableModel):
    """One row per staff account, in the order given to :meth:`set_rows`.

    ``now`` is injectable so that tests can decide whether a lock is still in force.
    """
    headers = HEADERS


    def __init__(self, parent: Any = None, *, now: Callable[[], datetime] = _utc_now) -> None:
        super().__init__(parent)
        self._rows: list[StaffMember] = []
        self._now = now
        self._inactive_brush = QBrush(QColor("#8a8f98"))

    # --- feeding rows ------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[StaffMember]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def update_member(self, member: StaffMember) -> QModelIndex:
        """Replace the row of ``member.id`` (or append it when it is new); returns its first cell."""
        row = self.row_of(member.id)
        if row is None:
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(member)
            self.endInsertRows()
        else:
            self._rows[row] = member
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        return self.index(row, 0)

    def member(self, row: int) -> StaffMember:
        return self._rows[row]

    # --- QAbstractTableModel -----------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        member = self.row_item(index)
        if member is None:
            return None
        column = index.column()
        if role == StaffMemberRole:
            return member
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(member, column)
        if role == SortRole:
            if column == LAST_SIGN_IN:
                return member.last_signin_at.isoformat() if member.last_signin_at else ""
            return (self._display(member, column) or "").lower()
        if role == Qt.ItemDataRole.ToolTipRole and column == STATUS:
            if member.active and member.must_change_password:
                return "Signs in with a temporary password and must choose their own."
            return None
        if role == Qt.ItemDataRole.ForegroundRole and not member.active:
            return self._inactive_brush
        return None

    def _display(self, member: StaffMember, column: int) -> str | None:
        if column == USERNAME:
            return member.username
        if column == FULL_NAME:
            return member.full_name
        if column == ROLE:
            return role_label(member.role)
        if column == STATUS:
            return status_text(member, self._now())
        if column == LAST_SIGN_IN:
            return local_time(member.last_signin_at) or "Never"
        return None
