"""Ask the doctor why they decline an appointment (the service requires a reason), and confirm a no-show."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.scheduling import AppointmentRecord
from ..common.messages import confirm

REASON_LIMIT = 300  # the scheduling service keeps at most this many characters


class RejectDialog(QDialog):
    """Non-blocking: ``reason_given(str)`` fires when the doctor presses Reject with a reason."""

    reason_given = Signal(str)

    def __init__(self, record: AppointmentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rejectDialog")
        self.setWindowTitle("Reject appointment")
        self.setMinimumWidth(440)
        what = QLabel(
            f"Reject the {record.local_start:%H:%M} appointment of {record.patient_name} "
            f"(MRN {record.patient_mrn})?"
        )
        what.setTextFormat(Qt.TextFormat.PlainText)  # names are data, never markup
        what.setWordWrap(True)
        hint = QLabel("The slot is freed and the front desk sees your reason, so they can tell the patient.")
        hint.setObjectName("subtle")
        hint.setWordWrap(True)
        label = QLabel("&Reason *")
        self.reason = QPlainTextEdit(objectName="rejectReason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(72)
        self.reason.setPlaceholderText("e.g. Needs a cardiologist; please refer")
        label.setBuddy(self.reason)
        self.count = QLabel(objectName="subtle")

        self.reject_button = QPushButton("Reject appointment", objectName="confirmReject")
        self.reject_button.setEnabled(False)
        self.reject_button.clicked.connect(self._submit)
        cancel = QPushButton("Cancel", objectName="cancelReject")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.reject_button)

        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(hint)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)
        self.reason.textChanged.connect(self._changed)
        self.reason.setFocus()

    def _changed(self) -> None:
        text = self.reason.toPlainText().strip()
        self.reject_button.setEnabled(0 < len(text) <= REASON_LIMIT)
        self.count.setText(f"{len(text)}/{REASON_LIMIT}" if len(text) > REASON_LIMIT * 0.8 else "")

    def _submit(self) -> None:
        text = self.reason.toPlainText().strip()
        if not text:
            return
        self.accept()
        self.reason_given.emit(text)


def confirm_no_show(parent: QWidget, record: AppointmentRecord, on_yes: Callable[[], None]) -> QMessageBox:
    """A Yes/Cancel question that does not block; findable as ``confirmNoShow``, its yes button ``confirmYes``."""
    return confirm(
        parent, title="Mark as no-show", name="confirmNoShow", action="Mark no-show", on_yes=on_yes,
        text=f"Mark {record.patient_name} ({record.local_start:%H:%M}) as a no-show?",
        informative="This frees the slot and cannot be undone; if the patient comes later, book them again.",
    )
