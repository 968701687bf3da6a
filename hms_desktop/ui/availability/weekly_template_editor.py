"""Editing a doctor's weekly hours: for each weekday, any number of sessions (start, end, slot length).

The editor only holds what is typed. It hands back ``SessionInput`` values in the order it lists them,
so the scheduling service's errors ("sessions[3]", "weekday[1]") can be shown next to the right row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ...services.scheduling import SessionInput, WeeklySessionRecord
from ..common.form_helpers import error_label, mark_invalid
from .schedule_fields import TimeField

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MIN_SLOT, MAX_SLOT, DEFAULT_SLOT = 5, 240, 15
FIRST_SESSION = (time(9), time(13))


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


class SessionRow(QWidget):
    """One session: ``09:00 to 12:30 in 15 min slots (14 slots)  [Remove]`` and its error line."""

    remove_requested = Signal(object)  # this row
    changed = Signal()

    def __init__(self, weekday: int, start: time, end: time, slot_minutes: int, *, editable: bool = True) -> None:
        super().__init__()
        self.weekday = weekday
        self.start = TimeField(start)
        self.start.setObjectName("sessionStart")
        self.start.setAccessibleName(f"{WEEKDAYS[weekday]} session start")
        self.end = TimeField(end)
        self.end.setObjectName("sessionEnd")
        self.end.setAccessibleName(f"{WEEKDAYS[weekday]} session end")
        self.slot_minutes = QSpinBox(objectName="slotMinutes")
        self.slot_minutes.setRange(MIN_SLOT, MAX_SLOT)
        self.slot_minutes.setSingleStep(5)
        self.slot_minutes.setSuffix(" min")
        self.slot_minutes.setValue(slot_minutes)
        self.slot_minutes.setAccessibleName(f"{WEEKDAYS[weekday]} slot length")
        self.count = QLabel(objectName="subtle")
        self.remove_button = QPushButton("Remove", objectName="removeSession")
        self.remove_button.setToolTip("Remove this session (saved when you press Save weekly hours)")
        self.error = error_label()

        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(self.start)
        line.addWidget(QLabel("to"))
        line.addWidget(self.end)
        line.addSpacing(8)
        line.addWidget(QLabel("in"))
        line.addWidget(self.slot_minutes)
        line.addWidget(QLabel("slots:"))  # "in 15 min slots: 16 slots" read as one phrase
        line.addSpacing(8)
        line.addWidget(self.count)
        line.addStretch(1)
        line.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addLayout(line)
        layout.addWidget(self.error)

        for field in (self.start, self.end):
            field.textChanged.connect(self._edited)
        self.slot_minutes.valueChanged.connect(self._edited)
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        if not editable:
            self.start.setReadOnly(True)
            self.end.setReadOnly(True)
            self.slot_minutes.setEnabled(False)
            self.remove_button.hide()
        self._update_count()

    def value(self) -> SessionInput | None:
        """The session typed here, or None (with the reason shown) when a time cannot be read."""
        start, end = self.start.time(), self.end.time()
        if start is None or end is None:
            self.show_error("Type the times as HH:MM, e.g. 09:00 and 12:30.")
            for field, value in ((self.start, start), (self.end, end)):
                mark_invalid(field, value is None)
            return None
        return SessionInput(self.weekday, start, end, self.slot_minutes.value())

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def clear_error(self) -> None:
        self.error.hide()
        for field in (self.start, self.end):
            mark_invalid(field, False)

    def _edited(self) -> None:
        self._update_count()
        self.changed.emit()

    def _update_count(self) -> None:
        start, end = self.start.time(), self.end.time()
        if start is None or end is None or _minutes(end) <= _minutes(start):
            self.count.setText("")
            return
        slots = (_minutes(end) - _minutes(start)) // self.slot_minutes.value()
        self.count.setText(f"{slots} in all" if slots != 1 else "1 in all")


class DayBox(QFrame):
    """One weekday: its name, its sessions, an "Add session" button and the day's own error line."""

    changed = Signal()

    def __init__(self, weekday: int, *, editable: bool = True) -> None:
        super().__init__()
        self.weekday = weekday
        self.editable = editable
        self.setObjectName("dayBox")
        self.rows: list[SessionRow] = []
        name = QLabel(f"<b>{WEEKDAYS[weekday]}</b>")
        name.setMinimumWidth(100)
        self.summary = QLabel(objectName="subtle")
        self.add_button = QPushButton("Add session", objectName="addSession")
        self.add_button.setAccessibleName(f"Add a session on {WEEKDAYS[weekday]}")
        self.add_button.setVisible(editable)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.error = error_label()
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(name)
        header.addWidget(self.summary, 1)
        header.addWidget(self.add_button)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(24, 0, 0, 0)
        self._rows_layout.setSpacing(2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addLayout(header)
        layout.addLayout(self._rows_layout)
        layout.addWidget(self.error)
        self._update_summary()

    def add_row(
        self, start: time | None = None, end: time | None = None, slot_minutes: int | None = None, *, focus: bool = True,
    ) -> SessionRow:
        if start is None or end is None:
            start, end = self._next_free_stretch()
        if slot_minutes is None:
            slot_minutes = self.rows[-1].slot_minutes.value() if self.rows else DEFAULT_SLOT
        row = SessionRow(self.weekday, start, end, slot_minutes, editable=self.editable)
        row.remove_requested.connect(self.remove_row)
        row.changed.connect(self._row_changed)
        self.rows.append(row)
        self._rows_layout.addWidget(row)
        self._row_changed()
        if focus and self.isVisible():
            row.start.setFocus()
            row.start.selectAll()
        return row

    def remove_row(self, row: SessionRow) -> None:
        self.rows.remove(row)
        row.hide()
        row.deleteLater()
        self._row_changed()

    def clear(self) -> None:
        for row in list(self.rows):
            self.rows.remove(row)
            row.hide()
            row.deleteLater()
        self._update_summary()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def clear_errors(self) -> None:
        self.error.hide()
        for row in self.rows:
            row.clear_error()

    def _next_free_stretch(self) -> tuple[time, time]:
        """A sensible default: 09:00-13:00 first, then three hours starting an hour after the last one."""
        if not self.rows:
            return FIRST_SESSION
        last_end = self.rows[-1].end.time() or FIRST_SESSION[1]
        start = min(_minutes(last_end) + 60, 22 * 60)
        end = min(start + 180, 23 * 60 + 45)
        return time(start // 60, start % 60), time(end // 60, end % 60)

    def _row_changed(self) -> None:
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        if not self.rows:
            self.summary.setText("Not working")
            return
        minutes = 0
        for row in self.rows:
            start, end = row.start.time(), row.end.time()
            if start is not None and end is not None and end > start:
                minutes += _minutes(end) - _minutes(start)
        hours, rest = divmod(minutes, 60)
        self.summary.setText(
            f"{len(self.rows)} session{'s' if len(self.rows) != 1 else ''}, {hours} h" + (f" {rest} min" if rest else "")
        )


class WeeklyTemplateEditor(QWidget):
    """Seven day boxes. ``changed`` fires on every edit; ``dirty`` says whether there is anything unsaved."""

    changed = Signal()

    def __init__(self, *, editable: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editable = editable
        self.dirty = False
        self.days = [DayBox(d, editable=editable) for d in range(7)]
        self._submitted: list[SessionRow] = []
        self._filling = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for i, day in enumerate(self.days):
            if i:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color: #e4e7ec;")
                layout.addWidget(line)
            day.changed.connect(self._changed)
            layout.addWidget(day)
        layout.addStretch(1)

    def set_sessions(self, sessions: Sequence[WeeklySessionRecord | SessionInput]) -> None:
        """Show these sessions as the saved state (not dirty, and no ``changed`` signal)."""
        self._filling = True
        try:
            for day in self.days:
                day.clear()
                day.clear_errors()
            for s in sorted(sessions, key=lambda x: (x.weekday, x.start)):
                self.days[s.weekday].add_row(s.start, s.end, s.slot_minutes, focus=False)
        finally:
            self._filling = False
        self.dirty = False

    def rows(self) -> list[SessionRow]:
        return [row for day in self.days for row in day.rows]

    def sessions(self) -> list[SessionInput] | None:
        """Every session typed, in the order of :meth:`rows`; None (errors shown) if a time is unreadable."""
        self.clear_errors()
        values = [row.value() for row in self.rows()]
        if any(v is None for v in values):
            return None
        self._submitted = self.rows()
        return [v for v in values if v is not None]

    def show_errors(self, errors: Mapping[str, str]) -> list[str]:
        """Show the service's errors next to their row or day; returns those that have no place here."""
        unplaced = []
        for key, message in errors.items():
            kind, _, rest = key.partition("[")
            try:
                number = int(rest.rstrip("]"))
            except ValueError:
                unplaced.append(message)
                continue
            if kind == "sessions" and 0 <= number < len(self._submitted):
                self._submitted[number].show_error(message)
            elif kind == "weekday" and 0 <= number < 7:
                self.days[number].show_error(message)
            else:
                unplaced.append(message)
        return unplaced

    def clear_errors(self) -> None:
        for day in self.days:
            day.clear_errors()

    def _changed(self) -> None:
        if self._filling:
            return
        self.dirty = True
        self.changed.emit()
