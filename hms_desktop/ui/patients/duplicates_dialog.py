"""Before a new patient is saved: "is this one of these people already registered?"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...services.patients import DuplicateCandidate


class DuplicatesDialog(QDialog):
    open_existing = Signal(int)
    register_anyway = Signal()

    def __init__(self, candidates: list[DuplicateCandidate], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Possible duplicate")
        self.setMinimumWidth(720)
        self.candidates = candidates
        heading = QLabel(
            f"{len(candidates)} patient{'s are' if len(candidates) != 1 else ' is'} already registered with "
            "the same details. If it is the same person, open the existing record instead of creating a second one."
        )
        heading.setObjectName("bannerWarning")
        heading.setWordWrap(True)
        self.table = QTableWidget(len(candidates), 5)
        self.table.setObjectName("duplicates")
        self.table.setHorizontalHeaderLabels(["MRN", "Name", "Date of birth", "Phone", "Why it matches"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        for row, c in enumerate(candidates):
            p = c.patient
            name = p.full_name + (" (archived)" if p.archived else "")
            values = [p.mrn, name, p.date_of_birth.isoformat(), p.phone, ", ".join(c.reasons).capitalize()]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.resizeColumnsToContents()
        self.table.selectRow(0)
        self.table.doubleClicked.connect(lambda _: self._open())

        self.open_button = QPushButton("Open the existing record")
        self.open_button.setObjectName("primary")
        self.open_button.setDefault(True)
        self.open_button.clicked.connect(self._open)
        self.anyway_button = QPushButton("It is a different person: register anyway")
        self.anyway_button.clicked.connect(self._anyway)
        back = QPushButton("Back to the form")
        back.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addStretch()
        buttons.addWidget(self.anyway_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _open(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.candidates):
            self.accept()
            self.open_existing.emit(self.candidates[row].patient.id)

    def _anyway(self) -> None:
        self.accept()
        self.register_anyway.emit()
