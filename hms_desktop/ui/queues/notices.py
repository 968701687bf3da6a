"""What the Doctor's day tells the doctor when another desk changes their list: the words, and the list
they appear in ("10:42 Asha Rao arrived")."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import ScheduleChange
from ...services.scheduling import AppointmentRecord
from .queue_model import clock_text

#: Changes worth telling the doctor about (the list is reloaded as well).
ANNOUNCED = frozenset({"booked", "cancelled", "checked_in", "walk_in"})
#: Changes that only reload the list: a status moved on (often by this desk), an appointment moved.
RELOAD_ONLY = frozenset({"status", "moved"})
MAX_NOTICES = 50


def concerns(change: ScheduleChange, doctor_id: int | None, day: date | None) -> bool:
    """Does ``change`` touch the list of ``doctor_id`` on ``day``? (A resync concerns every list.)"""
    if change.kind == "resync":
        return True
    if doctor_id is None or change.kind not in ANNOUNCED | RELOAD_ONLY:
        return False
    return change.doctor_id == doctor_id and (change.day is None or change.day == day)


def notice_text(change: ScheduleChange, record: AppointmentRecord | None, now: datetime) -> str | None:
    """One line for the doctor, stamped with the clinic-local time; None if there is nothing to say.

    ``now`` is the current instant in the clinic's zone; arrivals are stamped with the arrival time.
    """
    if record is None or change.kind not in ANNOUNCED:
        return None
    stamp = f"{now:%H:%M}"
    name = record.patient_name
    if change.kind == "checked_in":
        arrived = clock_text(record.arrived_at, now) or stamp
        token = f" (token {record.token})" if record.token is not None else ""
        return f"{arrived} {name} arrived{token}"
    if change.kind == "walk_in":
        arrived = clock_text(record.arrived_at, now) or stamp
        token = f", token {record.token}" if record.token is not None else ""
        return f"{arrived} Walk-in: {name}{token}"
    if change.kind == "booked":
        return f"{stamp} New booking {record.local_start:%H:%M} {name}"
    return f"{stamp} {name} cancelled {record.local_start:%H:%M}"


class NoticeList(QFrame):
    """Newest first; keeps the last MAX_NOTICES lines. Never modal, never steals focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doctorDayNotices")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        title = QLabel("Updates")
        title.setObjectName("noticesTitle")
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        self.clear_button = QPushButton("Clear", objectName="clearNotices")
        self.clear_button.setEnabled(False)
        self.clear_button.clicked.connect(self.clear)
        self.list = QListWidget(objectName="notifications")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.empty = QLabel(
            "Arrivals, new bookings and cancellations made at other desks appear here as they happen."
        )
        self.empty.setObjectName("subtle")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)

        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        self.list.hide()

    def add(self, text: str) -> None:
        self.list.insertItem(0, QListWidgetItem(text))
        while self.list.count() > MAX_NOTICES:
            self.list.takeItem(self.list.count() - 1)
        self._update()

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def clear(self) -> None:
        self.list.clear()
        self._update()

    def _update(self) -> None:
        has = self.list.count() > 0
        self.list.setVisible(has)
        self.empty.setVisible(not has)
        self.clear_button.setEnabled(has)
