"""Admin -> Patient messages -> Outbox: what was queued for patients, what went, what failed and why,
and "Send again" for a message that failed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.notifications.messages import (
    BOOKED,
    CANCELLED,
    CONFIRMED,
    FOLLOW_UP,
    REJECTED,
    REMINDER,
    REQUESTED,
    RESCHEDULED,
)
from ...services.notifications.service import NotificationService, OutboxRecord
from ..common.form_helpers import banner_label, show_banner
from ..common.messages import show_error
from ..common.row_table_model import RowTableModel, make_record_table, select_by_id
from ..common.worker import TaskRunner

_Index = QModelIndex | QPersistentModelIndex

STATUS_WORDS = {"pending": "Queued", "sent": "Sent", "failed": "Failed", "cancelled": "Not sent"}
EVENT_WORDS = {BOOKED: "Booking confirmation", REQUESTED: "Request received", RESCHEDULED: "Appointment moved", CANCELLED: "Cancellation",
               REMINDER: "Reminder", CONFIRMED: "Doctor's confirmation", REJECTED: "Doctor's rejection",
               FOLLOW_UP: "Follow-up due"}
RESENDABLE = ("failed", "cancelled")


class OutboxModel(RowTableModel):
    CREATED, EVENT, TO, STATUS, ATTEMPTS, REASON = range(6)
    headers = {CREATED: "Queued", EVENT: "Message", TO: "To", STATUS: "Status", ATTEMPTS: "Tries",
               REASON: "Why not sent"}

    def set_rows(self, rows: list[OutboxRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def record(self, row: int) -> OutboxRecord:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry: OutboxRecord | None = self.row_item(index)
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.CREATED:
                return entry.created_at.strftime("%d %b %H:%M")
            if column == self.EVENT:
                words = EVENT_WORDS.get(entry.event, entry.event)
                return f"{words} (SMS)" if entry.channel == "sms" else words
            if column == self.TO:
                # The address is read from the patient's record when the message goes.
                return entry.recipient or ("(when it goes)" if entry.status == "pending" else "(no address)")
            if column == self.STATUS:
                return STATUS_WORDS.get(entry.status, entry.status)
            if column == self.ATTEMPTS:
                return entry.attempts
            if column == self.REASON:
                return entry.last_error
        if role == Qt.ItemDataRole.ToolTipRole:
            return {self.REASON: entry.last_error, self.EVENT: entry.subject, self.TO: entry.recipient,
                    self.CREATED: entry.created_at.strftime("%d %b %Y %H:%M")}.get(column)
        return None


class OutboxPage(QWidget):
    def __init__(self, service: NotificationService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.model = OutboxModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(objectName="outbox")
        self.table.setModel(self.proxy)
        make_record_table(self.table)
        header = self.table.horizontalHeader()
        for column in (OutboxModel.CREATED, OutboxModel.EVENT, OutboxModel.STATUS, OutboxModel.ATTEMPTS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(OutboxModel.TO, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(OutboxModel.REASON, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.status = QComboBox(objectName="outbox_status")
        self.status.addItem("All messages", None)
        for value in ("pending", "failed", "sent", "cancelled"):
            self.status.addItem(STATUS_WORDS[value], value)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.again_button = QPushButton("Send &again")
        self.again_button.clicked.connect(self.send_again)
        refresh = QPushButton("Re&fresh")
        refresh.clicked.connect(self.refresh)
        self.banner = banner_label("bannerInfo")
        show_label = QLabel("&Show")
        show_label.setBuddy(self.status)
        top = QHBoxLayout()
        top.addWidget(show_label)
        top.addWidget(self.status)
        top.addStretch(1)
        top.addWidget(refresh)
        top.addWidget(self.again_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        note = QLabel("Messages are sent by \"hms notify run\" on the computer the clinic chose for it; "
                      "a failed one is tried again only when you say so.")
        note.setObjectName("subtle")
        note.setWordWrap(True)
        layout.addWidget(note)
        self._update_buttons()
        self.refresh()

    def selected(self) -> OutboxRecord | None:
        index = self.proxy.mapToSource(self.table.currentIndex())
        return self.model.record(index.row()) if index.isValid() else None

    def _update_buttons(self) -> None:
        entry = self.selected()
        self.again_button.setEnabled(entry is not None and entry.status in RESENDABLE)

    def refresh(self, select_id: int | None = None) -> None:
        self._runner.submit(self._service.outbox, self.status.currentData(), on_done=lambda rows: self._show(rows, select_id),
                            on_error=lambda exc: show_error(self, exc), context=self, key="outbox")

    def _show(self, rows: list[OutboxRecord], select_id: int | None) -> None:
        self.model.set_rows(rows)
        if select_id is not None:
            select_by_id(self.table, self.proxy, self.model, select_id)
        self._update_buttons()

    def send_again(self) -> None:
        entry = self.selected()
        if entry is None or entry.status not in RESENDABLE:
            return
        self.again_button.setEnabled(False)
        self._runner.submit(self._service.send_again, entry.id, on_done=self._queued,
                            on_error=self._failed, context=self)

    def _queued(self, entry: OutboxRecord) -> None:
        show_banner(self.banner, f"Queued again: {EVENT_WORDS.get(entry.event, entry.event)} to {entry.recipient}.",
                    "bannerInfo")
        self.refresh(select_id=entry.id)

    def _failed(self, exc: Exception) -> None:
        show_banner(self.banner, getattr(exc, "message", str(exc)), "bannerError")
        self.refresh()
