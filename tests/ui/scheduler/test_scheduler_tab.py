"""The Scheduler tab driven through real clicks and keys, on SQLite and PostgreSQL.

The clinic's clock is fixed (Monday 7 January 2030, 07:00 in Kolkata) so every slot of the day is
still ahead; a second desk (another Services instance on the same database) plays the other
workstation.
"""

from __future__ import annotations

import threading
from datetime import date, time, timedelta
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hms_desktop.ui.common.live_updates import ScheduleWatcher
from hms_desktop.ui.scheduler.day_grid_model import CellKind, CellKindRole
from hms_desktop.ui.scheduler.scheduler_tab import SchedulerTab
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients
from tests.ui.scheduler.helpers import (
    appointment_at,
    book_and_select,
    cell,
    click_action,
    click_cell,
    open_tab,
    pick_patient,
    select_appointment,
)
from tests.ui.widget_helpers import type_into

# --- booking ---------------------------------------------------------------------------------


def test_book_a_free_slot_through_the_widgets(qtbot, clinic, tab, runner):
    services, doctor, (_p1, ravi, *_rest) = clinic
    assert tab.date_label.text().startswith("Monday 07 January 2030")
    free = cell(tab, time(9))
    assert free.data(CellKindRole) == CellKind.FREE
    click_cell(qtbot, tab.day_view, free)
    dialog = tab.booking_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.book_button.text() == "Book 09:00"
    pick_patient(qtbot, runner, dialog.finder, "ravi", "Ravi PatB1")
    type_into(qtbot, dialog.reason, "Fever for three days")
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)  # Scheduled -> Follow-up
    assert dialog.kind.currentData() == "follow_up"
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.booking_dialog is None  # closed once booked
    qtbot.waitUntil(lambda: appointment_at(tab, time(9)) is not None)
    shown = appointment_at(tab, time(9))
    assert (shown.patient_name, shown.reason, shown.kind) == ("Ravi PatB1", "Fever for three days", "follow_up")
    assert cell(tab, time(9)).data() == "Ravi PatB1 · Fever for three days"
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (stored.patient_id, stored.local_start, stored.status) == (ravi, at(9), "confirmed")
    # The new booking is selected, ready for the next action.
    assert tab.selected_appointment().id == stored.id


def test_enter_on_a_free_slot_books_and_a_new_patient_is_registered_on_the_way(qtbot, clinic, tab, runner):
    services, doctor, _patients = clinic
    index = cell(tab, time(16, 20))
    tab.day_view.setFocus()
    tab.day_view.setCurrentIndex(index)
    qtbot.keyClick(tab.day_view, Qt.Key.Key_Return)
    dialog = tab.booking_dialog
    assert dialog is not None and dialog.slot.local_start == at(16, 20)
    type_into(qtbot, dialog.finder.search, "zoë ødegård")
    qtbot.waitUntil(lambda: "No patient matches" in dialog.finder.hint.text())
    qtbot.mouseClick(dialog.finder.register_button, Qt.MouseButton.LeftButton)
    register = dialog.finder.patient_dialog
    assert register is not None and register.isVisible()
    assert (register.given_name.text(), register.family_name.text()) == ("Zoë", "Ødegård")
    type_into(qtbot, register.date_of_birth, "1991-04-02")
    qtbot.mouseClick(register.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.isVisible()  # still in the booking flow
    assert dialog.finder.patient is not None and dialog.finder.patient.name == "Zoë Ødegård"
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: appointment_at(tab, time(16, 20)) is not None)
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert stored.patient_name == "Zoë Ødegård" and stored.local_start == at(16, 20)


def test_book_needs_a_patient(qtbot, clinic, tab, runner):
    services, doctor, _patients = clinic
    click_cell(qtbot, tab.day_view, cell(tab, time(9)))
    dialog = tab.booking_dialog
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert "Choose the patient first" in dialog.finder.error.text() and dialog.isVisible()
    assert services.scheduling.doctor_day(doctor.id, TODAY) == []


