"""Issue 8 at the front desk, keys only: Enter books, a single match is the choice, shortcuts."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt

from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at, make_doctor
from tests.ui.scheduler.helpers import appointment_at, cell
from tests.ui.widget_helpers import type_into


def _open_booking(qtbot, tab, at_time: time):  # type: ignore[no-untyped-def]
    tab.day_view.setFocus()
    tab.day_view.setCurrentIndex(cell(tab, at_time))
    qtbot.keyClick(tab.day_view, Qt.Key.Key_Return)
    dialog = tab.booking_dialog
    assert dialog is not None
    return dialog


def test_enter_books_and_never_opens_a_new_patient_form(qtbot, clinic, tab, runner):
    # Item 2: with a patient chosen and a reason typed, Enter books (it used to open "Register new patient").
    services, doctor, (_asha, ravi, *_rest) = clinic
    dialog = _open_booking(qtbot, tab, time(9))
    type_into(qtbot, dialog.finder.search, "ravi")
    qtbot.waitUntil(lambda: dialog.finder.results.count() == 1)
    wait_idle(qtbot, runner)
    qtbot.keyClick(dialog.finder.search, Qt.Key.Key_Return)  # chooses the match, moves to the reason
    assert dialog.finder.patient is not None and dialog.finder.patient.id == ravi
    assert dialog.reason.hasFocus() and dialog.finder.patient_dialog is None
    type_into(qtbot, dialog.reason, "Cough")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert dialog.finder.patient_dialog is None
    qtbot.waitUntil(lambda: appointment_at(tab, time(9)) is not None)
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (stored.patient_id, stored.local_start, stored.reason) == (ravi, at(9), "Cough")


def test_a_single_search_match_is_really_chosen(qtbot, clinic, tab, runner):
    # Item 3: the only match was drawn selected, yet Book said "Choose the patient first".
    services, doctor, (_asha, _ravi, meera, *_rest) = clinic
    dialog = _open_booking(qtbot, tab, time(10))
    type_into(qtbot, dialog.finder.search, "meera")
    qtbot.waitUntil(lambda: dialog.finder.results.count() == 1)
    wait_idle(qtbot, runner)
    assert dialog.finder.patient is not None and dialog.finder.patient.id == meera
    assert dialog.finder.search.hasFocus()  # typing is not interrupted
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: appointment_at(tab, time(10)) is not None)
    assert services.scheduling.doctor_day(doctor.id, TODAY)[0].patient_id == meera


def test_a_search_that_widens_again_drops_the_single_match(qtbot, clinic, tab, runner):
    _services, _doctor, _patients = clinic
    dialog = _open_booking(qtbot, tab, time(10))
    type_into(qtbot, dialog.finder.search, "meera")
    qtbot.waitUntil(lambda: dialog.finder.patient is not None)
    dialog.finder.search.clear()
    type_into(qtbot, dialog.finder.search, "pat")
    qtbot.waitUntil(lambda: dialog.finder.results.count() > 1)
    wait_idle(qtbot, runner)
    assert dialog.finder.patient is None
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.finder.error.isVisible() and "Choose the patient" in dialog.finder.error.text()
    assert dialog.finder.patient_dialog is None


def test_enter_in_the_walk_in_dialog_adds_to_the_queue(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    dialog = tab.add_walk_in()
    type_into(qtbot, dialog.finder.search, "asha")
    qtbot.waitUntil(lambda: dialog.finder.patient is not None)
    wait_idle(qtbot, runner)
    qtbot.keyClick(dialog.finder.search, Qt.Key.Key_Return)
    type_into(qtbot, dialog.reason, "Headache")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert dialog.finder.patient_dialog is None
    [walk_in] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (walk_in.patient_id, walk_in.kind, walk_in.reason) == (asha, "walk_in", "Headache")


def test_typing_dr_max_in_a_doctor_box_finds_dr_max_and_space_does_not_open_the_list(qtbot, clinic, tab, runner):
    # Item 10: every doctor is "Dr …"; "Dr Max" used to select the first "Dr A…" and the space opened the list.
    services, _doctor, _patients = clinic
    for name in ("Dr Anil Kumar", "Dr Max Schmidt", "Dr Meera Das"):
        make_doctor(services, name)
    tab.refresh()
    wait_idle(qtbot, runner)
    dialog = tab.find_next_free()
    box = dialog.doctor
    box.setFocus()
    qtbot.keyClicks(box, "Dr Max")
    assert box.currentText().startswith("Dr Max Schmidt")
    assert box.view().isVisible() is False
    # Enter searches; once results are shown, Enter books the selected one.
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=10_000)
    wait_idle(qtbot, runner)
    first = dialog.results.currentItem().data(Qt.ItemDataRole.UserRole + 1)
    qtbot.keyClick(dialog.results, Qt.Key.Key_Down)
    second = dialog.results.currentItem().data(Qt.ItemDataRole.UserRole + 1)
    assert second.starts_at > first.starts_at and second.doctor_name == "Dr Max Schmidt"
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    booking = tab.booking_dialog
    assert booking is not None and booking.slot == second


def test_book_for_patient_opens_the_booking_with_the_patient_chosen(qtbot, clinic, tab, runner):
    # The patient record's "Book" action: next free time, then the booking dialog with the patient in it.
    services, doctor, (_asha, _ravi, _meera, john) = clinic
    record = services.patients.get(john)
    dialog = tab.book_for_patient(record)
    assert dialog is not None and "John PatD3" in dialog.windowTitle()
    dialog.doctor.setFocus()
    qtbot.keyClicks(dialog.doctor, "Dr Priya")
    qtbot.keyClick(dialog.doctor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.results.count() > 0, timeout=10_000)
    wait_idle(qtbot, runner)
    qtbot.keyClick(dialog.results, Qt.Key.Key_Return)
    booking = tab.booking_dialog
    assert booking is not None and booking.finder.patient is not None and booking.finder.patient.id == john
    assert booking.focusWidget() is booking.reason  # the search is skipped
    type_into(qtbot, booking.reason, "Review")
    qtbot.keyClick(booking.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (stored.patient_id, stored.reason) == (john, "Review")


def test_book_for_patient_on_a_scheduler_never_shown_waits_for_the_doctors(qtbot, clinic, runner):
    from hms_desktop.ui.scheduler.scheduler_tab import SchedulerTab

    services, _doctor, (asha, *_rest) = clinic
    tab = SchedulerTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    assert tab.book_for_patient(services.patients.get(asha)) is None
    qtbot.waitUntil(lambda: tab.next_free_dialog is not None, timeout=10_000)
    assert tab.next_free_dialog.doctor.count() > 1


def test_waits_read_in_hours_and_minutes():
    # Item 17: "expected 08:45 (in about 314 minutes)" reads as "in about 5 h 14 min".
    from hms_desktop.ui.scheduler.booking_dialog import wait_text

    assert [wait_text(m) for m in (0, 1, 25, 60, 120, 314)] == [
        "now", "in about 1 min", "in about 25 min", "in about 1 h", "in about 2 h", "in about 5 h 14 min"]


def test_a_walk_in_message_says_hours_and_minutes(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    from hms_desktop.ui.scheduler.booking_dialog import walk_in_text

    for patient in (asha, ravi):
        result = services.scheduling.add_walk_in(patient, doctor.id)
    text = walk_in_text(result)
    assert "minutes" not in text and ("in about" in text or "(now)" in text), text
