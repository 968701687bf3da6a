"""The waiting list screen (Scheduler -> "Waiting list…") and the bell's "a slot freed up" item,
driven by clicks and keys on a real database (both kinds): a receptionist adds a patient and takes
them off; a cancellation at another desk rings the receptionist live, and the item opens the
Scheduler at the freed slot."""

from __future__ import annotations

from datetime import date, timedelta

import shiboken6
from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling.waiting_list import WaitingInput
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.scheduler.day_grid_model import CellKind, CellKindRole, SlotRole
from hms_desktop.ui.scheduler.waiting_list_dialog import WaitingListDialog, WaitingListModel
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, Ward, at, ward  # noqa: F401 - the fixture
from tests.ui.widget_helpers import click, open_dialog, shown_main_window, type_into


def _window(qtbot, desk, runner) -> MainWindow:  # noqa: ANN001
    return shown_main_window(qtbot, desk, runner)


_click = click


def fits(label) -> bool:  # noqa: ANN001 - the Scheduler's ElidedLabel: shown whole, not cut with "…"
    return 0 < label.fontMetrics().horizontalAdvance(label.text()) <= label.width()


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
    window.resize(1366, 768)
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
    hint = "Freed slot: Dr Priya Nair at 10:30 — press Enter to book it"
    assert tab.selected_label.text() == tab.selected_label.toolTip() == hint and fits(tab.selected_label)
    assert window.statusBar().currentMessage() == hint, "the Scheduler's messages reach the status bar"
    assert bell.unread == 0

    # From the selected slot, the waiting list opens on that doctor, and adding defaults to them.
    _click(qtbot, tab.waiting_button)
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert dialog.show_for.currentText() == "Dr Priya Nair" and dialog.wants.currentText() == "Dr Priya Nair"
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 0).data().startswith("Ravi Kumar")


def _ring_freed_slot(ward: Ward, later: date) -> int:  # noqa: F811
    """Ravi waits for Dr Priya's mornings; another desk cancels a morning slot. Ravi's id."""
    waiting = ward.admin.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", sex="male",
                                                        date_of_birth=date(1979, 5, 1)))
    ward.admin.waiting_list.add(WaitingInput(waiting.id, TODAY, TODAY + timedelta(days=3), doctor_id=ward.doctor_id,
                                             part_of_day="morning"))
    booked = ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(10, 30, day=later))
    ward.admin.visits.cancel(booked.id, "Feeling better", by="patient")
    return waiting.id


def test_on_a_1024_screen_the_freed_slot_hint_fits(qtbot, ward: Ward, runner):  # noqa: F811
    later = TODAY + timedelta(days=1)
    _ring_freed_slot(ward, later)
    window = _window(qtbot, ward.receptionist, runner)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.bell.unread == 1, timeout=10_000)
    _click(qtbot, window.bell)
    wait_idle(qtbot, runner)
    qtbot.keyClick(window.bell.panel.list, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    tab = window.scheduler_tab
    qtbot.waitUntil(lambda: tab.day_view.currentIndex().isValid(), timeout=10_000)
    label = tab.selected_label
    assert label.width() < label.fontMetrics().horizontalAdvance(label.toolTip()), "the full words would be cut here"
    assert fits(label) and label.text().startswith("Freed") and "10:30" in label.text()
    assert window.statusBar().currentMessage() == label.toolTip()


def test_booking_the_waiting_patient_closes_the_entry_and_the_bell_says_the_slot_is_booked(qtbot, ward: Ward, runner):  # noqa: F811
    later = TODAY + timedelta(days=1)
    ravi = _ring_freed_slot(ward, later)
    window = _window(qtbot, ward.receptionist, runner)
    bell = window.bell
    qtbot.waitUntil(lambda: bell.unread == 1, timeout=10_000)
    tab = _scheduler(qtbot, window, runner)
    _click(qtbot, tab.waiting_button)
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert dialog.count_label.text() == "1 waiting"

    # Another desk books Ravi into the freed slot: off the list, and the bell item says so.
    ward.admin.scheduling.book(ravi, ward.doctor_id, at(10, 30, day=later))
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=10_000)
    assert dialog.count_label.text() == "No one is waiting"
    qtbot.waitUntil(lambda: bell.unread == 0, timeout=10_000)
    _click(qtbot, dialog.show_closed)
    wait_idle(qtbot, runner)
    assert dialog.model.rowCount() == 1
    assert dialog.model.index(0, WaitingListModel.STATUS).data() == "Booked 07 Jan"
    assert dialog.count_label.text() == "No one is waiting · 1 booked or taken off"
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.table.visualRect(dialog.model.index(0, 0)).center())
    assert dialog.selected() is not None and not dialog.remove_button.isEnabled()
    _click(qtbot, dialog.findChild(type(dialog.remove_button), "waitingClose"))

    _click(qtbot, bell)
    wait_idle(qtbot, runner)
    text = bell.panel.list.item(0).text()
    assert text.startswith("A slot freed up for Ravi Kumar") and "Booked since: Ravi Kumar (by admin)" in text
    assert "Waiting list, slot taken ·" in text  # the kind's words, where "Waiting list" was
    qtbot.keyClick(bell.panel.list, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: tab.day_view.currentIndex().isValid(), timeout=10_000)
    assert tab.day_view.currentIndex().data(CellKindRole) != CellKind.FREE
    assert tab.selected_label.toolTip() == "Dr Priya Nair at 10:30 was booked again meanwhile"
    assert window.statusBar().currentMessage() == tab.selected_label.toolTip()


