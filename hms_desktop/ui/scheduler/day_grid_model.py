"""The scheduler's grids: one column per doctor (day view) or per day (one doctor's week), one row
per time step of the clinic's local wall clock.

The models hold no database access: the tab fetches ``DoctorDay`` columns from
``SchedulingService.day_view`` on the worker and hands them over with ``set_columns``. Each column is
laid out into *cells*: an appointment or a free slot covers several rows (the view spans them, see
``spans()``), blocked time (leave, a block, a clinic holiday) is one greyed run per exception, and
the remaining rows are "open" (within hours, but already passed) or "off" (outside hours).

The row step is the largest of 15, 10, 5 minutes that divides every session boundary, slot and
booked time shown, so slots line up with rows exactly; walk-ins (fitted to the minute) are rounded
out to whole rows. On the fall-back daylight-saving day the repeated hour shares its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from math import gcd
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from ...services.scheduling import AppointmentRecord, DoctorDay, ExceptionRecord, Slot

# Colours are the delegate's business (grid_style.GridDelegate paints every cell); the model only
# names things, so grid_style may import the model and not the other way round.
STATUS_LABELS = {
    "requested": "Requested", "confirmed": "Confirmed", "checked_in": "Checked in", "with_doctor": "With doctor",
    "completed": "Completed", "cancelled": "Cancelled", "rejected": "Rejected", "no_show": "No-show",
}

#: Custom roles, the same on every cell of both grids:
#: AppointmentRole: the AppointmentRecord in the cell, or None.
AppointmentRole = Qt.ItemDataRole.UserRole + 1
#: SlotRole: the free Slot in the cell (bookable now), or None.
SlotRole = Qt.ItemDataRole.UserRole + 2
#: DoctorIdRole: the id (int) of the doctor whose time the cell is.
DoctorIdRole = Qt.ItemDataRole.UserRole + 3
#: CellKindRole: a CellKind (int): off, open, free, appointment or blocked.
CellKindRole = Qt.ItemDataRole.UserRole + 4
#: DayRole: the local date (datetime.date) of the cell's column.
DayRole = Qt.ItemDataRole.UserRole + 5
#: ExceptionRole: the ExceptionRecord (leave, block, holiday) greying the cell, or None.
ExceptionRole = Qt.ItemDataRole.UserRole + 6
#: RowSpanRole: how many rows the cell's block covers (1 for single cells).
RowSpanRole = Qt.ItemDataRole.UserRole + 7
#: StartsAtRole: the local, aware datetime at which the cell's row begins.
StartsAtRole = Qt.ItemDataRole.UserRole + 8
#: NowRole: where "now" falls within the cell's block, as a fraction of its height (0 <= f < 1), or
#: None when now is not inside it. The delegate draws the current-time line with it.
NowRole = Qt.ItemDataRole.UserRole + 9

#: Week view columns: one per day, Monday first.
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

MIN_STEP, MAX_STEP, DEFAULT_STEP = 5, 15, 15
DAY_MINUTES = 24 * 60

_Index = QModelIndex | QPersistentModelIndex


class CellKind(IntEnum):
    OFF = 0  # outside the doctor's hours
    OPEN = 1  # within hours but not bookable (the time has passed)
    FREE = 2  # a free slot: click or press Enter to book
    APPOINTMENT = 3
    BLOCKED = 4  # leave, a blocked range or a clinic holiday


@dataclass(frozen=True)
class Cell:
    """One block of a column: ``row`` is its first row, ``span`` how many rows it covers."""

    kind: CellKind
    row: int
    span: int = 1
    appointment: AppointmentRecord | None = None
    slot: Slot | None = None
    exception: ExceptionRecord | None = None
    # Appointments that overlap this one in time and so could not get rows of their own (a no-show
    # whose time was booked again, a walk-in squeezed in): listed in the tooltip.
    others: tuple[AppointmentRecord, ...] = field(default=())


@dataclass(frozen=True)
class DropTarget:
    """Where a dragged appointment would land: rows ``row`` to ``row + span`` of ``column``."""

    row: int
    column: int
    span: int
    starts_at: datetime  # local, aware
    ends_at: datetime  # local, aware: the same length of real time later
    doctor_id: int
    doctor_name: str
    why_not: str = ""  # empty when every row it covers is free
    unchanged: bool = False  # the appointment's own place

    @property
    def ok(self) -> bool:
        return not self.why_not and not self.unchanged


def _minute(moment: datetime, day: date, zone: ZoneInfo | None) -> int:
    """Minutes from the local midnight that begins ``day`` (wall clock; may exceed 1440)."""
    local = moment.astimezone(zone) if zone is not None else moment
    return (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute


def grid_step(columns: list[DoctorDay]) -> int:
    """The row length in minutes: the largest of MAX_STEP..MIN_STEP dividing every boundary shown."""
    g = 0
    for col in columns:
        for start, end in col.sessions:
            g = gcd(g, start.hour * 60 + start.minute, end.hour * 60 + end.minute)
        for slot in col.free_slots:
            g = gcd(g, slot.local_start.hour * 60 + slot.local_start.minute,
                    slot.local_end.hour * 60 + slot.local_end.minute)
        for appt in col.appointments:
            if appt.kind != "walk_in":
                g = gcd(g, appt.local_start.hour * 60 + appt.local_start.minute,
                        appt.local_end.hour * 60 + appt.local_end.minute)
    if g == 0:
        return DEFAULT_STEP
    for step in range(MAX_STEP, MIN_STEP - 1, -1):
        if g % step == 0:
            return step
    return MIN_STEP


def _is_holding(appt: AppointmentRecord) -> bool:
    return appt.status not in ("cancelled", "rejected", "no_show")


class ScheduleGridModel(QAbstractTableModel):
    """The shared grid: columns are ``DoctorDay``s (subclasses say how to title them)."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._columns: list[DoctorDay] = []
        self._cells: list[list[Cell]] = []  # [column][row]; a spanning block repeats on each row
        self.zone: ZoneInfo | None = None
        self.now: datetime | None = None
        self.step = DEFAULT_STEP
        self.first_minute = 0
        self._rows = 0
        self._bold = QFont()
        self._bold.setBold(True)

    # --- fed by the tab ----------------------------------------------------------------------

    def set_columns(self, columns: list[DoctorDay], zone: ZoneInfo | None = None, now: datetime | None = None) -> None:
        """Show these columns (a reset: views re-apply ``spans()`` on ``modelReset``). ``now``, if
        given, is marked with a line on the columns of its day."""
        self.beginResetModel()
        self._columns = list(columns)
        self.zone = zone
        self.now = now.astimezone(zone) if now is not None and zone is not None else now
        self.step = grid_step(self._columns)
        self.first_minute, last = self._range()
        self._rows = max(0, (last - self.first_minute) // self.step)
        self._cells = [self._layout(col) for col in self._columns]
        self.endResetModel()

    def clear(self) -> None:
        self.set_columns([], self.zone)

    def _range(self) -> tuple[int, int]:
        starts: list[int] = []
        ends: list[int] = []
        for col in self._columns:
            for start, end in col.sessions:
                starts.append(_minute(start, col.day, self.zone))
                ends.append(_minute(end, col.day, self.zone))
            for appt in col.appointments:
                starts.append(_minute(appt.local_start, col.day, self.zone))
                ends.append(_minute(appt.local_end, col.day, self.zone))
        if not starts:
            return 0, 0
        first = max(0, min(starts)) // self.step * self.step
        last = min(DAY_MINUTES, max(ends))
        last = -(-last // self.step) * self.step
        return first, max(first, last)

    def _rows_of(self, begin: int, end: int) -> tuple[int, int]:
        """The rows [r0, r1) touched by the minutes [begin, end), clipped to the grid."""
        r0 = (begin - self.first_minute) // self.step
        r1 = -(-(end - self.first_minute) // self.step)
        r0, r1 = max(0, r0), min(self._rows, r1)
        return r0, max(r0 + 1, r1) if r0 < self._rows else r1

    def _layout(self, col: DoctorDay) -> list[Cell]:
        n = self._rows
        cells: list[Cell | None] = [None] * n
        in_session = [False] * n
        for start, end in col.sessions:
            r0, r1 = self._rows_of(_minute(start, col.day, self.zone), _minute(end, col.day, self.zone))
            for r in range(r0, r1):
                in_session[r] = True

        def place(cell: Cell) -> bool:
            rows = range(cell.row, cell.row + cell.span)
            if any(cells[r] is not None for r in rows):
                return False
            for r in rows:
                cells[r] = cell
            return True

        def attach(r0: int, appt: AppointmentRecord) -> None:
            host = cells[r0] if 0 <= r0 < n else None
            if host is None:
                return
            merged = Cell(host.kind, host.row, host.span, host.appointment, host.slot, host.exception,
                          host.others + (appt,))
            for r in range(host.row, host.row + host.span):
                cells[r] = merged

        def appt_rows(appt: AppointmentRecord) -> tuple[int, int]:
            return self._rows_of(_minute(appt.local_start, col.day, self.zone),
                                 _minute(appt.local_end, col.day, self.zone))

        holding = [a for a in col.appointments if _is_holding(a)]
        released = [a for a in col.appointments if not _is_holding(a)]
        for appt in holding:
            r0, r1 = appt_rows(appt)
            if r0 >= n:
                continue
            if not place(Cell(CellKind.APPOINTMENT, r0, r1 - r0, appointment=appt)):
                attach(next((r for r in range(r0, r1) if cells[r] is not None), r0), appt)
        for slot in col.free_slots:
            r0, r1 = self._rows_of(_minute(slot.local_start, col.day, self.zone),
                                   _minute(slot.local_end, col.day, self.zone))
            if r0 < n:
                place(Cell(CellKind.FREE, r0, r1 - r0, slot=slot))
        for appt in released:
            # A no-show keeps its rows unless the time has been booked again or is free once more.
            r0, r1 = appt_rows(appt)
            if r0 < n and not place(Cell(CellKind.APPOINTMENT, r0, r1 - r0, appointment=appt)):
                attach(next((r for r in range(r0, r1) if cells[r] is not None), r0), appt)
        for exc in col.exceptions:
            begin, end = _minute(exc.starts_at, col.day, self.zone), _minute(exc.ends_at, col.day, self.zone)
            if end <= self.first_minute or begin >= self.first_minute + n * self.step:
                continue
            r0, r1 = self._rows_of(max(begin, self.first_minute), min(end, self.first_minute + n * self.step))
            run: list[int] = []
            for r in range(r0, r1 + 1):
                if r < r1 and cells[r] is None and in_session[r]:
                    run.append(r)
                    continue
                if run:
                    place(Cell(CellKind.BLOCKED, run[0], len(run), exception=exc))
                    run = []
        return [
            c if c is not None else Cell(CellKind.OPEN if in_session[r] else CellKind.OFF, r)
            for r, c in enumerate(cells)
        ]

    # --- reading, for the tab and the tests ----------------------------------------------------

    @property
    def columns(self) -> list[DoctorDay]:
        return list(self._columns)

    def column(self, index: int) -> DoctorDay | None:
        return self._columns[index] if 0 <= index < len(self._columns) else None

    def cell(self, row: int, column: int) -> Cell | None:
        if 0 <= column < len(self._cells) and 0 <= row < self._rows:
            return self._cells[column][row]
        return None

    def spans(self) -> list[tuple[int, int, int]]:
        """(row, column, row span) of every block covering more than one row."""
        out = []
        for c, cells in enumerate(self._cells):
            r = 0
            while r < len(cells):
                cell = cells[r]
                if cell.span > 1 and cell.row == r:
                    out.append((r, c, cell.span))
                    r += cell.span
                else:
                    r += 1
        return out

    def row_start(self, row: int) -> time:
        minute = (self.first_minute + row * self.step) % DAY_MINUTES
        return time(minute // 60, minute % 60)

    def row_of_time(self, at: time) -> int | None:
        minute = at.hour * 60 + at.minute
        if not self.first_minute <= minute < self.first_minute + self._rows * self.step:
            return None
        return (minute - self.first_minute) // self.step

    def index_at(self, column: int, at: time) -> QModelIndex:
        """The cell of ``column`` whose block holds the local wall-clock time ``at`` (its first row)."""
        row = self.row_of_time(at)
        cell = self.cell(row, column) if row is not None else None
        return self.index(cell.row, column) if cell is not None else QModelIndex()

    def find_appointment(self, appointment_id: int) -> QModelIndex:
        for c, cells in enumerate(self._cells):
            for cell in cells:
                if cell.appointment is not None and cell.appointment.id == appointment_id:
                    return self.index(cell.row, c)
        return QModelIndex()

    def appointments(self) -> list[AppointmentRecord]:
        return [a for col in self._columns for a in col.appointments]

    def drop_target(self, appt: AppointmentRecord, row: int, column: int) -> DropTarget | None:
        """Where ``appt`` would go if its first row were dropped on ``row`` of ``column``: snapped
        back to the start of the doctor's slot there (so a move never leaves slivers no one can
        book), the column's doctor, and whether every row it would cover is free now (or is
        ``appt`` itself). The length is kept in real time, so it holds across a clock change.
        None outside the grid."""
        col = self.column(column)
        if col is None or not 0 <= row < self._rows:
            return None
        row = self._slot_start_row(col, column, row)
        starts_at = self._starts_at(row, column)
        assert starts_at is not None
        elapsed = appt.ends_at - appt.starts_at
        if self.zone is not None:
            ends_at = (starts_at.astimezone(UTC) + elapsed).astimezone(self.zone)
        else:
            ends_at = starts_at + elapsed
        end_row = -(-(_minute(ends_at, col.day, self.zone) - self.first_minute) // self.step)
        span = max(1, end_row - row)
        why = ""
        if not col.bookable:
            why = f"{col.doctor_name} cannot be booked"
        elif row + span > self._rows:
            why = "That runs past the end of the day shown"
        else:
            for r in range(row, row + span):
                cell = self._cells[column][r]
                own = cell.appointment is not None and cell.appointment.id == appt.id
                if cell.kind == CellKind.FREE or own:
                    continue
                why = {
                    CellKind.OFF: "Outside the doctor's hours",
                    CellKind.OPEN: "That time has passed",
                    CellKind.BLOCKED: "The doctor is away then",
                }.get(cell.kind, "Another appointment is there")
                break
        unchanged = col.doctor_id == appt.doctor_id and starts_at == appt.local_start
        return DropTarget(row, column, span, starts_at, ends_at, col.doctor_id, col.doctor_name, why, unchanged)

    def _slot_start_row(self, col: DoctorDay, column: int, row: int) -> int:
        """The row where the doctor's slot holding ``row`` begins: by the session's slot length when
        the column says it, else the free slot's own start; ``row`` itself outside any session."""
        minute = self.first_minute + row * self.step
        for (start, end), length in zip(col.sessions, col.slot_minutes, strict=False):
            first, last = _minute(start, col.day, self.zone), _minute(end, col.day, self.zone)
            if length > 0 and first <= minute < last:
                snapped = first + (minute - first) // length * length
                return max(0, (snapped - self.first_minute) // self.step)
        landing = self._cells[column][row]
        return landing.row if landing.kind == CellKind.FREE else row

    def _starts_at(self, row: int, column: int) -> datetime | None:
        col = self._columns[column]
        minute = self.first_minute + row * self.step
        naive = datetime.combine(col.day, time(0)) + timedelta(minutes=minute)
        return naive.replace(tzinfo=self.zone) if self.zone is not None else naive

    # --- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Vertical:
            if not 0 <= section < self._rows:
                return None
            start = self.row_start(section)
            if role == Qt.ItemDataRole.DisplayRole:
                # At 5-minute rows a label on every row is a wall of numbers; quarter hours suffice.
                return f"{start:%H:%M}" if self.step >= 10 or start.minute % 15 == 0 else ""
            if role == Qt.ItemDataRole.FontRole and start.minute == 0:
                return self._bold
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            return None
        if not 0 <= section < len(self._columns):
            return None
        col = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.column_title(col)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.column_tooltip(col)
        if role == DoctorIdRole:
            return col.doctor_id
        if role == DayRole:
            return col.day
        return None

    def column_title(self, col: DoctorDay) -> str:
        return col.doctor_name

    def column_tooltip(self, col: DoctorDay) -> str:
        booked = sum(1 for a in col.appointments if _is_holding(a))
        hours = ", ".join(f"{s:%H:%M}–{e:%H:%M}" for s, e in col.sessions) or "no hours"
        extra = "" if col.bookable else "\nCannot be booked (not verified or inactive)."
        return (f"{col.doctor_name}\n{col.location or 'No room set'}\n{col.day:%a %d %b %Y}: {hours}\n"
                f"{booked} booked, {len(col.free_slots)} free{extra}")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        cell = self.cell(index.row(), index.column())
        if cell is None:
            return None
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(cell) if cell.row == index.row() else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(cell)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._tooltip(cell) or self.row_start(index.row()).strftime("%H:%M")
        if role == AppointmentRole:
            return cell.appointment
        if role == SlotRole:
            return cell.slot
        if role == DoctorIdRole:
            return col.doctor_id
        if role == CellKindRole:
            return int(cell.kind)
        if role == DayRole:
            return col.day
        if role == ExceptionRole:
            return cell.exception
        if role == RowSpanRole:
            return cell.span
        if role == StartsAtRole:
            return self._starts_at(index.row(), index.column())
        if role == NowRole:
            return self._now_fraction(cell, col)
        return None

    def _now_fraction(self, cell: Cell, col: DoctorDay) -> float | None:
        if self.now is None or self.now.date() != col.day:
            return None
        minute = self.now.hour * 60 + self.now.minute + self.now.second / 60
        begin = self.first_minute + cell.row * self.step
        length = cell.span * self.step
        return (minute - begin) / length if begin <= minute < begin + length else None

    def _display(self, cell: Cell) -> str | None:
        if cell.kind == CellKind.APPOINTMENT and cell.appointment is not None:
            a = cell.appointment
            token = f"#{a.token} " if a.token is not None else ""
            return f"{token}{a.patient_name}" + (f" · {a.reason}" if a.reason else "")
        if cell.kind == CellKind.FREE:
            if cell.others:
                # The slot was freed by a no-show (or a cancellation): free again, but say whose it was.
                a = cell.others[0]
                return f"free · was {a.patient_name} ({STATUS_LABELS.get(a.status, a.status).lower()})"
            return "free"
        if cell.kind == CellKind.BLOCKED and cell.exception is not None:
            return _exception_text(cell.exception)
        return None

    def _tooltip(self, cell: Cell) -> str | None:
        lines: list[str] = []
        if cell.appointment is not None:
            lines.append(_appointment_summary(cell.appointment))
        elif cell.slot is not None:
            s = cell.slot
            lines.append(f"Free {s.local_start:%H:%M}–{s.local_end:%H:%M} with {s.doctor_name}. "
                         "Click or press Enter to book.")
        elif cell.exception is not None:
            lines.append(_exception_text(cell.exception))
        for other in cell.others:
            lines.append("Also: " + _appointment_summary(other))
        return "\n\n".join(lines) or None


def _appointment_summary(a: AppointmentRecord) -> str:
    kind = {"walk_in": "Walk-in", "follow_up": "Follow-up"}.get(a.kind, "Scheduled")
    lines = [
        f"{a.local_start:%H:%M}–{a.local_end:%H:%M}  {a.patient_name} (MRN {a.patient_mrn})",
        f"{STATUS_LABELS.get(a.status, a.status)} · {kind}" + (f" · token {a.token}" if a.token is not None else ""),
    ]
    if a.reason:
        lines.append(f"Reason: {a.reason}")
    if a.waiting_minutes is not None:
        lines.append(f"Waited {a.waiting_minutes} min")
    if a.status_reason:
        lines.append(f"Note: {a.status_reason}")
    return "\n".join(lines)


def _exception_text(exc: ExceptionRecord) -> str:
    what = {"leave": "On leave", "holiday": "Clinic closed", "blocked": "Blocked"}.get(exc.kind, "Unavailable")
    return f"{what}: {exc.reason}" if exc.reason else what


class DayGridModel(ScheduleGridModel):
    """The day view: one column per doctor, titled with the doctor's name and room."""

    def column_title(self, col: DoctorDay) -> str:
        return f"{col.doctor_name}\n{col.location}" if col.location else col.doctor_name

    def column_of_doctor(self, doctor_id: int) -> int | None:
        return next((i for i, c in enumerate(self._columns) if c.doctor_id == doctor_id), None)


class WeekGridModel(ScheduleGridModel):
    """The week view: one doctor, seven columns (MONDAY..SUNDAY), each titled with its date."""

    def column_title(self, col: DoctorDay) -> str:
        return f"{col.day:%a}\n{col.day:%d %b}"

    def column_of_day(self, day: date) -> int | None:
        return next((i for i, c in enumerate(self._columns) if c.day == day), None)
