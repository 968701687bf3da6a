"""The doctor list as a Qt table model. It holds rows it is given; it never reads the database.

The "next available" column is filled in after the list arrives (it takes a query per doctor):
until then it reads "…", and :meth:`DoctorTableModel.set_next_available` fills it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...services.doctors import DoctorRecord
from ...services.money import format_money
from ...services.scheduling import Slot
from ..common.row_table_model import RowTableModel

NAME, SPECIALTIES, LOCATION, FEE, EXPERIENCE, STATUS, NEXT_AVAILABLE = range(7)
HEADERS = {
    NAME: "Name",
    SPECIALTIES: "Specialties",
    LOCATION: "Location / room",
    FEE: "Fee",
    EXPERIENCE: "Experience",
    STATUS: "Status",
    NEXT_AVAILABLE: "Next available",
}

#: ``index.data(DoctorRole)`` is the row's :class:`DoctorRecord` (the same for every column).
DoctorRole = Qt.ItemDataRole.UserRole + 1
#: A value that sorts the column properly (fees and years as numbers, times as ISO text with
#: "none free" last), for a sort proxy.
SortRole = Qt.ItemDataRole.UserRole + 2

LOADING = "…"
NOT_BOOKABLE = "—"
NONE_FREE = "None free"

_Index = QModelIndex | QPersistentModelIndex


def status_text(doctor: DoctorRecord) -> str:
    """Inactive wins over unverified: either way the doctor cannot be booked."""
    if not doctor.active:
        return "Inactive"
    if not doctor.verified:
        return "Unverified"
    return "Active"


def slot_text(slot: Slot, today: date | None) -> str:
    """'Today 14:30', 'Tomorrow 09:00', else 'Thu 09 Jan 09:15' (clinic-local time)."""
    start = slot.local_start
    if today is not None and start.date() == today:
        day = "Today"
    elif today is not None and start.date() == today + timedelta(days=1):
        day = "Tomorrow"
    else:
        day = f"{start:%a %d %b}"
        if today is not None and start.year != today.year:
            day += f" {start:%Y}"
    return f"{day} {start:%H:%M}"


class DoctorTableModel(RowTableModel):
    """One row per doctor, in the order given to :meth:`set_rows`.

    Fees are written in the clinic's ``currency`` and ``locale`` ("₹500.00" for INR in en_IN).
    """
    headers = HEADERS


    def __init__(self, parent: Any = None, *, currency: str = "INR", locale: str = "en_IN") -> None:
        super().__init__(parent)
        self._rows: list[DoctorRecord] = []
        # doctor id -> first free slot, or None when nothing is free; absent while still loading.
        self._next: dict[int, Slot | None] = {}
        self._today: date | None = None
        self._currency = currency
        self._locale = locale
        self._muted = QBrush(QColor("#8a8f98"))
        self._warning = QBrush(QColor("#a15c00"))

    # --- feeding rows ------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[DoctorRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._next = {k: v for k, v in self._next.items() if any(r.id == k for r in self._rows)}
        self.endResetModel()

    def update_doctor(self, doctor: DoctorRecord) -> QModelIndex:
        """Replace the row of ``doctor.id`` (or append it when it is new); returns its first cell.

        Its next-available cell goes back to loading: hours, status or verification may have changed.
        """
        row = self.row_of(doctor.id)
        self._next.pop(doctor.id, None)
        if row is None:
            row = len(self._rows)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.append(doctor)
            self.endInsertRows()
        else:
            self._rows[row] = doctor
            self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        return self.index(row, 0)

    def set_next_available(self, slots: Mapping[int, Slot | None], today: date | None = None) -> None:
        """Fill the next-available cells of the doctors in ``slots`` (None: nothing free)."""
        if today is not None:
            self._today = today
        self._next.update(slots)
        for doctor_id in slots:
            row = self.row_of(doctor_id)
            if row is not None:
                cell = self.index(row, NEXT_AVAILABLE)
                self.dataChanged.emit(cell, cell)

    def doctor(self, row: int) -> DoctorRecord:
        return self._rows[row]

    def doctors(self) -> list[DoctorRecord]:
        return list(self._rows)

    def next_available(self, doctor_id: int) -> Slot | None:
        return self._next.get(doctor_id)

    def waiting_for_next_available(self) -> list[int]:
        """Bookable doctors whose next free slot has not been loaded yet, in row order."""
        return [d.id for d in self._rows if d.bookable and d.id not in self._next]

    # --- QAbstractTableModel -----------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        doctor = self.row_item(index)
        if doctor is None:
            return None
        column = index.column()
        if role == DoctorRole:
            return doctor
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(doctor, column)
        if role == SortRole:
            return self._sort_key(doctor, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (FEE, EXPERIENCE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(doctor, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if not doctor.active:
                return self._muted
            if column == STATUS and not doctor.verified:
                return self._warning
        return None

    def _display(self, doctor: DoctorRecord, column: int) -> str | None:
        if column == NAME:
            return doctor.full_name
        if column == SPECIALTIES:
            return doctor.specialty_names
        if column == LOCATION:
            return doctor.location
        if column == FEE:
            return format_money(doctor.consultation_fee_minor, self._currency, self._locale)
        if column == EXPERIENCE:
            years = doctor.years_experience
            return f"{years} year{'s' if years != 1 else ''}"
        if column == STATUS:
            return status_text(doctor)
        if column == NEXT_AVAILABLE:
            if not doctor.bookable:
                return NOT_BOOKABLE
            if doctor.id not in self._next:
                return LOADING
            slot = self._next[doctor.id]
            return NONE_FREE if slot is None else slot_text(slot, self._today)
        return None

    def _sort_key(self, doctor: DoctorRecord, column: int) -> Any:
        if column == FEE:
            return doctor.consultation_fee_minor
        if column == EXPERIENCE:
            return doctor.years_experience
        if column == NEXT_AVAILABLE:
            slot = self._next.get(doctor.id)
            # Free times first, earliest first; then "none free", loading, and not bookable.
            if slot is not None:
                return "0" + slot.starts_at.isoformat()
            if not doctor.bookable:
                return "3"
            return "1" if doctor.id in self._next else "2"
        return (self._display(doctor, column) or "").casefold()

    def _tooltip(self, doctor: DoctorRecord, column: int) -> str | None:
        if column == STATUS and doctor.active and not doctor.verified:
            return "Not bookable until an administrator verifies this doctor."
        if column == STATUS and not doctor.active:
            return "Deactivated: not bookable. Existing appointments are kept."
        if column == NEXT_AVAILABLE:
            slot = self._next.get(doctor.id)
            if slot is not None:
                return f"{slot.local_start:%A %d %B %Y, %H:%M}–{slot.local_end:%H:%M} ({slot.minutes} min)"
            if not doctor.bookable:
                return "Cannot be booked: " + ("inactive." if not doctor.active else "not verified yet.")
            if doctor.id in self._next:
                return "No free slot in the coming months."
        if column == NAME and doctor.qualifications:
            return f"{doctor.full_name} — {doctor.qualifications}"
        return None
