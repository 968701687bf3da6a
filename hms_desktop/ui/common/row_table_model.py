"""The common part of our table models: a flat list of rows (frozen dataclasses from a service) shown
under fixed column headers. Subclasses set ``headers`` and answer ``data``; none of them touches the
database."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView

Index = QModelIndex | QPersistentModelIndex

#: Room around cell text, so columns of names and dates do not run into each other.
CELL_PADDING = "QTableView::item { padding-left: 6px; padding-right: 8px; }"


class RowTableModel(QAbstractTableModel):
    #: Column number -> header text.
    headers: dict[int, str] = {}

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers.get(section)
        return None

    def row_of(self, row_id: int) -> int | None:
        """The row holding the record whose ``id`` is ``row_id``, or None."""
        for row, item in enumerate(self._rows):
            if item.id == row_id:
                return row
        return None

    def row_item(self, index: Index) -> Any:
        """The row object under a valid index, or None."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        return self._rows[index.row()]


def select_by_id(table: QTableView, proxy: QSortFilterProxyModel, model: RowTableModel, row_id: int) -> None:
    """Select and show the record with this id in a table that sorts or filters through ``proxy``."""
    row = model.row_of(row_id)
    if row is None:
        return
    index = proxy.mapFromSource(model.index(row, 0))
    if index.isValid():
        table.selectRow(index.row())
        table.scrollTo(index)


def make_record_table(table: QTableView) -> None:
    """A read-only list of records: whole rows, one at a time, striped, no row numbers."""
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
