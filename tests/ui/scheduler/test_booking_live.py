"""Issue 8 item 14: an open booking dialog hears when another desk takes its slot, and never grows.

Two desks on the same database (SQLite file and PostgreSQL): this one has the dialog open, a second
Services instance books the same time; the change feed carries the notice to the open dialog.
"""

from __future__ import annotations

import threading
from datetime import time

from PySide6.QtCore import Qt

from hms_desktop.ui.common.live_updates import ScheduleWatcher
from tests.conftest import second_desk, wait_idle
from tests.services.conftest import at
from tests.ui.scheduler.helpers import appointment_at, cell, click_cell, open_tab, pick_patient
from tests.ui.widget_helpers import type_into


def _watched_tab(qtbot, services, runner):  # type: ignore[no-untyped-def]
    feed_open = threading.Event()

    def open_feed():  # type: ignore[no-untyped-def]
        feed = services.scheduling.open_change_feed()
        feed_open.set()
        return feed

    watcher = ScheduleWatcher(open_feed)
    tab = open_tab(qtbot, services, runner, watcher=watcher)
    qtbot.waitUntil(feed_open.is_set, timeout=5000)
    return tab, watcher


def _book_elsewhere(services, patient_id: int, doctor_id: int, start) -> None:  # type: ignore[no-untyped-def]
    other = second_desk(services)
    try:
        other.scheduling.book(patient_id, doctor_id, start, reason="Booked by phone at the other desk")
    finally:
        other.close()


def test_the_open_dialog_says_at_once_that_another_desk_took_its_slot(qtbot, clinic, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    tab, watcher = _watched_tab(qtbot, services, runner)
    try:
        click_cell(qtbot, tab.day_view, cell(tab, time(9)))
        dialog = tab.booking_dialog
        qtbot.waitExposed(dialog)
        pick_patient(qtbot, runner, dialog.finder, "asha", "Asha PatA0")
        type_into(qtbot, dialog.reason, "Cough")
        size = dialog.size()
        assert dialog.banner.isHidden() and dialog.book_button.text() == "Book 09:00"

        _book_elsewhere(services, ravi, doctor.id, at(9))
        # Told without pressing Book: plain words, and the next free time offered.
        qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=5000)
        assert "09:00 with" in dialog.banner.text() and "taken at another desk" in dialog.banner.text()
        assert "next free time is 09:15" in dialog.banner.text()
        assert dialog.suggestions.isVisible() and dialog.suggestions.item(0).text().endswith("09:15–09:30")
        assert not dialog.book_button.isEnabled() and "(taken)" in dialog.heading.text()
        assert dialog.reason.hasFocus()  # the notice does not snatch the typing
        assert dialog.size() == size

        # Picking the offered time books it for the patient already chosen.
        first = dialog.suggestions.item(0)
        qtbot.mouseClick(dialog.suggestions.viewport(), Qt.MouseButton.LeftButton,
                         pos=dialog.suggestions.visualItemRect(first).center())
        assert dialog.book_button.isEnabled() and dialog.book_button.text() == "Book 09:15"
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, runner)
        assert dialog not in tab.dialogs
        day = services.scheduling.doctor_day(doctor.id, at(9).date())
        assert [(a.local_start, a.patient_id) for a in day] == [(at(9), ravi), (at(9, 15), asha)]
        qtbot.waitUntil(lambda: appointment_at(tab, time(9, 15)) is not None, timeout=5000)
    finally:
        watcher.stop()


def test_a_booking_of_another_time_leaves_the_dialog_alone(qtbot, clinic, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    tab, watcher = _watched_tab(qtbot, services, runner)
    try:
        click_cell(qtbot, tab.day_view, cell(tab, time(9)))
        dialog = tab.booking_dialog
        pick_patient(qtbot, runner, dialog.finder, "asha", "Asha PatA0")
        _book_elsewhere(services, ravi, doctor.id, at(10))
        qtbot.waitUntil(lambda: appointment_at(tab, time(10)) is not None, timeout=5000)  # the feed arrived
        wait_idle(qtbot, runner)
        assert dialog.banner.isHidden() and dialog.book_button.isEnabled()
        assert dialog.book_button.text() == "Book 09:00"
    finally:
        watcher.stop()


def test_refusals_do_not_make_the_dialog_grow(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, john, meera) = clinic
    click_cell(qtbot, tab.day_view, cell(tab, time(9)))
    dialog = tab.booking_dialog
    qtbot.waitExposed(dialog)
    pick_patient(qtbot, runner, dialog.finder, "asha", "Asha PatA0")
    size = dialog.size()
    # No feed here: each refusal comes from Book itself, three times in a row.
    for other_patient in (ravi, john, meera):
        _book_elsewhere(services, other_patient, doctor.id, dialog.slot.starts_at)
        qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, runner)
        assert "That slot was just taken" in dialog.banner.text() and dialog.banner.isVisible()
        assert dialog.size() == size
        assert dialog.suggestions.isVisible()
        first = dialog.suggestions.item(0)
        qtbot.mouseClick(dialog.suggestions.viewport(), Qt.MouseButton.LeftButton,
                         pos=dialog.suggestions.visualItemRect(first).center())
    assert dialog.banner.isHidden() and dialog.size() == size
