"""A doctor drop-down that finds doctors by what people type.

Every doctor is "Dr …", so Qt's own type-to-search (which matches the start of the text) jumped to
the first "Dr A…" on "D", and a space opened the list. Here typed letters, spaces included, build
one search; "Dr " is not a search key, and the first doctor whose name words start with the typed
words is selected.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QElapsedTimer, Qt
from PySide6.QtWidgets import QComboBox, QWidget

#: Typed letters closer together than this are one search (Qt's own 400 ms is too short for "Dr Max").
TYPING_PAUSE_MS = 1000
_TITLE = re.compile(r"^\s*(dr|doctor|prof)\.?\s+", re.IGNORECASE)


def doctor_words(name: str) -> list[str]:
    """A doctor's searchable words: the name without its title, folded."""
    return _TITLE.sub("", name).casefold().split()


def matches(name: str, typed: str) -> bool:
    """``typed`` ("Dr Max", "max s", "sch") matches when each typed word starts a name word, in order."""
    wanted = doctor_words(typed) if typed.strip() else []
    words = doctor_words(name)
    if not wanted:
        return False
    i = 0
    for word in words:
        if i < len(wanted) and word.startswith(wanted[i]):
            i += 1
    return i == len(wanted)


class DoctorBox(QComboBox):
    """Type a doctor's name (with or without "Dr "); Alt+Down or F4 opens the list."""

    def __init__(self, parent: QWidget | None = None, *, objectName: str = "") -> None:  # noqa: N803
        super().__init__(parent)
        if objectName:
            self.setObjectName(objectName)
        self.typed = ""
        self._since = QElapsedTimer()

    def select(self, doctor_id: int | None) -> None:
        """Make this doctor the choice if they are listed (a patient's primary doctor, offered first)."""
        index = self.findData(doctor_id) if doctor_id is not None else -1
        if index >= 0:
            self.setCurrentIndex(index)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        text = event.text()
        plain = not event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier)
        if plain and text and text.isprintable() and event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not self._since.isValid() or self._since.elapsed() > TYPING_PAUSE_MS:
                self.typed = ""
            self._since.restart()
            self.typed += text
            self._select_typed()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Backspace and self.typed:
            self.typed = self.typed[:-1]
            self._since.restart()
            self._select_typed()
            event.accept()
            return
        super().keyPressEvent(event)

    def _select_typed(self) -> None:
        for row in range(self.count()):
            if self.itemData(row) is not None and matches(self.itemText(row), self.typed):
                self.setCurrentIndex(row)
                return
