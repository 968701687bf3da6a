"""Confirm archiving a patient, with an optional reason for the audit log."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...services.patients import PatientSummary


class ArchiveDialog(QDialog):
    def __init__(self, patient: PatientSummary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Archive patient")
        text = QLabel(
            f"Archive {patient.full_name} (MRN {patient.mrn})?\n\nArchived patients no longer appear in searches "
            "unless “Show archived” is ticked. Nothing is deleted, and the record can be restored at any time."
        )
        text.setWordWrap(True)
        self.reason = QLineEdit(objectName="archiveReason")
        self.reason.setPlaceholderText("Reason (optional), e.g. duplicate of another record, moved away")
        self.reason.setMaxLength(300)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.confirm_button = self.buttons.addButton("Archive", QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm_button.setObjectName("primary")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
