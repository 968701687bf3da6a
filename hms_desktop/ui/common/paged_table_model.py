"""A table model filled a page at a time by keyset paging, for long lists (invoices, the audit log).

The model holds no database access. When the view scrolls near the end, ``fetchMore`` emits
``more_wanted(cursor)`` with the keyset cursor the next page continues after; the tab asks its
service for that page on the worker and hands it back to the subclass's ``append_page``, which
calls :meth:`PagedTableModel.add_page`. Each :meth:`start` begins a new *generation*: a page that
arrives for an older query (the filter changed meanwhile) is dropped, and a row already shown (an
entry that moved between pages while paging) is not shown twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Signal

from .row_table_model import Index, RowTableModel


class PagedTableModel(RowTableModel):
    more_wanted = Signal(object)  # the cursor the next page continues after
    #: After a failed page: stop paging until the next ``start`` (True), or let the view ask for the
    #: same page again later, e.g. once the connection is back (False).
    stop_after_failure = True

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cursor: Any = None  # None: no further page
        self._waiting = False
        self.generation = 0

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 - Qt's own signature
        return not parent.isValid() and self._cursor is not None and not self._waiting

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if self.canFetchMore(parent):
            self._waiting = True  # one request at a time: the view asks again on every scroll
            self.more_wanted.emit(self._cursor)

    def start(self) -> int:
        """Forget the rows for a new query; returns the generation its pages must carry."""
        self.beginResetModel()
        self._rows = []
        self._cursor = None
        self._waiting = True
        self.generation += 1
        self.endResetModel()
        return self.generation

    def add_page(self, generation: int, rows: Sequence[Any], next_cursor: Any) -> bool:
        """Add a page's rows (each with an ``id``); ``next_cursor`` None when it was the last.
        Returns False (and changes nothing) if the page belongs to an older query."""
        if generation != self.generation:
            return False
        self._waiting = False
        known = {row.id for row in self._rows}
        fresh = [row for row in rows if row.id not in known]
        if fresh:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
            self._rows.extend(fresh)
            self.endInsertRows()
        self._cursor = next_cursor
        return True

    def page_failed(self, generation: int) -> None:
        """A page could not be fetched: see ``stop_after_failure``; a refresh starts over either way."""
        if generation == self.generation:
            self._waiting = False
            if self.stop_after_failure:
                self._cursor = None  # so the view does not ask again and again

    @property
    def has_more(self) -> bool:
        return self._cursor is not None

    @property
    def loading(self) -> bool:
        return self._waiting
