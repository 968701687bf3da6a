"""One doctor's day list as a Qt table model. It holds the rows it is given; it never reads the database.

The Waiting column is worked out from the arrival time and an injectable clock, so a timer can keep
it current without asking the database, and tests can decide what "now" is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...services.scheduling import AppointmentRecord
from ..common.row_table_model import RowTableModel

TIME, TOKEN, PATIENT, REASON, STATUS, ARRIVED, WAITING = range(7)
HEADERS = {
    TIME: "Time",
    TOKEN: "Token",
    PATIENT: "Patient",
    REASON: "Reason",
    STATUS: "Status",
    ARRIVED: "Arrived",
    WAITING: "Waiting",
}

#: ``index.data(AppointmentRole)`` is the row's :class:`AppointmentRecord` (the same for every column).
AppointmentRole = Qt.ItemDataRole.UserRole + 1
#: ``index.data(WaitingMinutesRole)`` is the whole minutes a checked-in patient has waited so far
#: (by the model's clock), or None for anyone not waiting. The same for every column.
WaitingMinutesRole = Qt.ItemDataRole.UserRole + 2

# Statuses whose rows are done with for today: shown in grey.
FINISHED = frozenset({"completed", "no_show", "rejected", "cancelled"})
WALK_IN = "walk_in"
# From this many minutes on, the Waiting cell is shown in red: someone has waited too long.
LONG_WAIT_MINUTES = 30

_Index = QModelIndex | QPersistentModelIndex


def _utc_now() -> datetime:
    return datetime.now(UTC)


def day_order(records: Sequence[AppointmentRecord]) -> list[AppointmentRecord]:
    """Rows in time order, except that walk-ins keep their arrival order among themselves.

    A walk-in's time is only an estimate fitted into free time (a later arrival can land in an
    earlier gap left by a cancellation); the queue is first come, first served. So walk-ins take the
    places in the list their times give them, filled in the order they arrived.
    """
    by_time = sorted(records, key=lambda r: (r.starts_at, r.id))
    walk_ins = sorted(
        (r for r in by_time if r.kind == WALK_IN),
        key=lambda r: (r.arrived_at or r.starts_at, r.id),
    )
    arrivals = iter(walk_ins)
    return [next(arrivals) if r.kind == WALK_IN else r for r in by_time]


def minutes_between(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def clock_text(moment: datetime | None, like: datetime) -> str:
    """``moment`` as HH:MM in the clinic's zone (the zone of ``like``, a clinic-local time)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored as UTC; be forgiving about a naive value
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(like.tzinfo).strftime("%H:%M")


@dataclass(frozen=True)
class DayCounts:
    booked: int  # every appointment on the list, walk-ins and no-shows included
    waiting: int  # checked in, not yet called
    with_doctor: int
    seen: int  # completed
    no_show: int


