"""The formulary under the prescription's medicine box: as the doctor types, the clinic formulary's
matches (asked on the worker, the newest search wins) drop down under the box; picking one puts its
generic name in the box and fills strength, form, route, dose and frequency from it. Typing past
the list is free text, as before. The allergy check is the service's, whichever way the name came."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLabel

from ...services.clinical import FormularyRecord
from ..common.worker import TaskRunner
from .prescription_form import PrescriptionForm

NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # the text the box takes: the generic name only
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
FILLED = ("strength", "form", "route", "dose", "frequency")
RESULTS = 12


def _words(m: FormularyRecord) -> str:
    usual = ", ".join(x for x in (m.dose, m.frequency, m.route) if x)
    return m.label + (f"  —  {usual}" if usual else "")


class MedicinePicker(QObject):
    picked = Signal(object)  # FormularyRecord

    def __init__(self, runner: TaskRunner, search: Callable[[str, int], list[FormularyRecord]],
                 form: PrescriptionForm) -> None:
        super().__init__(form)
        self._runner = runner
        self._search = search
        self._form = form
        self._key = f"formulary-search-{id(self)}"
        self.box = form.boxes["medicine"]
        self.model = QStandardItemModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCompletionRole(NAME_ROLE)
        self.completer.setMaxVisibleItems(RESULTS)
        self.completer.popup().setObjectName("formularyMatches")
        self.box.setCompleter(self.completer)
        self.box.setPlaceholderText("Type to pick from the formulary, or write any medicine")
        self.note = QLabel(objectName="subtle")  # "From the formulary: …", under the form
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        form.layout().addWidget(self.note, 12, 1, 1, 3)  # type: ignore[union-attr] - under the instructions
        self.box.textEdited.connect(self._typed)
        self.completer.activated[QModelIndex].connect(self._activated)  # type: ignore[index]
        self.chosen: FormularyRecord | None = None

    def _typed(self, text: str) -> None:
        if self.chosen is not None and text.strip() != self.chosen.name:
            self.chosen = None
            self.note.clear()
        if len(text.strip()) < 2:
            self._runner.submit(list, key=self._key, on_done=self._show, context=self)
            return
        self._runner.submit(self._search, text, RESULTS, on_done=self._show, on_error=lambda _exc: self._show([]),
                            context=self, key=self._key)

    def _show(self, medicines: list[Any]) -> None:
        self.model.clear()
        for m in medicines:
            item = QStandardItem(_words(m))
            item.setData(m.name, NAME_ROLE)
            item.setData(m, RECORD_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        if medicines and self.box.hasFocus() and not self.box.isReadOnly():
            self.completer.complete()
        else:
            self.completer.popup().hide()

    def _activated(self, index: QModelIndex) -> None:
        medicine = index.data(RECORD_ROLE)
        if isinstance(medicine, FormularyRecord):
            self.pick(medicine)

    def pick(self, medicine: FormularyRecord) -> None:
        """Fill the form from a formulary line; duration, quantity and instructions stay as typed."""
        self.chosen = medicine
        self.box.setText(medicine.name)
        for name in FILLED:
            self._form.boxes[name].setText(getattr(medicine, name))
        self.note.setText(f"From the formulary: {_words(medicine)}. Change anything for this patient.")
        self._form.boxes["duration"].setFocus()
        self.picked.emit(medicine)

    def reset(self) -> None:
        self.chosen = None
        self.note.clear()
        self.model.clear()
