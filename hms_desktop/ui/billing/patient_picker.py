"""Choose the patient a new invoice is for: type a name, MRN or phone, Down to the list, Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..common.search_box import SearchBox
from ..common.worker import TaskRunner


class PatientPicker(QDialog):
    chosen = Signal(int)  # the patient's id

    def __init__(self, patients, runner: TaskRunner, parent: QWidget | None = None, *,  # type: ignore[no-untyped-def]
                 title: str = "New invoice: which patient?", action: str = "Start invoice") -> None:
        super().__init__(parent)
        self.setObjectName("billingPatientPicker")
        self.setWindowTitle(title)
        self._patients = patients
        self._runner = runner
        self.search = SearchBox(objectName="pickerSearch")
        self.search.setPlaceholderText("Name, MRN or phone")
        self.results = QListWidget(objectName="pickerResults")
        self.hint = QLabel("Type at least two letters or digits.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(action)
        buttons.accepted.connect(self._choose)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.hint)
        layout.addWidget(self.results, 1)
        layout.addWidget(buttons)
        self.resize(460, 380)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._look)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.down_pressed.connect(self._into_list)
        self.search.returnPressed.connect(self._choose)
        self.results.itemActivated.connect(lambda _i: self._choose())

    def _look(self) -> None:
        text = self.search.text().strip()
        if len(text) < 2:
            self.results.clear()
            return
        self._runner.submit(self._patients.search, text, limit=30, key="billing-picker", on_done=self._found,
                            context=self)

    def _found(self, page) -> None:  # type: ignore[no-untyped-def]
        self.results.clear()
        for patient in page.rows:
            item = QListWidgetItem(f"{patient.given_name} {patient.family_name} · MRN {patient.mrn} · {patient.phone}")
            item.setData(Qt.ItemDataRole.UserRole, patient.id)
            self.results.addItem(item)
        self.hint.setText(f"{len(page.rows)} found" if page.rows else "No patient matches.")
        if page.rows:
            self.results.setCurrentRow(0)

    def _into_list(self) -> None:
        if self.results.count():
            self.results.setFocus()

    def _choose(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        self.chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        self.accept()
