"""Issue 8 item 10: the Scheduler from the keyboard, and Help -> Keyboard shortcuts lists every key."""

from __future__ import annotations

from datetime import time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox

from hms_desktop.ui.main_window import MainWindow
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at
from tests.ui.scheduler.helpers import cell, select_appointment


def _keys(widget) -> set[str]:  # type: ignore[no-untyped-def]
    found = {s.key().toString() for s in widget.findChildren(QShortcut) if not s.key().isEmpty()}
    found |= {a.shortcut().toString() for a in widget.findChildren(QAction) if not a.shortcut().isEmpty()}
    found |= {a.shortcut().toString() for a in widget.actions() if not a.shortcut().isEmpty()}
    return found


def test_scheduler_keys_book_walk_in_next_free_check_in_and_move_between_days(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    tab.day_view.setFocus()
    tab.day_view.setCurrentIndex(cell(tab, time(9)))
    qtbot.keyClick(tab.day_view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert tab.booking_dialog is not None and tab.booking_dialog.slot.local_start == at(9)
    tab.booking_dialog.reject()
    qtbot.keyClick(tab.day_view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert tab.walk_in_dialog is not None
    tab.walk_in_dialog.reject()
    qtbot.keyClick(tab.day_view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert tab.next_free_dialog is not None
    tab.next_free_dialog.reject()
    services.scheduling.book(asha, doctor.id, at(10))
    tab.refresh()
    wait_idle(qtbot, runner)
    select_appointment(qtbot, tab, time(10))
    assert tab.check_in_action.isEnabled(), (tab.isActiveWindow(), QApplication.focusWidget())
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    qtbot.keyClick(tab.day_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, runner)
    assert services.scheduling.doctor_day(doctor.id, TODAY)[0].status == "checked_in"
    qtbot.keyClick(tab.day_view, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert tab.shown_day == TODAY + timedelta(days=1)
    qtbot.keyClick(tab.day_view, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert tab.shown_day == TODAY
    wait_idle(qtbot, runner)


def test_help_lists_every_key_of_the_window_and_the_scheduler(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    window._shortcuts()
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    listed = box.text()
    bound = _keys(window) | _keys(window.scheduler_tab) | _keys(window.patients_tab)
    bound.discard(QKeySequence(QKeySequence.StandardKey.Quit).toString())  # the system's own Quit key
    missing = sorted(k for k in bound if k not in listed)
    assert not missing, (missing, listed)
    box.close()
    QApplication.processEvents()
