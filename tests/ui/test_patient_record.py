"""The patient record: the patient's upcoming and past appointments and visits, a "Book" action
handed to the Scheduler, times in the clinic's zone; on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import shiboken6
from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.patients.patients_tab import PatientsTab
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at, fix_clock, make_doctor
from tests.ui.widget_helpers import type_into


def open_record(qtbot, services, runner, patient_id, *, book=None):
    tab = PatientsTab(services.patients, runner, services.auth.current, scheduling=services.scheduling)
    if book is not None:
        tab.offer_booking(book)
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    wait_idle(qtbot, runner)
    tab.open_patient(patient_id)
    qtbot.waitUntil(lambda: bool(tab.dialogs))
    wait_idle(qtbot, runner)
    return tab, tab.dialogs[-1]


def test_the_record_lists_upcoming_and_past_appointments_and_visits(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services, "Dr Priya Nair")
    patient = services.patients.register(PatientInput(given_name="Asha", family_name="Rao", date_of_birth=date(1984, 5, 17)))
    done = services.scheduling.book(patient.id, doctor.id, at(9))
    services.visits.check_in(done.id)
    services.visits.start_visit(done.id)
    services.visits.complete(done.id)
    gone = services.scheduling.book(patient.id, doctor.id, at(10))
    services.visits.cancel(gone.id, "feeling better")
    services.scheduling.book(patient.id, doctor.id, at(11, 0, TODAY + timedelta(days=2)), reason="follow-up")
    fix_clock(services, at(10, 30))  # the 09:00 visit and the cancelled 10:00 are in the past now

    tab, dialog = open_record(qtbot, services, runner, patient.id)
    panel = dialog.history
    assert panel is not None
    qtbot.mouseClick(dialog.sections.tabBar(), Qt.MouseButton.LeftButton,
                     pos=dialog.sections.tabBar().tabRect(1).center())
    assert dialog.sections.currentWidget() is panel
    upcoming = panel.rows(panel.upcoming)
    assert upcoming == [["Wed 09 Jan 2030 11:00", "Dr Priya Nair", "East wing, room 12", "Confirmed"]]
    past = panel.rows(panel.past)
    assert [row[0] for row in past] == ["Mon 07 Jan 2030 10:00", "Mon 07 Jan 2030 09:00"]
    assert [row[3] for row in past] == ["Cancelled", "Visit completed"]
    assert panel.state.text() == "1 upcoming · 1 visit · 2 past appointments shown"
    assert not dialog.balance_line.isVisible()  # no invoices: no balance line, nothing made up
    # Registered and changed times are the clinic's (Asia/Kolkata), not the workstation's.
    stored = services.patients.get(patient.id)
    assert f"registered {stored.created_at:%Y-%m-%d}" in dialog.meta.text()
    assert stored.created_at.tzinfo.key == "Asia/Kolkata"


def test_book_hands_the_patient_to_the_scheduler(qtbot, services, runner):
    patient = services.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", date_of_birth=date(1990, 1, 2)))
    asked = []
    tab, dialog = open_record(qtbot, services, runner, patient.id, book=asked.append)
    assert dialog.book_button.isVisible()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    assert [p.id for p in asked] == [patient.id]
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())

    # With typed changes, Book asks first; "Discard" then books.
    tab.open_patient(patient.id)
    qtbot.waitUntil(lambda: any(shiboken6.isValid(d) and d.isVisible() for d in tab.dialogs))
    dialog = next(d for d in tab.dialogs if shiboken6.isValid(d) and d.isVisible())
    type_into(qtbot, dialog.notes, "prefers mornings")
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    question = dialog.discard_guard.question
    assert question is not None and question.isVisible() and len(asked) == 1
    qtbot.mouseClick(question.findChild(type(dialog.book_button), "confirmYes"), Qt.MouseButton.LeftButton)
    assert [p.id for p in asked] == [patient.id, patient.id]


def test_no_book_button_without_a_booking_callback_or_the_right(qtbot, services, runner):
    patient = services.patients.register(replace(PatientInput(given_name="Mia", date_of_birth=date(2000, 1, 1))))
    _tab, dialog = open_record(qtbot, services, runner, patient.id)
    assert not dialog.book_button.isVisible()
