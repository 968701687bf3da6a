"""The admin's price list (Admin → Price list) on both databases, driven by clicks and keys: add,
edit, deactivate; bad input explained next to its field with nothing saved; another desk's edit
merged into the open form; a receptionist has no such menu item."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hms_desktop.ui.billing.price_item_dialog import PriceItemDialog
from hms_desktop.ui.billing.price_list_dialog import PriceListDialog, PriceListModel
from hms_desktop.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.ui.widget_helpers import open_dialog, type_into


def _alive(widget) -> bool:
    return shiboken6.isValid(widget) and widget.isVisible()


def _dialog(qtbot, services, runner) -> PriceListDialog:
    dialog = PriceListDialog(services, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: dialog.loaded is not None)
    return dialog


def _row_texts(dialog: PriceListDialog) -> list[tuple[str, ...]]:
    proxy = dialog.proxy
    return [tuple(proxy.index(r, c).data() for c in range(proxy.columnCount())) for r in range(proxy.rowCount())]


def _select_code(qtbot, dialog: PriceListDialog, code: str) -> None:
    for row in range(dialog.proxy.rowCount()):
        if dialog.proxy.index(row, 0).data() == code:
            rect = dialog.table.visualRect(dialog.proxy.index(row, 1))
            qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            assert dialog.selected().code == code
            return
    raise AssertionError(f"{code} is not shown")


def _fill_new(qtbot, editor: PriceItemDialog, code: str, name: str, price: str, tax_index: int) -> None:
    type_into(qtbot, editor.code, code)
    type_into(qtbot, editor.name, name)
    editor.kind.setFocus()
    qtbot.keyClick(editor.kind, Qt.Key.Key_End)  # "Other"
    type_into(qtbot, editor.price, price)
    editor.tax.setFocus()
    for _ in range(tax_index):
        qtbot.keyClick(editor.tax, Qt.Key.Key_Down)


def test_the_admin_opens_it_from_the_admin_menu_and_a_receptionist_has_no_such_item(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    action = window.findChild(type(window.lock_action), "priceListAction")
    assert action is not None and action.isVisible()
    action.trigger()
    dialog = open_dialog(qtbot, window, PriceListDialog)
    wait_idle(qtbot, runner)
    dialog.close()

    add_staff(services, "desk1", "receptionist")
    desk = second_desk(services, "desk1", STAFF_PASSWORD)
    try:
        other = MainWindow(desk, runner, desk.auth.current)
        qtbot.addWidget(other)
        every = [a for m in other.menuBar().actions() if m.menu() for a in m.menu().actions()]
        assert "priceListAction" not in [a.objectName() for a in every]
        assert all("Price list" not in a.text().replace("&", "") for a in every)
        wait_idle(qtbot, runner)
    finally:
        desk.close()


def test_add_edit_and_deactivate_through_clicks_and_keys(qtbot, services, runner):
    dialog = _dialog(qtbot, services, runner)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = open_dialog(qtbot, dialog, PriceItemDialog)
    assert [editor.tax.itemData(i) for i in range(editor.tax.count())] == [0, 500, 1200, 1800]
    assert not editor.use_theirs.isVisible()  # only a conflict offers another desk's version
    _fill_new(qtbot, editor, "ecg-12", "ECG twelve lead", "1,250.50", 3)  # GST 18 %
    qtbot.keyClick(editor.tax, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not _alive(editor))
    wait_idle(qtbot, runner)
    (item,) = services.price_list.items()
    assert (item.code, item.name, item.price_minor, item.tax_rate_bp, item.active) == (
        "ECG-12", "ECG twelve lead", 125050, 1800, True)
    expected = [("ECG-12", "ECG twelve lead", "Other", "₹1,250.50", "18%", "Yes")]
    qtbot.waitUntil(lambda: _row_texts(dialog) == expected, timeout=2000)

    # Edit: open with Return on the selected row, change the price, save with the button.
    _select_code(qtbot, dialog, "ECG-12")
    qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    editor = open_dialog(qtbot, dialog, PriceItemDialog)
    assert editor.code.isReadOnly() and editor.price.text() == "1,250.50"
    editor.price.selectAll()
    type_into(qtbot, editor.price, "1400")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not _alive(editor))
    wait_idle(qtbot, runner)
    assert services.price_list.items()[0].price_minor == 140000
    assert _row_texts(dialog)[0][3] == "₹1,400.00"

    # Deactivate, then the list without inactive items is empty; reactivate brings it back.
    _select_code(qtbot, dialog, "ECG-12")
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: services.price_list.items() == [])
    qtbot.waitUntil(lambda: _row_texts(dialog) and _row_texts(dialog)[0][5] == "No")
    assert "no longer offered" in dialog.banner.text()
    assert dialog.toggle_button.text().replace("&", "") == "Reactivate"
    qtbot.mouseClick(dialog.show_inactive, Qt.MouseButton.LeftButton)
    assert dialog.proxy.rowCount() == 0
    qtbot.mouseClick(dialog.show_inactive, Qt.MouseButton.LeftButton)
    _select_code(qtbot, dialog, "ECG-12")
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: len(services.price_list.items()) == 1)


def test_bad_input_is_explained_next_to_its_field_and_nothing_is_saved(qtbot, services, runner):
    services.price_list.add_item("XRAY", "Chest X-ray", "procedure", 60000, 500)
    dialog = _dialog(qtbot, services, runner)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    editor = open_dialog(qtbot, dialog, PriceItemDialog)
    _fill_new(qtbot, editor, "DRESS", "Dressing", "-50", 0)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "negative" in editor.errors.text("price_minor").lower() or "minus" in editor.errors.text("price_minor")
    assert editor.isVisible() and [i.code for i in services.price_list.items()] == ["XRAY"]

    editor.price.selectAll()
    type_into(qtbot, editor.price, "12.5x")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert editor.errors.text("price_minor")
    assert editor.isVisible() and [i.code for i in services.price_list.items()] == ["XRAY"]

    editor.price.selectAll()
    type_into(qtbot, editor.price, "300")
    editor.code.selectAll()
    type_into(qtbot, editor.code, "xray")  # taken (codes are kept in capitals)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert editor.errors.text("code") == "The code XRAY is already in the price list."
    assert editor.errors.text("price_minor") == ""
    assert editor.isVisible() and editor.name.text() == "Dressing" and editor.price.text() == "300"
    assert [i.code for i in services.price_list.items()] == ["XRAY"]


def test_another_desks_edit_is_merged_into_the_open_form(qtbot, services, runner):
    services.price_list.add_item("XRAY", "Chest X-ray", "procedure", 60000, 500)
    dialog = _dialog(qtbot, services, runner)
    _select_code(qtbot, dialog, "XRAY")
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editor = open_dialog(qtbot, dialog, PriceItemDialog)

    other = second_desk(services)
    try:
        item = other.price_list.items()[0]
        other.price_list.update_item(item.id, item.version, name=item.name, kind=item.kind, price_minor=65000,
                                     tax_rate_bp=item.tax_rate_bp)
    finally:
        other.close()

    editor.name.selectAll()
    type_into(qtbot, editor.name, "Chest X-ray, one view")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert editor.isVisible()
    assert "another desk" in editor.banner.text() and "price" in editor.banner.text()
    assert editor.price.text() == "650.00" and editor.name.text() == "Chest X-ray, one view"
    assert services.price_list.items()[0].name == "Chest X-ray"  # nothing of this desk's saved yet
    assert editor.use_theirs.isVisible()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not _alive(editor))
    saved = services.price_list.items()[0]
    assert (saved.name, saved.price_minor) == ("Chest X-ray, one view", 65000)


def test_the_table_model_passes_qtmodeltester(qtmodeltester, services, qtbot, runner):
    services.price_list.add_item("XRAY", "Chest X-ray", "procedure", 60000, 500)
    dialog = _dialog(qtbot, services, runner)
    assert isinstance(dialog.model, PriceListModel)
    qtmodeltester.check(dialog.model)
    QApplication.processEvents()