def test_the_patient_record_shows_the_waiting_entries_and_adds_the_patient(qtbot, ward: Ward, runner):  # noqa: F811
    ravi = ward.admin.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", sex="male",
                                                     date_of_birth=date(1979, 5, 1)))
    specialty = ward.admin.doctors.specialties()[0]
    ward.admin.waiting_list.add(WaitingInput(ravi.id, TODAY, specialty_id=specialty.id, note="Any GP"))
    window = _window(qtbot, ward.receptionist, runner)
    window.patients_tab.open_patient(ravi.id)
    qtbot.waitUntil(lambda: bool(window.patients_tab.dialogs))
    record = window.patients_tab.dialogs[-1]
    wait_idle(qtbot, runner)
    panel = record.history
    bar = record.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(1).center())
    assert record.sections.currentWidget() is panel and panel.waiting.isVisible()
    assert panel.rows(panel.waiting) == [["Any General Medicine doctor", "From Mon 07 Jan 2030", "Any time", "Waiting"]]
    assert record.waitlist_button.isVisible()

    _click(qtbot, record.waitlist_button)
    tab = window.scheduler_tab
    dialog = open_dialog(qtbot, tab, WaitingListDialog)
    wait_idle(qtbot, runner)
    assert window.tabs.currentWidget() is tab and (not shiboken6.isValid(record) or not record.isVisible())
    assert dialog.finder.patient is not None and dialog.finder.patient.id == ravi.id
    assert dialog.windowTitle() == "Waiting list: add Ravi Kumar" and dialog.wants.hasFocus()
    qtbot.keyClick(dialog.wants, Qt.Key.Key_Down)  # Dr Omar Said -> Dr Priya Nair
    _click(qtbot, dialog.add_button)
    wait_idle(qtbot, runner)
    assert dialog.banner.text() == "Ravi Kumar is on the waiting list for Dr Priya Nair."
    assert dialog.model.rowCount() == 2


def test_a_nurse_sees_the_waiting_entries_in_the_record_but_cannot_add(qtbot, ward: Ward, runner):  # noqa: F811
    window = _window(qtbot, ward.nurse, runner)
    window.patients_tab.open_patient(ward.patient_id)
    qtbot.waitUntil(lambda: bool(window.patients_tab.dialogs))
    record = window.patients_tab.dialogs[-1]
    wait_idle(qtbot, runner)
    assert record.history.rows(record.history.waiting) == [["Not on the waiting list.", "", "", ""]]
    assert not record.waitlist_button.isVisible()
