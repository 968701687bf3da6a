"""Helpers for driving widgets the way a person does, shared by the UI tests."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget


def type_into(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a person would. QTest only knows Latin keys, so other scripts arrive as key events
    carrying their text, which is what an input method delivers to the widget."""
    widget.setFocus()
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, 0, Qt.KeyboardModifier.NoModifier, ch))
            QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyRelease, 0, Qt.KeyboardModifier.NoModifier, ch))


def open_dialog(qtbot, parent: QWidget, kind: type) -> QWidget:  # type: ignore[no-untyped-def]
    """Wait for a visible dialog of ``kind`` under ``parent`` and return the newest."""
    found: list[QWidget] = []

    def visible() -> bool:
        found[:] = [w for w in parent.findChildren(kind) if shiboken6.isValid(w) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible)
    return found[-1]


def named_box(qtbot, parent: QWidget, name: str) -> QMessageBox:  # type: ignore[no-untyped-def]
    """Wait for a visible message box with this object name under ``parent``."""
    found: list[QMessageBox] = []

    def visible() -> bool:
        found[:] = [w for w in parent.findChildren(QMessageBox, name) if w.isVisible()]
        return bool(found)

    qtbot.waitUntil(visible)
    return found[-1]


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def shown_main_window(qtbot, services, runner):  # type: ignore[no-untyped-def]
    """The signed-in person's main window, shown, with its first loads done."""
    from hms_desktop.ui.main_window import MainWindow
    from tests.conftest import wait_idle

    window = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    return window