def test_a_slot_taken_meanwhile_offers_the_next_free_times(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    click_cell(qtbot, tab.day_view, cell(tab, time(9)))
    dialog = tab.booking_dialog
    pick_patient(qtbot, runner, dialog.finder, "asha", "Asha PatA0")
    other = second_desk(services)
    try:
        other.scheduling.book(ravi, doctor.id, at(9), reason="Booked by phone")
    finally:
        other.close()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.isVisible()
    assert "That slot was just taken" in dialog.banner.text()
    assert "Traceback" not in dialog.banner.text() and not dialog.suggestions.isHidden()
    first = dialog.suggestions.item(0)
    assert first.text().endswith("09:15–09:30")
    qtbot.mouseClick(dialog.suggestions.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.suggestions.visualItemRect(first).center())
    assert dialog.book_button.text() == "Book 09:15"
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog not in tab.dialogs  # closed (and deleted)
    day = services.scheduling.doctor_day(doctor.id, TODAY)
    assert [(a.local_start, a.patient_id) for a in day] == [(at(9), ravi), (at(9, 15), asha)]
    qtbot.waitUntil(lambda: appointment_at(tab, time(9)) is not None and appointment_at(tab, time(9, 15)) is not None)


# --- the workflow ----------------------------------------------------------------------------


def test_check_in_start_visit_and_complete(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9), reason="Fever", confirmed=False)
    tab.refresh()
    wait_idle(qtbot, runner)
    select_appointment(qtbot, tab, time(9))
    # A request must be confirmed before the patient can be checked in.
    assert tab.confirm_action.isEnabled() and not tab.check_in_action.isEnabled()
    assert not tab.complete_action.isEnabled()
    for action, status in (
        (tab.confirm_action, "confirmed"), (tab.check_in_action, "checked_in"),
        (tab.start_visit_action, "with_doctor"), (tab.complete_action, "completed"),
    ):
        click_action(qtbot, tab, action)
        wait_idle(qtbot, runner)
        qtbot.waitUntil(lambda s=status: appointment_at(tab, time(9)).status == s)
        assert tab.selected_appointment().status == status
    stored = services.scheduling.get(booked.id)
    assert stored.status == "completed" and stored.token == 1 and stored.completed_at is not None
    assert cell(tab, time(9)).data() == "#1 Asha PatA0 · Fever"
    # Nothing more can happen to a completed visit.
    assert not any(a.isEnabled() for a in tab.appointment_actions)
    actions = [e.to_status for e in services.scheduling.history(booked.id)]
    assert actions == ["requested", "confirmed", "checked_in", "with_doctor", "completed"]


