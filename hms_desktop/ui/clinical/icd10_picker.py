"""Search-as-you-type over the packaged ICD-10 code set: a box and the matching codes under it.

Each keystroke asks the clinical service on the worker (the newest search wins: one key per picker),
so the code set is never searched on the GUI thread. Down moves from the box into the list; Enter
or a click picks a code, which ``picked`` carries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ...services.clinical import IcdCode
from ..common.search_box import SearchBox
from ..common.worker import TaskRunner

RESULTS = 30


class Icd10Picker(QWidget):
    picked = Signal(object)  # IcdCode, or None when the pick is cleared

    def __init__(self, runner: TaskRunner, search: Callable[[str, int], list[IcdCode]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._search = search
        self._key = f"icd10-search-{id(self)}"
        self.chosen: IcdCode | None = None
        self.box = SearchBox(objectName="icd10Search")
        self.box.setPlaceholderText("ICD-10: type a code (J45) or words (asthma unspec)")
        self.box.setClearButtonEnabled(True)
        self.results = QListWidget(objectName="icd10Results")
        self.results.setUniformItemSizes(True)
        self.results.setMinimumHeight(90)
        self.state = QLabel(objectName="subtle")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.box)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.state)
        self.box.textEdited.connect(self._typed)
        self.box.installEventFilter(self)
        self.box.down_pressed.connect(self._into_results)
        self.results.itemActivated.connect(self._activated)
        self.results.itemClicked.connect(self._activated)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self.box and event.type() == QEvent.Type.KeyPress:
            # Enter picks the highlighted code rather than pressing the dialog's default button.
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.results.count():  # type: ignore[attr-defined]
                self._activated(self.results.currentItem() or self.results.item(0))
                return True
        return super().eventFilter(watched, event)

    def _into_results(self) -> None:
        if self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)

    def _typed(self, text: str) -> None:
        if self.chosen is not None:
            self.chosen = None
            self.picked.emit(None)
        if not text.strip():
            # Through the same key, so a search still running for the old text is dropped.
            self._runner.submit(list, key=self._key, on_done=self._show, context=self)
            return
        self.state.setText("Searching…")
        self._runner.submit(self._search, text, RESULTS, on_done=self._show, context=self, key=self._key,
                            on_error=lambda exc: self.state.setText(str(exc)))

    def _show(self, codes: list[Any]) -> None:
        self.results.clear()
        for code in codes:
            item = QListWidgetItem(f"{code.code}  {code.description}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setToolTip(code.description)
            self.results.addItem(item)
        typed = self.box.text().strip()
        if not typed:
            self.state.setText("")
        elif not codes:
            self.state.setText("No ICD-10 code matches; the diagnosis can be saved as free text.")
        else:
            more = " (first shown; type more to narrow)" if len(codes) >= RESULTS else ""
            self.state.setText(f"{len(codes)} code{'s' if len(codes) != 1 else ''}{more}")

    def _activated(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.state.setText(f"Picked {self.chosen.code}: {self.chosen.description}")
        self.picked.emit(self.chosen)

    def reset(self) -> None:
        self.box.clear()
        self.results.clear()
        self.state.clear()
        self.chosen = None
