"""Appointments that no longer fit a doctor's hours, to be rebooked, as a Qt table model.

They were not cancelled: the desk calls each patient and moves the appointment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from ...services.scheduling import AppointmentRecord
from ..common.row_table_model import RowTableModel

WHEN, PATIENT, MRN, STATUS = range(4)
HEADERS = {WHEN: "When", PATIENT: "Patient", MRN: "MRN", STATUS: "Status"}

#: ``index.data(AppointmentRole)`` is the row's :class:`AppointmentRecord` (the same for every column).
AppointmentRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class DisplacedTableModel(RowTableModel):
    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[AppointmentRecord] = []

    def set_rows(self, rows: Sequence[AppointmentRecord]) -> None:
        self.beginResetModel()
        self._rows = sorted(rows, key=lambda a: (a.starts_at, a.id))
        self.endResetModel()

    def appointment(self, row: int) -> AppointmentRecord:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        appt = self.row_item(index)
        if appt is None:
            return None
        column = index.column()
        if role == AppointmentRole:
            return appt
        if role == Qt.ItemDataRole.DisplayRole:
            if column == WHEN:
                return f"{appt.local_start:%a %d %b %Y %H:%M}–{appt.local_end:%H:%M}"
            if column == PATIENT:
                return appt.patient_name
            if column == MRN:
                return appt.patient_mrn
            if column == STATUS:
                return appt.status_label
        if role == Qt.ItemDataRole.ToolTipRole and appt.reason:
            return f"Reason for visit: {appt.reason}"
        return None