def test_cancel_with_a_reason_frees_the_slot(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = book_and_select(qtbot, runner, tab, services, asha, doctor.id, at(10))
    click_action(qtbot, tab, tab.cancel_action)
    dialog = tab.dialogs[-1]
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.text("reason") == "Please give a reason." and dialog.isVisible()
    type_into(qtbot, dialog.reason, "Clinic closed early: power cut")
    qtbot.mouseClick(dialog.by_clinic, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog not in tab.dialogs  # closed (and deleted)
    stored = services.scheduling.get(booked.id)
    assert (stored.status, stored.cancelled_by, stored.status_reason) == (
        "cancelled", "clinic", "Clinic closed early: power cut")
    qtbot.waitUntil(lambda: cell(tab, time(10)).data(CellKindRole) == CellKind.FREE)


def test_reschedule_to_another_free_slot(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = book_and_select(qtbot, runner, tab, services, asha, doctor.id, at(9))
    click_action(qtbot, tab, tab.reschedule_action)
    dialog = tab.dialogs[-1]
    qtbot.waitUntil(lambda: dialog.slots.count() > 0)
    wait_idle(qtbot, runner)
    target = next(dialog.slots.item(i) for i in range(dialog.slots.count()) if "10:30–10:45" in dialog.slots.item(i).text())
    qtbot.mouseClick(dialog.slots.viewport(), Qt.MouseButton.LeftButton, pos=dialog.slots.visualItemRect(target).center())
    type_into(qtbot, dialog.reason, "Patient asked for later")
    qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog not in tab.dialogs  # closed (and deleted)
    stored = services.scheduling.get(booked.id)
    assert stored.local_start == at(10, 30)
    qtbot.waitUntil(lambda: appointment_at(tab, time(10, 30)) is not None)
    assert cell(tab, time(9)).data(CellKindRole) == CellKind.FREE
    assert tab.selected_appointment().id == booked.id
    events = services.scheduling.history(booked.id)
    assert events[-1].action == "rescheduled" and events[-1].reason == "Patient asked for later"


def test_history_lists_the_events(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9), reason="Fever")
    services.scheduling.reschedule(booked.id, at(9, 30), reason="Traffic")
    tab.refresh()
    wait_idle(qtbot, runner)
    select_appointment(qtbot, tab, time(9, 30))
    click_action(qtbot, tab, tab.history_action)
    wait_idle(qtbot, runner)
    dialog = tab.history_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 2).text() == "Booked (confirmed)"
    assert dialog.table.item(1, 2).text() == "Rescheduled" and dialog.table.item(1, 4).text() == "Traffic"
    assert dialog.table.item(1, 3).text() == "07 Jan 09:00 → 07 Jan 09:30"


def test_walk_in_shows_the_token_and_appears_in_the_grid(qtbot, clinic, tab, runner):
    services, doctor, _patients = clinic
    services.scheduling.clock = lambda: at(9, 2)  # the desk is open; the 09:00 slot has begun
    qtbot.mouseClick(tab.walk_in_button, Qt.MouseButton.LeftButton)
    dialog = tab.walk_in_dialog
    assert dialog is not None and dialog.doctor.currentData() == doctor.id
    pick_patient(qtbot, runner, dialog.finder, "meera", "Meera PatC2")
    type_into(qtbot, dialog.reason, "Sprained ankle")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.token_label.isVisible()
    assert dialog.token_label.text().startswith("Token 1 for Meera PatC2 with Dr Priya Nair")
    assert "patients ahead" in dialog.token_label.text()
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (stored.kind, stored.token, stored.status, stored.reason) == ("walk_in", 1, "checked_in", "Sprained ankle")
    qtbot.waitUntil(lambda: any(a.id == stored.id for a in tab.day_model.appointments()))
    index = tab.day_model.find_appointment(stored.id)
    assert index.data() == "#1 Meera PatC2 · Sprained ankle"
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert dialog not in tab.dialogs  # closed (and deleted)


def test_walk_in_chosen_as_the_type_in_the_booking_dialog(qtbot, clinic, tab, runner):
    services, doctor, _patients = clinic
    click_cell(qtbot, tab.day_view, cell(tab, time(9)))
    dialog = tab.booking_dialog
    pick_patient(qtbot, runner, dialog.finder, "john", "John PatD3")
    dialog.kind.setFocus()
    qtbot.keyClick(dialog.kind, Qt.Key.Key_End)  # the last type: walk-in (offered because it is today)
    assert dialog.kind.currentData() == "walk_in" and dialog.book_button.text() == "Add to queue"
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog not in tab.dialogs  # closed (and deleted)
    assert tab.last_message.windowTitle() == "Walk-in: token 1"
    assert tab.last_message.text().startswith("Token 1 for John PatD3")
    [stored] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert (stored.kind, stored.token) == ("walk_in", 1)


def test_walk_in_is_not_offered_for_another_day(qtbot, clinic, tab, runner):
    tab.show_day(TODAY + timedelta(days=1))
    wait_idle(qtbot, runner)
    click_cell(qtbot, tab.day_view, cell(tab, time(9)))
    dialog = tab.booking_dialog
    assert not dialog.kind.model().item(2).isEnabled()


def test_an_appointment_changed_elsewhere_shows_the_services_message(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = book_and_select(qtbot, runner, tab, services, asha, doctor.id, at(9))
    other = second_desk(services)
    try:
        other.visits.mark_no_show(booked.id)
    finally:
        other.close()
    click_action(qtbot, tab, tab.check_in_action)
    wait_idle(qtbot, runner)
    box = tab.last_message
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "another desk changed this appointment" in box.text()
    # The grid is reloaded as it is now: the no-show freed the slot, which says whose it was.
    qtbot.waitUntil(lambda: cell(tab, time(9)).data(CellKindRole) == CellKind.FREE)
    assert cell(tab, time(9)).data() == "free · was Asha PatA0 (no-show)"
    assert not tab.check_in_action.isEnabled()
    assert services.scheduling.get(booked.id).status == "no_show"


# --- live refresh ----------------------------------------------------------------------------


def test_a_booking_at_another_desk_appears_without_refreshing(qtbot, clinic, runner):
    services, doctor, (asha, *_rest) = clinic
    feed_open = threading.Event()

    def open_feed():  # type: ignore[no-untyped-def]
        feed = services.scheduling.open_change_feed()
        feed_open.set()
        return feed

    watcher = ScheduleWatcher(open_feed)
    try:
        tab = open_tab(qtbot, services, runner, watcher=watcher)
        qtbot.waitUntil(feed_open.is_set, timeout=5000)
        assert cell(tab, time(10)).data(CellKindRole) == CellKind.FREE
        other = second_desk(services)
        try:
            booked = other.scheduling.book(asha, doctor.id, at(10), reason="Booked at the other desk")
        finally:
            other.close()
        qtbot.waitUntil(lambda: appointment_at(tab, time(10)) is not None, timeout=5000)
        assert appointment_at(tab, time(10)).id == booked.id
        # A change to a day not shown does not touch the grid; one to the shown day does.
        other = second_desk(services)
        try:
            other.visits.cancel(booked.id, "Changed plans")
        finally:
            other.close()
        qtbot.waitUntil(lambda: cell(tab, time(10)).data(CellKindRole) == CellKind.FREE, timeout=5000)
    finally:
        watcher.stop()


# --- slips -----------------------------------------------------------------------------------


def test_print_slip_goes_through_the_print_path_preview_and_save_as_pdf(qtbot, clinic, tab, runner, tmp_path: Path,
                                                                        monkeypatch):
    # Issue 8 item 6: "Print slip" previews and prints; "Save as PDF" goes to the documents folder,
    # never the folder the app was started from.
    from PySide6.QtPrintSupport import QPrinter
    from PySide6.QtWidgets import QLineEdit

    from hms_desktop.paths import documents_dir

    services, doctor, (asha, *_rest) = clinic
    services.scheduling.book(asha, doctor.id, at(9), reason="Fever")
    monkeypatch.chdir(tmp_path)
    tab.refresh()
    wait_idle(qtbot, runner)
    select_appointment(qtbot, tab, time(9))
    with qtbot.waitSignal(tab.slip_printer.opened, timeout=10_000) as opened:
        qtbot.keyClick(tab.day_view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview = opened.args[0]
    assert preview.objectName() == "printPreview" and preview.isVisible()
    # What the preview's Print button sends, sent to a PDF-writing printer: read the text back.
    printed = tmp_path / "printed-slip.pdf"
    printer = tab.slip_printer.printout.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    assert tab.slip_printer.printout.print_to(printer) == 1
    assert printed.stat().st_size > 0
    preview.reject()
    tab.activateWindow()  # the offscreen platform has no window manager to give focus back
    qtbot.waitUntil(tab.isActiveWindow)
    text = "".join(page.extract_text() for page in PdfReader(str(_pdf(tmp_path, tab))).pages)
    assert "Asha PatA0" in text and "Dr Priya Nair" in text
    # Save as PDF: the documents folder, with a sensible name; Enter saves the slip's own bytes.
    with qtbot.waitSignal(tab.slip_printer.opened, timeout=10_000) as opened:
        qtbot.keyClick(tab.day_view, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = opened.args[0]
    assert Path(dialog.directory().absolutePath()) == documents_dir()
    name_box = dialog.findChild(QLineEdit, "fileNameEdit")
    assert name_box.text().startswith("Appointment slip ") and name_box.text().endswith(".pdf")
    (documents_dir() / name_box.text()).unlink(missing_ok=True)  # the other database's run saved one too
    with qtbot.waitSignal(tab.slip_printer.printout.saved, timeout=10_000) as saved:
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    path = saved.args[0]
    assert path.parent == documents_dir() and not list(tmp_path.glob("Appointment slip*"))
    text = "".join(page.extract_text() for page in PdfReader(str(path)).pages)
    assert "Asha PatA0" in text and "Dr Priya Nair" in text and "please arrive 10 minutes early" in text


def _pdf(tmp_path: Path, tab: SchedulerTab) -> Path:
    path = tmp_path / "rendered-slip.pdf"
    path.write_bytes(tab.slip_printer.printout.pdf)
    return path


# --- views, filters and roles ----------------------------------------------------------------


def test_week_view_for_one_doctor_and_booking_from_it(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    services.scheduling.book(asha, doctor.id, at(9, 15, day=TODAY + timedelta(days=2)))
    other = make_doctor(services, "Dr Arjun Rao")
    tab.refresh()
    wait_idle(qtbot, runner)
    assert tab.day_model.columnCount() == 2
    click_cell(qtbot, tab.day_view, cell(tab, time(9), column=tab.day_model.column_of_doctor(doctor.id)))
    tab.booking_dialog.reject()
    qtbot.mouseClick(tab.week_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.mode == "week" and tab.week_doctor.currentData() == doctor.id
    model = tab.week_model
    assert model.columnCount() == 7 and model.headerData(0, Qt.Orientation.Horizontal) == "Mon\n07 Jan"
    assert appointment_at(tab, time(9, 15), column=2).patient_name == "Asha PatA0"
    assert tab.date_label.text() == "Week of 07 Jan – 13 Jan 2030"
    click_cell(qtbot, tab.week_view, cell(tab, time(10), column=1))
    dialog = tab.booking_dialog
    assert dialog.slot.local_start == at(10, day=TODAY + timedelta(days=1))
    pick_patient(qtbot, runner, dialog.finder, "ravi", "Ravi PatB1")
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: appointment_at(tab, time(10), column=1) is not None)
    assert services.scheduling.doctor_day(doctor.id, TODAY + timedelta(days=1))[0].patient_id == ravi
    # Another doctor's week, then back to the day.
    tab.week_doctor.setCurrentIndex(tab.week_doctor.findData(other.id))
    wait_idle(qtbot, runner)
    assert appointment_at(tab, time(9, 15), column=2) is None
    qtbot.mouseClick(tab.next_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.week_model.column(0).day == date(2030, 1, 14)
    qtbot.mouseClick(tab.day_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.mode == "day" and tab.day_model.column(0).day == date(2030, 1, 14)


def test_calendar_today_and_doctor_filters(qtbot, clinic, tab, runner):
    services, doctor, _patients = clinic
    cardiology = services.doctors.add_specialty("Cardiology")
    rao = make_doctor(services, "Dr Arjun Rao", specialty=cardiology)
    tab.refresh()
    wait_idle(qtbot, runner)
    assert [c.doctor_name for c in tab.day_model.columns] == ["Dr Arjun Rao", "Dr Priya Nair"]
    type_into(qtbot, tab.doctor_filter, "priya")
    qtbot.waitUntil(lambda: [c.doctor_id for c in tab.day_model.columns] == [doctor.id] and not runner.busy)
    tab.doctor_filter.clear()
    tab.specialty.setCurrentIndex(tab.specialty.findData(cardiology.id))
    qtbot.waitUntil(lambda: [c.doctor_id for c in tab.day_model.columns] == [rao.id] and not runner.busy)
    tab.specialty.setCurrentIndex(0)
    wait_idle(qtbot, runner)
    # Unticking a doctor hides their column.
    item = next(tab.doctor_list.item(i) for i in range(tab.doctor_list.count()) if "Arjun" in tab.doctor_list.item(i).text())
    rect = tab.doctor_list.visualItemRect(item)
    qtbot.mouseClick(tab.doctor_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.topLeft() + rect.center().__class__(10, rect.height() // 2))
    qtbot.waitUntil(lambda: [c.doctor_id for c in tab.day_model.columns] == [doctor.id] and not runner.busy)
    # Another day from the calendar; "Today" comes back to the clinic's today.
    tab.calendar.setSelectedDate(tab.calendar.selectedDate().addDays(3))
    wait_idle(qtbot, runner)
    assert tab.shown_day == date(2030, 1, 10) and tab.day_model.column(0).day == date(2030, 1, 10)
    qtbot.mouseClick(tab.today_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.shown_day == TODAY and tab.date_label.text().endswith("today")


def test_a_nurse_checks_in_but_cannot_book(qtbot, clinic, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9))
    add_staff(services, "nina", "nurse")
    nurse = second_desk(services, "nina", STAFF_PASSWORD)
    fix_clock(nurse)
    try:
        tab = open_tab(qtbot, nurse, runner)
        assert tab.walk_in_button.isHidden()
        assert not tab.cancel_action.isVisible() and not tab.reschedule_action.isVisible()
        click_cell(qtbot, tab.day_view, cell(tab, time(9, 15)))
        assert tab.booking_dialog is None  # free slots cannot be booked by this role
        select_appointment(qtbot, tab, time(9))
        click_action(qtbot, tab, tab.check_in_action)
        wait_idle(qtbot, runner)
        assert services.scheduling.get(booked.id).status == "checked_in"
        # Even if asked directly, the service refuses and the tab shows its message.
        tab.no_show_selected()
        wait_idle(qtbot, runner)
        assert "does not allow this" in tab.last_message.text()
    finally:
        nurse.close()


def test_a_doctor_starts_and_completes_only_their_own_visits(qtbot, services, runner):
    fix_clock(services)
    account = services.staff.add("drnair", "Priya Nair", "doctor", STAFF_PASSWORD)
    own = make_doctor(services, "Dr Priya Nair", staff_account_id=account.id)
    other = make_doctor(services, "Dr Arjun Rao")
    asha, ravi = make_patients(services, 2)
    mine = services.scheduling.book(asha, own.id, at(9))
    theirs = services.scheduling.book(ravi, other.id, at(9))
    for appt_id in (mine.id, theirs.id):
        services.visits.check_in(appt_id)
    desk = second_desk(services, "drnair", STAFF_PASSWORD)
    fix_clock(desk)
    try:
        tab = open_tab(qtbot, desk, runner)
        model = tab.day_model
        click_cell(qtbot, tab.day_view, model.index_at(model.column_of_doctor(other.id), time(9)))
        assert tab.selected_appointment().id == theirs.id
        assert tab.start_visit_action.isVisible() and not tab.start_visit_action.isEnabled()
        click_cell(qtbot, tab.day_view, model.index_at(model.column_of_doctor(own.id), time(9)))
        assert tab.selected_appointment().id == mine.id
        click_action(qtbot, tab, tab.start_visit_action)
        wait_idle(qtbot, runner)
        qtbot.waitUntil(lambda: tab.selected_appointment() is not None and tab.selected_appointment().status == "with_doctor")
        click_action(qtbot, tab, tab.complete_action)
        wait_idle(qtbot, runner)
        assert services.scheduling.get(mine.id).status == "completed"
        assert services.scheduling.get(theirs.id).status == "checked_in"
    finally:
        desk.close()


def test_context_menu_offers_the_actions(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    services.scheduling.book(asha, doctor.id, at(9))
    tab.refresh()
    wait_idle(qtbot, runner)
    index = cell(tab, time(9))
    tab.day_view.scrollTo(index)
    tab.day_view.customContextMenuRequested.emit(tab.day_view.visualRect(index).center())
    menu = tab.context_menu
    assert menu is not None and menu.isVisible()
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert "Check in" in texts and "Print slip…" in texts and "History" in texts
    assert {a.text() for a in menu.actions() if a.isEnabled() and not a.isSeparator()} >= {"Check in", "Cancel…"}
    menu.close()
    free = cell(tab, time(9, 15))
    tab.day_view.customContextMenuRequested.emit(tab.day_view.visualRect(free).center())
    assert [a.text() for a in tab.context_menu.actions()] == ["Book this slot…"]
    tab.context_menu.close()



def test_heading_names_the_day_when_the_clinic_date_is_the_computer_s_date(qtbot, services, runner):
    """Found on a screenshot: with no date change to signal, the heading stayed empty."""
    make_doctor(services)
    tab = SchedulerTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    today = services.scheduling.today()
    assert tab.date_label.text() == f"{today:%A %d %B %Y}  ·  today"


def test_find_the_next_free_doctor_of_a_specialty_and_book_it(qtbot, clinic, tab, runner):
    """A caller wants "the next free dermatologist in the east wing"."""
    services, doctor, patients = clinic
    derma = services.doctors.add_specialty("Dermatology")
    skin = make_doctor(services, "Dr Kavya Menon", specialty=derma, location="East wing, room 9")
    make_doctor(services, "Dr West Side", specialty=derma, location="West wing, room 1")
    services.scheduling.book(patients[0], skin.id, at(9), reason="taken")  # her 09:00 is gone
    tab.refresh()
    wait_idle(qtbot, runner)
    qtbot.mouseClick(tab.next_free_button, Qt.MouseButton.LeftButton)
    finder = tab.next_free_dialog
    assert finder is not None and finder.isVisible()
    finder.specialty.setCurrentIndex(finder.specialty.findData(derma.id))
    type_into(qtbot, finder.location, "east")
    qtbot.mouseClick(finder.search_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: finder.results.count() > 0 and not runner.busy)
    first = finder.results.item(0).text()
    assert "Dr Kavya Menon" in first and "09:15" in first  # the earliest free time, not the taken one
    assert all("West wing" not in finder.results.item(i).text() for i in range(finder.results.count()))
    qtbot.mouseClick(finder.book_button, Qt.MouseButton.LeftButton)
    dialog = tab.booking_dialog
    assert dialog is not None and dialog.book_button.text() == "Book 09:15"
    pick_patient(qtbot, runner, dialog.finder, "ravi", "Ravi PatB1")
    type_into(qtbot, dialog.reason, "Rash on the arm")
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    booked = [a for a in services.scheduling.doctor_day(skin.id, TODAY) if a.status != "cancelled"]
    assert [(a.local_start.strftime("%H:%M"), a.patient_name) for a in booked] == [
        ("09:00", "Asha PatA0"), ("09:15", "Ravi PatB1")]
