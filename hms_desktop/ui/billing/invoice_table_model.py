"""The Billing tab's invoices as a Qt table model, newest first, filled a page at a time.

The paging (``more_wanted(after)`` with the keyset cursor of the last page, generations, stale pages
dropped) is the shared one of ui/common/paged_table_model.py; the tab asks the invoice service for
the next page on the worker and hands it back with ``append_page``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ...services.billing import InvoicePage, InvoiceRow
from ..common.paged_table_model import PagedTableModel

NUMBER, DAY, PATIENT, MRN, DOCTOR, PAYER, STATE, TOTAL, PAID, BALANCE, CASHIER = range(11)
HEADERS = {
    NUMBER: "Invoice",
    DAY: "Date",
    PATIENT: "Patient",
    MRN: "MRN",
    DOCTOR: "Doctor",
    PAYER: "Payer",
    STATE: "Status",
    TOTAL: "Total",
    PAID: "Paid",
    BALANCE: "Balance",
    CASHIER: "Issued by",
}
MONEY_COLUMNS = (TOTAL, PAID, BALANCE)

#: ``index.data(InvoiceRowRole)`` is the row's :class:`InvoiceRow` (the same for every column).
InvoiceRowRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class InvoiceTableModel(PagedTableModel):
    """Pages continue after a (local_day, id) cursor (``InvoicePage.next_after``)."""

    headers = HEADERS

    def __init__(self, money: Callable[[int], str] = str, parent: Any = None) -> None:
        """``money`` formats an amount in minor units the clinic's way (Babel, in services.money)."""
        super().__init__(parent)
        self._rows: list[InvoiceRow] = []
        self._money = money

    def set_money_format(self, money: Callable[[int], str]) -> None:
        self._money = money
        if self._rows:
            self.dataChanged.emit(self.index(0, TOTAL), self.index(len(self._rows) - 1, BALANCE))

    # --- Qt model interface ------------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_item(index)
        if row is None:
            return None
        column = index.column()
        if role == InvoiceRowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in MONEY_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == NUMBER and row.number is None:
            return "A draft: it gets its number when it is issued."
        return None

    def _display(self, row: InvoiceRow, column: int) -> str | None:
        if column == NUMBER:
            return row.number or "Draft"
        if column == DAY:
            return row.local_day.isoformat()
        if column == PATIENT:
            return row.patient_name
        if column == MRN:
            return row.patient_mrn
        if column == DOCTOR:
            return row.doctor_name
        if column == PAYER:
            return row.payer_name
        if column == STATE:
            return row.state_label
        if column == TOTAL:
            return self._money(row.total)
        if column == PAID:
            return self._money(row.kept)
        if column == BALANCE:
            return self._money(row.balance)
        if column == CASHIER:
            return row.issued_by
        return None

    # --- fed by the tab ----------------------------------------------------------------------

    def append_page(self, generation: int, page: InvoicePage) -> bool:
        """Add the next page. Returns False (and changes nothing) if it belongs to an older query."""
        return self.add_page(generation, page.rows, page.next_after)

    def replace_row(self, row: InvoiceRow) -> bool:
        """Show an invoice's new figures in place (a payment taken here or at another desk)."""
        at = self.row_of(row.id)
        if at is None:
            return False
        self._rows[at] = row
        self.dataChanged.emit(self.index(at, 0), self.index(at, len(HEADERS) - 1))
        return True

    def invoice(self, row: int) -> InvoiceRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def ids(self) -> list[int]:
        return [row.id for row in self._rows]
