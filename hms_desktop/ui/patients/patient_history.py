"""A patient's appointments and visits, for the patient record: upcoming first, then the past,
and (for those who may see the waiting list) the patient's waiting list entries.

Loaded through the worker when the record opens. (The balance is a line of the record itself, above
its tabs, for users who may see billing.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ...services.billing.invoices import BILLABLE_VISIT
from ...services.scheduling import AppointmentRecord, SchedulingService
from ...services.scheduling.waiting_list import WaitingRecord
from ..common.worker import TaskRunner

WHEN, DOCTOR, WHERE, STATUS = range(4)
VISIT_STATUSES = {"with_doctor", "completed"}


@dataclass(frozen=True)
class PatientHistory:
    upcoming: list[AppointmentRecord]
    past: list[AppointmentRecord]  # newest first: visits, cancellations, no-shows
    waiting: list[WaitingRecord] | None = None  # None: this user does not see the waiting list


def load_history(scheduling: SchedulingService, patient_id: int, *, limit: int = 50,
                 waiting: Callable[..., list[WaitingRecord]] | None = None) -> PatientHistory:
    """Worker thread: the coming appointments soonest first, then everything else newest first;
    with ``waiting`` (WaitingListService.entries), the patient's waiting list entries, open first."""
    upcoming = scheduling.patient_appointments(patient_id, upcoming_only=True, limit=limit)
    seen = {a.id for a in upcoming}
    past = [a for a in scheduling.patient_appointments(patient_id, limit=limit) if a.id not in seen]
    entries = waiting(patient_id=patient_id, include_closed=True)[:limit] if waiting is not None else None
    return PatientHistory(upcoming, past, entries)


def _when(a: AppointmentRecord) -> str:
    return f"{a.local_start:%a %d %b %Y %H:%M}"


def _status(a: AppointmentRecord) -> str:
    if a.status == "completed":
        return "Visit completed"
    if a.status == "with_doctor":
        return "Visit in progress"
    return a.status_label + (f" ({a.kind_label.lower()})" if a.kind == "walk_in" else "")


def _closed_brush(widget: QWidget) -> Any:
    return widget.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)


class PatientHistoryPanel(QWidget):
    """Two short lists: the coming appointments and the past ones with the visits among them."""

    loaded = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        load: Callable[[int], PatientHistory],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._load = load
        self._records: dict[int, AppointmentRecord] = {}
        self._newest_first: list[AppointmentRecord] = []
        self.upcoming = self._tree("upcomingAppointments")
        self.past = self._tree("pastAppointments")
        self.upcoming_title = QLabel("&Upcoming appointments")
        self.upcoming_title.setBuddy(self.upcoming)
        self.past_title = QLabel("Past appo&intments and visits")
        self.past_title.setBuddy(self.past)
        self.waiting = self._tree("patientWaitingList", ["Waiting for", "Days", "Part of day", "Status"])
        self.waiting_title = QLabel("On the &waiting list")
        self.waiting_title.setBuddy(self.waiting)
        for column, width in ((0, 230), (1, 170), (2, 100)):
            self.waiting.setColumnWidth(column, width)
        self.waiting.hide()
        self.waiting_title.hide()
        self.state = QLabel("Loading…", objectName="subtle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.upcoming_title)
        layout.addWidget(self.upcoming, 2)
        layout.addWidget(self.past_title)
        layout.addWidget(self.past, 3)
        layout.addWidget(self.waiting_title)
        layout.addWidget(self.waiting, 1)
        layout.addWidget(self.state)

    @staticmethod
    def _tree(name: str, headers: list[str] | None = None) -> QTreeWidget:
        tree = QTreeWidget(objectName=name)
        tree.setHeaderLabels(headers or ["When (clinic time)", "Doctor", "Where", "Status"])
        tree.setRootIsDecorated(False)
        tree.setUniformRowHeights(True)
        tree.setAlternatingRowColors(True)
        tree.header().setStretchLastSection(True)
        for column, width in ((WHEN, 170), (DOCTOR, 170), (WHERE, 140)):
            tree.setColumnWidth(column, width)
        return tree

    def load(self, patient_id: int) -> None:
        self.state.setText("Loading…")
        self._runner.submit(self._load, patient_id, on_done=self._show, on_error=self._failed, context=self)

    def _show(self, history: PatientHistory) -> None:
        self._records = {a.id: a for a in history.upcoming + history.past}
        # Today's checked-in visit is among the upcoming ones; the rest are newest first.
        self._newest_first = list(reversed(history.upcoming)) + history.past
        for tree, rows, empty in (
            (self.upcoming, history.upcoming, "No upcoming appointments."),
            (self.past, history.past, "No past appointments or visits."),
        ):
            tree.clear()
            for a in rows:
                item = QTreeWidgetItem([_when(a), a.doctor_name, a.location, _status(a)])
                item.setData(WHEN, Qt.ItemDataRole.UserRole, a.id)
                if a.reason:
                    item.setToolTip(STATUS, a.reason)
                tree.addTopLevelItem(item)
            if not rows:
                placeholder = QTreeWidgetItem([empty])
                placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
                tree.addTopLevelItem(placeholder)
        self._show_waiting(history.waiting)
        visits = sum(1 for a in history.past if a.status in VISIT_STATUSES)
        self.state.setText(
            f"{len(history.upcoming)} upcoming · {visits} visit{'s' if visits != 1 else ''} · "
            f"{len(history.past)} past appointment{'s' if len(history.past) != 1 else ''} shown"
        )

        self.loaded.emit()

    def _show_waiting(self, entries: list[WaitingRecord] | None) -> None:
        self.waiting.setVisible(entries is not None)
        self.waiting_title.setVisible(entries is not None)
        self.waiting.clear()
        if entries is None:
            return
        for e in entries:
            item = QTreeWidgetItem([e.who, e.days, e.part_words.split(" (")[0], e.status])
            item.setToolTip(0, e.note or f"Added {e.added_at:%d %b %Y} by {e.added_by}")
            item.setToolTip(2, e.part_words)
            if e.closed_at is not None:
                for column in range(4):
                    item.setForeground(column, _closed_brush(self))
            self.waiting.addTopLevelItem(item)
        if not entries:
            placeholder = QTreeWidgetItem(["Not on the waiting list."])
            placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
            self.waiting.addTopLevelItem(placeholder)

    def visit_to_bill(self) -> AppointmentRecord | None:
        """The selected visit if it can be billed, else the newest one that can (checked in, with
        the doctor or completed); None when there is none."""
        for tree in (self.upcoming, self.past):
            item = tree.currentItem()
            picked = item is not None and item.isSelected()
            chosen = self._records.get(item.data(WHEN, Qt.ItemDataRole.UserRole)) if picked else None
            if chosen is not None and chosen.status in BILLABLE_VISIT:
                return chosen
        return next((a for a in self._newest_first if a.status in BILLABLE_VISIT), None)

    def _failed(self, exc: Exception) -> None:
        message = getattr(exc, "message", None) or "Could not load the appointments."
        self.state.setText(message)

    def rows(self, tree: QTreeWidget) -> list[list[str]]:
        """What a tree shows, row by row (for tests and screen readers alike)."""
        return [
            [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
            for r in range(tree.topLevelItemCount())
        ]
