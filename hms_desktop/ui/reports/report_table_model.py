"""A report's rows (and its total row) as a Qt table: text as people read it, figures right-aligned.
``RAW_VALUE_ROLE`` gives the plain value (an int in minor units, a date) for sorting or export."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ...services.reports import Kind, ReportTable

Index = QModelIndex | QPersistentModelIndex
RAW_VALUE_ROLE = Qt.ItemDataRole.UserRole + 1  # the value behind the text: int (minor units, counts), date, str


class ReportTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._table: ReportTable | None = None
        self._rows: list[tuple[object, ...]] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_table(self, table: ReportTable | None) -> None:
        self.beginResetModel()
        self._table = table
        self._rows = [] if table is None else list(table.rows) + ([table.total] if table.total else [])
        self.endResetModel()

    @property
    def table(self) -> ReportTable | None:
        return self._table

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self._table is None else len(self._table.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if self._table is None or orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._table.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._table.columns[section].label
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        table = self._table
        if table is None or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        column = table.columns[index.column()]
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return table.text(column.kind, value)
        if role == RAW_VALUE_ROLE:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            figure = column.kind not in (Kind.TEXT, Kind.DAY)
            return int((Qt.AlignmentFlag.AlignRight if figure else Qt.AlignmentFlag.AlignLeft)
                       | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and table.total and index.row() == len(self._rows) - 1:
            return self._bold
        return None
