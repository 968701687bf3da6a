"""Issue 8 at the front desk, keys only: Enter books, a single match is the choice, shortcuts."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt

from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at
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
