"""The waiting list screen (Scheduler -> "Waiting list…") and the bell's "a slot freed up" item,
driven by clicks and keys on a real database (both kinds): a receptionist adds a patient and takes
them off; a cancellation at another desk rings the receptionist live, and the item opens the
Scheduler at the freed slot."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling.waiting_list import WaitingInput
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.scheduler.day_grid_model import CellKind, CellKindRole, SlotRole
from hms_desktop.ui.scheduler.waiting_list_dialog import WaitingListDialog, WaitingListModel
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, Ward, at, ward  # noqa: F401 - the fixture
from tests.ui.widget_helpers import open_dialog, type_into


def _window(qtbot, desk, runner) -> MainWindow:  # noqa: ANN001
    window = MainWindow(desk, runner, desk.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    return window


def _click(qtbot, widget) -> None:  # noqa: ANN001
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _scheduler(qtbot, window: MainWindow, runner):  # noqa: ANN001, ANN202
    window.tabs.setCurrentWidget(window.scheduler_tab)
    wait_idle(qtbot, runner)
    return window.scheduler_tab


def test_the_receptionist_adds_a_patient_to_the_waiting_list_and_takes_them_off(qtbot, ward: Ward, runner, qtmodeltester):  # noqa: F811
    ward.admin.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", sex="male",
                                              date_of_birth=date(1979, 5, 1)))
    window = _window(qtbot, ward.receptionist, runner)
    tab = _scheduler(qtbot, window, runner)
    assert tab.waiting_button.isVisible() and tab.left_panel.isAncestorOf(tab.waiting_button)
    _click(qtbot, tab.waiting_button)
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert dialog.count_label.text() == "No one is waiting"
    assert dialog.add_box.isVisible() and not dialog.remove_button.isEnabled()

    # Without a patient: said under the field, nothing saved.
    _click(qtbot, dialog.add_button)
    assert dialog.errors.text("patient") == "Find and choose the patient who is waiting."

    type_into(qtbot, dialog.finder.search, "ravi")
    qtbot.waitUntil(lambda: dialog.finder.results.count() == 1)
    results = dialog.finder.results
    qtbot.mouseClick(results.viewport(), Qt.MouseButton.LeftButton,
                     pos=results.visualItemRect(results.item(0)).center())
    assert dialog.finder.patient is not None and dialog.finder.patient.name == "Ravi Kumar"
    dialog.wants.setFocus()
    assert [dialog.wants.itemText(i) for i in range(dialog.wants.count())] == [
        "Dr Omar Said", "Dr Priya Nair", "Any General Medicine doctor"]
    qtbot.keyClick(dialog.wants, Qt.Key.Key_Down)
    assert dialog.wants.currentText() == "Dr Priya Nair"
    dialog.part.setFocus()
    qtbot.keyClick(dialog.part, Qt.Key.Key_Down)  # Any time -> Morning
    assert dialog.part.currentData() == "morning"
    type_into(qtbot, dialog.note, "Can come at short notice")
    _click(qtbot, dialog.add_button)
    wait_idle(qtbot, runner)

    assert dialog.model.rowCount() == 1
    qtmodeltester.check(dialog.model)
    shown = [dialog.model.index(0, c).data() for c in range(dialog.model.columnCount())]
    assert shown[:5] == ["Ravi Kumar (" + ward.admin.waiting_list.entries()[0].patient_mrn + ")", "Dr Priya Nair",
                         "07 Jan – 21 Jan 2030", "Morning", "Can come at short notice"]
    assert shown[WaitingListModel.ADDED] == "07 Jan · rita"
    assert dialog.banner.text() == "Ravi Kumar is on the waiting list for Dr Priya Nair."
    assert dialog.finder.patient is None and dialog.note.text() == ""

    # Another desk adds someone: the open list shows them without a click.
    other = ward.admin.patients.register(PatientInput(given_name="Uma", family_name="Das", sex="female",
                                                      date_of_birth=date(1990, 2, 2)))
    ward.admin.waiting_list.add(WaitingInput(other.id, TODAY, doctor_id=ward.doctor_id))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=10_000)

    first = dialog.table.visualRect(dialog.model.index(0, 0)).center()
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=first)
    assert dialog.remove_button.isEnabled()
    _click(qtbot, dialog.remove_button)
    wait_idle(qtbot, runner)
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 0).data().startswith("Uma Das")
    assert dialog.banner.text() == "Ravi Kumar is off the waiting list."


def test_a_doctor_sees_the_waiting_list_but_cannot_change_it(qtbot, ward: Ward, runner):  # noqa: F811
    window = _window(qtbot, ward.doctor, runner)
    tab = _scheduler(qtbot, window, runner)
    _click(qtbot, tab.waiting_button)
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert not dialog.add_box.isVisible() and not dialog.remove_button.isVisible()


def test_a_freed_slot_rings_the_receptionist_live_and_opens_the_scheduler_at_it(qtbot, ward: Ward, runner):  # noqa: F811
    later = TODAY + timedelta(days=1)
    waiting = ward.admin.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", sex="male",
                                                        date_of_birth=date(1979, 5, 1)))
    ward.admin.waiting_list.add(WaitingInput(waiting.id, TODAY, TODAY + timedelta(days=3), doctor_id=ward.doctor_id,
                                             part_of_day="morning"))
    booked = ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(10, 30, day=later))
    window = _window(qtbot, ward.receptionist, runner)
    bell = window.bell
    assert bell.unread == 0

    ward.admin.visits.cancel(booked.id, "Feeling better", by="patient")  # another desk
    qtbot.waitUntil(lambda: bell.unread == 1, timeout=10_000)
    _click(qtbot, bell)
    wait_idle(qtbot, runner)
    panel = bell.panel
    assert panel.list.item(0).text().startswith(
        "A slot freed up for Ravi Kumar on the waiting list: Dr Priya Nair, Tue 10:30")
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)

    tab = window.scheduler_tab
    assert window.tabs.currentWidget() is tab
    assert tab.shown_day == later and tab.mode == "day"
    qtbot.waitUntil(lambda: tab.day_view.currentIndex().isValid(), timeout=10_000)
    index = tab.day_view.currentIndex()
    assert index.data(CellKindRole) == CellKind.FREE
    slot = index.data(SlotRole)
    assert (slot.doctor_id, slot.local_start) == (ward.doctor_id, at(10, 30, day=later))
    assert tab.selected_label.text() == "Freed slot: Dr Priya Nair at 10:30 — press Enter to book it"
    assert bell.unread == 0

    # From the selected slot, the waiting list opens on that doctor, and adding defaults to them.
    _click(qtbot, tab.waiting_button)
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert dialog.show_for.currentText() == "Dr Priya Nair" and dialog.wants.currentText() == "Dr Priya Nair"
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 0).data().startswith("Ravi Kumar")
