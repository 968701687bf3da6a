"""The admin's formulary (Admin → Formulary) on both databases, driven by clicks and keys: add,
search, edit, retire; a duplicate explained next to its field with nothing saved; another desk's
edit merged into the open form; a receptionist and a doctor have no such menu item."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from hms_desktop.services.clinical import MedicineInput
from hms_desktop.ui.clinical.formulary_dialog import FormularyDialog
from hms_desktop.ui.clinical.formulary_item_dialog import FormularyItemDialog
from hms_desktop.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.ui.widget_helpers import open_dialog, type_into


def _alive(widget) -> bool:
    return shiboken6.isValid(widget) and widget.isVisible()


def _rows(dialog: FormularyDialog) -> list[tuple[str, ...]]:
    proxy = dialog.proxy
    return [tuple(proxy.index(r, c).data() for c in range(proxy.columnCount())) for r in range(proxy.rowCount())]


def _open(qtbot, services, runner) -> FormularyDialog:
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    action = window.findChild(type(window.lock_action), "formularyAction")
    assert action is not None and action.isVisible()
    action.trigger()
    dialog = open_dialog(qtbot, window, FormularyDialog)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: dialog.loaded)
    return dialog


def _add(qtbot, runner, dialog: FormularyDialog, values: dict[str, str]) -> FormularyItemDialog:
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = open_dialog(qtbot, dialog, FormularyItemDialog)
    for name, value in values.items():
        type_into(qtbot, editor.boxes[name], value)
    qtbot.keyClick(editor.boxes["frequency"], Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    return editor


def test_add_search_edit_and_retire_through_clicks_and_keys(qtbot, services, runner):
    dialog = _open(qtbot, services, runner)
    editor = _add(qtbot, runner, dialog, {"name": "Amoxicillin", "strength": "500 mg", "form": "capsule",
                                          "route": "oral", "dose": "1 capsule", "frequency": "three times a day"})
    qtbot.waitUntil(lambda: not _alive(editor))
    editor = _add(qtbot, runner, dialog, {"name": "Paracetamol", "strength": "500 mg", "form": "tablet",
                                          "frequency": "every 6 hours"})
    qtbot.waitUntil(lambda: not _alive(editor))
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: len(_rows(dialog)) == 2)
    assert _rows(dialog)[0] == ("Amoxicillin", "500 mg", "capsule", "oral", "1 capsule", "three times a day", "Yes")

    # The same medicine, strength and form again: refused under the name, the form keeps what was typed.
    editor = _add(qtbot, runner, dialog, {"name": "amoxicillin", "strength": "500 mg", "form": "Capsule"})
    assert _alive(editor)
    assert editor.errors.text("name") == "amoxicillin 500 mg Capsule is already in the formulary."
    assert editor.boxes["form"].text() == "Capsule"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert len(services.formulary.medicines()) == 2

    # Search: the start of any word; the list follows the typing.
    type_into(qtbot, dialog.search, "para")
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: [r[0] for r in _rows(dialog)] == ["Paracetamol"])
    assert dialog.count.text() == "1 medicine"

    # Edit with Return on the row, then retire it: doctors are no longer offered it.
    dialog.table.setFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    editor = open_dialog(qtbot, dialog, FormularyItemDialog)
    assert editor.boxes["name"].text() == "Paracetamol"
    editor.boxes["dose"].clear()
    type_into(qtbot, editor.boxes["dose"], "1 tablet")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not _alive(editor))
    wait_idle(qtbot, runner)
    assert services.formulary.medicines(text="para")[0].dose == "1 tablet"
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: _rows(dialog) and _rows(dialog)[0][6] == "No")
    assert "retired" in dialog.banner.text()
    assert services.formulary.search("para") == []
    assert dialog.toggle_button.text().replace("&", "") == "Offer again"
    qtbot.mouseClick(dialog.show_inactive, Qt.MouseButton.LeftButton)
    assert _rows(dialog) == []


def test_another_desks_edit_comes_into_the_open_form(qtbot, services, runner):
    services.formulary.add(MedicineInput("Ibuprofen", "400 mg", "tablet", "oral", "1 tablet", "twice a day"))
    dialog = _open(qtbot, services, runner)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    editor = open_dialog(qtbot, dialog, FormularyItemDialog)
    type_into(qtbot, editor.boxes["route"], " (with food)")
    other = second_desk(services)
    try:
        (seen,) = other.formulary.medicines()
        other.formulary.update(seen.id, seen.version, MedicineInput("Ibuprofen", "400 mg", "tablet", "oral",
                                                                     "1 tablet", "three times a day"))
    finally:
        other.close()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert _alive(editor) and "Someone at another desk saved Ibuprofen 400 mg tablet" in editor.banner.text()
    assert editor.boxes["frequency"].text() == "three times a day"  # theirs, where only they changed it
    assert editor.boxes["route"].text() == "oral (with food)"  # mine kept
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not _alive(editor))
    (stored,) = services.formulary.medicines()
    assert (stored.route, stored.frequency) == ("oral (with food)", "three times a day")


def test_only_an_administrator_has_the_menu_item(qtbot, services, runner):
    for name, role in (("desk1", "receptionist"), ("doc1", "doctor")):
        add_staff(services, name, role)
        desk = second_desk(services, name, STAFF_PASSWORD)
        try:
            window = MainWindow(desk, runner, desk.auth.current)
            qtbot.addWidget(window)
            every = [a for m in window.menuBar().actions() if m.menu() for a in m.menu().actions()]
            assert "formularyAction" not in [a.objectName() for a in every]
            wait_idle(qtbot, runner)
        finally:
            desk.close()
