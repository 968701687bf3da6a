"""Each doctor's queue today, as the dashboard shows it (rows are DoctorQueue records)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt

from ..common.row_table_model import Index, RowTableModel

DOCTOR, TO_COME, WAITING, WITH_DOCTOR, SEEN, LONGEST = range(6)
DOCTOR_ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's doctor id


def wait_text(minutes: int | None) -> str:
    if minutes is None:
        return "—"
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


class QueueTableModel(RowTableModel):
    headers = {DOCTOR: "Doctor", TO_COME: "To come", WAITING: "Waiting", WITH_DOCTOR: "With doctor", SEEN: "Seen",
               LONGEST: "Longest"}

    def set_rows(self, rows: Any) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: Index = QModelIndex(), role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: B008
        queue = self.row_item(index)
        if queue is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return {DOCTOR: queue.doctor, TO_COME: str(queue.to_come), WAITING: str(queue.waiting), WITH_DOCTOR: str(queue.with_doctor),
                    SEEN: str(queue.seen), LONGEST: wait_text(queue.longest_wait_minutes)}.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != DOCTOR:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == DOCTOR_ID_ROLE:
            return queue.doctor_id
        return None
