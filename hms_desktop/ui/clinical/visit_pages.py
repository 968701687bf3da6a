"""The five pages of the visit screen (notes, vitals, diagnoses, prescription, addenda): widgets
only. The visit dialog (visit_dialog.py) fills them from the VisitRecord and runs the calls."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.clinical import IcdCode, VisitRecord, VitalsRecord
from ...services.clinical.vitals import VITAL_SIGNS, describe_readings
from ..common.form_helpers import FieldErrors
from ..common.worker import TaskRunner
from .icd10_picker import Icd10Picker
from .prescription_form import PrescriptionForm, medicine_line
from .vitals_form import VitalsForm


def text_box(name: str, height: int) -> QPlainTextEdit:
    edit = QPlainTextEdit(objectName=name)
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(height)
    return edit


def vitals_line(v: VitalsRecord, when: str) -> str:
    """"10:05 · Temperature 37.2 °C · Pulse 88 beats/min · BP 128/84 mmHg · … (by Nina)"."""
    words = describe_readings({sign.field: getattr(v, sign.field) for sign in VITAL_SIGNS})
    return f"{when} · {words}" + (f" (by {v.taken_by})" if v.taken_by else "")


def fill_list(widget: QListWidget, rows: list[tuple[str, object]], empty: str) -> None:
    widget.clear()
    for text, data in rows:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, data)
        item.setToolTip(text)
        widget.addItem(item)
    if not rows:
        placeholder = QListWidgetItem(empty)
        placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(placeholder)


def _list(name: str) -> QListWidget:
    widget = QListWidget(objectName=name)
    widget.setWordWrap(True)
    widget.setAlternatingRowColors(True)
    return widget


class NotesPage(QWidget):
    FIELDS = ("complaint", "examination", "advice", "follow_up_on")

    def __init__(self) -> None:
        super().__init__()
        self.errors = FieldErrors()
        self.complaint = text_box("complaint", 60)
        self.examination = text_box("examination", 60)
        self.advice = text_box("advice", 50)
        self.follow_up = QLineEdit(objectName="follow_up_on")
        self.follow_up.setPlaceholderText("YYYY-MM-DD or DD/MM/YYYY")
        self.follow_up.setToolTip("The date to see the patient again; leave it empty for none.")
        self.follow_up.setMaximumWidth(260)
        self.save = QPushButton("Save notes", objectName="saveNotes")
        self.save.setShortcut(QKeySequence.StandardKey.Save)
        self.save.setToolTip("Save the notes (Ctrl+S). Signing saves them too.")
        grid = QGridLayout(self)
        rows = (("Presenting &complaint", self.complaint), ("E&xamination", self.examination),
                ("O&rders and advice", self.advice), ("&Follow-up date", self.follow_up))
        for n, (label, widget) in enumerate(rows):
            grid.addWidget(QLabel(label, buddy=widget), n * 2, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, n * 2, 1)
            grid.addWidget(self.errors.add(self.FIELDS[n], widget), n * 2 + 1, 1)
        grid.addWidget(self.save, 8, 1, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)
        for n in range(3):
            grid.setRowStretch(n * 2, 1)


class VitalsPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.form = VitalsForm()
        self.record = QPushButton("&Record vitals", objectName="recordVitals")
        self.readings = _list("vitalsReadings")
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.record, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(QLabel("Readings of this visit", objectName="subtle"))
        layout.addWidget(self.readings, 1)


class DiagnosesPage(QWidget):
    def __init__(self, runner: TaskRunner, search: Callable[[str, int], list[IcdCode]]) -> None:
        super().__init__()
        self.errors = FieldErrors()
        self.text = QLineEdit(objectName="diagnosisText")
        self.text.setPlaceholderText("In your words; empty: the code's description")
        self.picker = Icd10Picker(runner, search)
        self.add = QPushButton("Add diagnos&is", objectName="addDiagnosis")
        self.remove = QPushButton("Remove selected", objectName="removeDiagnosis")
        self.list = _list("diagnosesList")
        grid = QGridLayout()
        grid.addWidget(QLabel("Diagnosis (free te&xt)", buddy=self.text), 0, 0)
        grid.addWidget(self.text, 0, 1)
        grid.addWidget(self.errors.add("text", self.text), 1, 1)
        grid.addWidget(QLabel("ICD-10 &code", buddy=self.picker.box), 2, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.picker, 2, 1)
        grid.addWidget(self.errors.add("icd10_code", self.picker.box), 3, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 3)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        row.addWidget(QLabel("Diagnoses of this visit", objectName="subtle"), 1)
        row.addWidget(self.remove)
        layout.addLayout(row)
        layout.addWidget(self.list, 2)
        self.picker.picked.connect(self._picked)

    def _picked(self, code: IcdCode | None) -> None:
        if code is not None and not self.text.text().strip():
            self.text.setPlaceholderText(code.description)


class PrescriptionPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.allergies = QLabel(objectName="allergiesBeside")
        self.allergies.setWordWrap(True)
        self.allergies.setTextFormat(Qt.TextFormat.PlainText)
        self.form = PrescriptionForm()
        self.add = QPushButton("Add m&edicine", objectName="addMedicine")
        self.remove = QPushButton("Remove selected", objectName="removeMedicine")
        self.list = _list("prescriptionList")
        layout = QVBoxLayout(self)
        layout.addWidget(self.allergies)
        layout.addWidget(self.form)
        layout.addWidget(self.add, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(QLabel("On the prescription", objectName="subtle"), 1)
        row.addWidget(self.remove)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)


class AddendaPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.errors = FieldErrors()
        self.list = _list("addendaList")
        self.hint = QLabel(objectName="subtle")
        self.hint.setWordWrap(True)
        self.text = text_box("addendumText", 60)
        self.add = QPushButton("Add addend&um", objectName="addAddendum")
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 2)
        layout.addWidget(self.hint)
        layout.addWidget(QLabel("Addendum te&xt", buddy=self.text))
        layout.addWidget(self.text, 1)
        layout.addWidget(self.errors.add("text", self.text))
        layout.addWidget(self.add, 0, Qt.AlignmentFlag.AlignRight)


def diagnosis_line(code: str, text: str, description: str) -> str:
    if not code:
        return text
    return f"{text} ({code})" if text == description else f"{text} ({code} {description})"


def prescription_rows(visit: VisitRecord) -> list[tuple[str, object]]:
    return [(medicine_line(p), p.id) for p in visit.prescriptions]
