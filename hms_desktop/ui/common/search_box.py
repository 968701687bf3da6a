"""The search box used above result lists: Down moves into the results."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QWidget


class SearchBox(QLineEdit):
    down_pressed = Signal()

    def __init__(self, parent: QWidget | None = None, *, clear_on_escape: bool = False, objectName: str = "") -> None:  # noqa: N803
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        # In a tab, Escape empties the box; in a dialog it is left to close the dialog.
        self._clear_on_escape = clear_on_escape

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        if self._clear_on_escape and event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
