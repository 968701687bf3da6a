"""Esc in a half-filled form asks before throwing the typed data away (one guard for every form)."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from hms_desktop.ui.doctors.doctor_dialog import DoctorDialog
from hms_desktop.ui.doctors.doctors_tab import DoctorsTab
from hms_desktop.ui.patients.patients_tab import PatientsTab
from tests.conftest import wait_idle
from tests.services.conftest import fix_clock, make_doctor
from tests.ui.widget_helpers import named_box, open_dialog, type_into


def gone(widget) -> bool:
    return not shiboken6.isValid(widget) or not widget.isVisible()


def test_esc_in_a_half_filled_new_patient_form_asks_first(qtbot, services, runner):
    tab = PatientsTab(services.patients, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    wait_idle(qtbot, runner)

    # An untouched form closes on Esc at once.
    qtbot.keyClick(tab, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(tab.dialogs))
    empty = tab.dialogs[-1]
    qtbot.keyClick(empty.given_name, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(empty))

    qtbot.keyClick(tab, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(tab.dialogs) and not gone(tab.dialogs[-1]))
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "Asha")
    type_into(qtbot, dialog.date_of_birth, "17/05/1984")
    qtbot.keyClick(dialog.date_of_birth, Qt.Key.Key_Escape)
    question = named_box(qtbot, dialog, "discardGuard")
    assert "not been saved" in question.text()
    # Esc on the question (or Enter: Cancel is its default) goes back to the form, data intact.
    qtbot.keyClick(question, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(question))
    assert dialog.isVisible() and dialog.given_name.text() == "Asha"
    # Asked again, "Discard" closes it; nothing was registered.
    qtbot.keyClick(dialog.given_name, Qt.Key.Key_Escape)
    question = named_box(qtbot, dialog, "discardGuard")
    qtbot.mouseClick(question.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: gone(dialog))
    assert services.patients.count() == 0


def test_the_doctor_form_asks_only_once_something_was_typed(qtbot, services, runner):
    fix_clock(services)
    make_doctor(services, "Dr Priya Nair")
    tab = DoctorsTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    tab.table.setFocus()
    tab.table.selectRow(0)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog: DoctorDialog = open_dialog(qtbot, tab, DoctorDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    # The specialty and staff lists arriving are not typed data: Esc closes at once.
    qtbot.keyClick(dialog.full_name, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: gone(dialog))

    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(not gone(d) for d in tab.findChildren(DoctorDialog)))
    dialog = next(d for d in tab.findChildren(DoctorDialog) if not gone(d))
    qtbot.waitUntil(lambda: dialog.loaded)
    type_into(qtbot, dialog.location, " (annexe)")
    qtbot.keyClick(dialog.location, Qt.Key.Key_Escape)
    question = named_box(qtbot, dialog, "discardGuard")
    qtbot.keyClick(question, Qt.Key.Key_Return)  # Cancel is the default: back to the form
    qtbot.waitUntil(lambda: gone(question))
    assert dialog.isVisible() and dialog.location.text().endswith("(annexe)")