class QueueModel(RowTableModel):
    """One row per appointment of the day, in :func:`day_order`.

    ``now`` returns the current instant (an aware datetime); it decides the Waiting column.
    """
    headers = HEADERS


    def __init__(self, parent: Any = None, *, now: Callable[[], datetime] = _utc_now) -> None:
        super().__init__(parent)
        self._rows: list[AppointmentRecord] = []
        self._next_id: int | None = None  # who "call next" would pick; marked in the Status column
        self._now = now
        self._finished_brush = QBrush(QColor("#7a818c"))
        self._long_wait_brush = QBrush(QColor("#b3261e"))
        self._waiting_background = QBrush(QColor("#fff6db"))
        self._with_doctor_background = QBrush(QColor("#e3f4e6"))
        self._bold = QFont()
        self._bold.setBold(True)

    # --- feeding rows ------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[AppointmentRecord]) -> None:
        self.beginResetModel()
        self._rows = day_order(rows)
        self._next_id = self._find_next()
        self.endResetModel()

    def update_record(self, record: AppointmentRecord) -> QModelIndex:
        """Replace the row of ``record.id`` (its position stays); an invalid index if it is not shown."""
        row = self.row_of(record.id)
        if row is None:
            return QModelIndex()
        self._rows[row] = record
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        before, self._next_id = self._next_id, self._find_next()
        for changed in (before, self._next_id):
            other = self.row_of(changed) if changed is not None and changed != record.id else None
            if other is not None:
                self.dataChanged.emit(self.index(other, STATUS), self.index(other, STATUS))
        return self.index(row, 0)

    def record(self, row: int) -> AppointmentRecord:
        return self._rows[row]

    def records(self) -> list[AppointmentRecord]:
        return list(self._rows)

    def tick(self) -> None:
        """Time has passed: repaint the Waiting column (no database call)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, WAITING), self.index(len(self._rows) - 1, WAITING))

    # --- what the rows add up to -------------------------------------------------------------

    def waiting_minutes(self, record: AppointmentRecord) -> int | None:
        if record.status != "checked_in" or record.arrived_at is None:
            return None
        return minutes_between(record.arrived_at, self._now())

    def counts(self) -> DayCounts:
        statuses = [r.status for r in self._rows]
        return DayCounts(
            booked=len(statuses),
            waiting=statuses.count("checked_in"),
            with_doctor=statuses.count("with_doctor"),
            seen=statuses.count("completed"),
            no_show=statuses.count("no_show"),
        )

    def first_waiting(self) -> AppointmentRecord | None:
        """The patient "call next" would pick: checked in earliest."""
        row = self.row_of(self._next_id) if self._next_id is not None else None
        return None if row is None else self._rows[row]

    def _find_next(self) -> int | None:
        waiting = [r for r in self._rows if r.status == "checked_in" and r.arrived_at is not None]
        first = min(waiting, key=lambda r: (r.arrived_at, r.id), default=None)  # type: ignore[arg-type, return-value]
        return None if first is None else first.id

    def with_doctor(self) -> AppointmentRecord | None:
        return next((r for r in self._rows if r.status == "with_doctor"), None)

    # --- QAbstractTableModel -----------------------------------------------------------------

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        record = self.row_item(index)
        if record is None:
            return None
        column = index.column()
        if role == AppointmentRole:
            return record
        if role == WaitingMinutesRole:
            return self.waiting_minutes(record)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(record, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (TOKEN, ARRIVED, WAITING):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if record.status in FINISHED:
                return self._finished_brush
            if column == WAITING and (self.waiting_minutes(record) or 0) >= LONG_WAIT_MINUTES:
                return self._long_wait_brush
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if record.status == "checked_in":
                return self._waiting_background
            if record.status == "with_doctor":
                return self._with_doctor_background
            return None
        if role == Qt.ItemDataRole.FontRole and record.status == "with_doctor":
            return self._bold
        return None

    def _display(self, record: AppointmentRecord, column: int) -> str | None:
        if column == TIME:
            text = f"{record.local_start:%H:%M}"
            return f"{text} walk-in" if record.kind == WALK_IN else text
        if column == TOKEN:
            return "" if record.token is None else str(record.token)
        if column == PATIENT:
            return record.patient_name
        if column == REASON:
            return record.reason
        if column == STATUS:
            return f"{record.status_label} · next" if record.id == self._next_id else record.status_label
        if column == ARRIVED:
            return clock_text(record.arrived_at, record.local_start)
        if column == WAITING:
            minutes = self.waiting_minutes(record)
            return "" if minutes is None else f"{minutes} min"
        return None

    def _tooltip(self, record: AppointmentRecord, column: int) -> str | None:
        if column == TIME:
            if record.kind == WALK_IN:
                return (
                    f"Walk-in, fitted into free time at {record.local_start:%H:%M}; "
                    "walk-ins are listed in the order they arrived."
                )
            return f"{record.local_start:%H:%M}–{record.local_end:%H:%M} ({record.kind_label})"
        if column == PATIENT:
            return f"{record.patient_name} — MRN {record.patient_mrn}"
        if column == STATUS and record.id == self._next_id:
            return "Arrived first of those waiting: Call next calls this patient."
        if column == STATUS and record.status_reason:
            return f"{record.status_label}: {record.status_reason}"
        if column == WAITING and record.waiting_minutes is not None and record.status != "checked_in":
            return f"Waited {record.waiting_minutes} min before being called."
        return None
