"""A patient's primary doctor on screen, on both databases: chosen on the registration form and
changed on the record (saved, audited), named in the clinical history's header, and at booking:
"Primary doctor: Dr X" under the chosen patient, preselected in the walk-in's and the next-free
doctor box."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import shiboken6
from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.patients.patient_dialog import PatientDialog
from hms_desktop.ui.scheduler.day_grid_model import DoctorIdRole
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import _account_id, fix_clock, make_doctor
from tests.ui.scheduler.helpers import cell, open_tab
from tests.ui.widget_helpers import open_dialog, type_into


def _choose(qtbot, box, text: str) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    index = next(i for i in range(box.count()) if box.itemText(i).startswith(text))
    while box.currentIndex() != index:
        qtbot.keyClick(box, Qt.Key.Key_Down if box.currentIndex() < index else Qt.Key.Key_Up)


def test_chosen_at_registration_changed_on_the_record_and_shown_in_the_history(qtbot, services, runner):
    fix_clock(services)
    add_staff(services, "priya", "doctor")
    priya = make_doctor(services, "Dr Priya Nair", staff_account_id=_account_id(services, "priya"))
    omar = make_doctor(services, "Dr Omar Said")
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    tab = window.patients_tab
    tab.new_patient()
    form = open_dialog(qtbot, tab, PatientDialog)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: form.primary_doctor.count() == 3)  # nobody, and the two doctors
    type_into(qtbot, form.given_name, "Asha")
    type_into(qtbot, form.family_name, "Rao")
    type_into(qtbot, form.date_of_birth, "1985-04-02")
    _choose(qtbot, form.primary_doctor, "Dr Priya Nair")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not shiboken6.isValid(form) or not form.isVisible())
    [row] = services.patients.search("asha").rows
    assert services.patients.get(row.id).primary_doctor_id == priya.id

    # The record shows the doctor; changing it is saved and audited like any other field.
    tab.open_patient(row.id)
    record = open_dialog(qtbot, tab, PatientDialog)
    wait_idle(qtbot, runner)
    assert record.primary_doctor.currentText().startswith("Dr Priya Nair")
    _choose(qtbot, record.primary_doctor, "Dr Omar Said")
    qtbot.mouseClick(record.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.patients.get(row.id).primary_doctor_id == omar.id
    entry = next(e for e in services.audit.recent() if e.action == "patient.changed")
    assert entry.changes == {"primary_doctor_id": [priya.id, omar.id]}

    # A clinician's record: the clinical history names the primary doctor under the allergies.
    desk = second_desk(services, "priya", STAFF_PASSWORD)
    try:
        doctor_window = MainWindow(desk, runner, desk.auth.current)
        qtbot.addWidget(doctor_window)
        doctor_window.patients_tab.open_patient(row.id)
        seen = open_dialog(qtbot, doctor_window.patients_tab, PatientDialog)
        wait_idle(qtbot, runner)
        qtbot.waitUntil(lambda: seen.clinical.history is not None)
        assert seen.clinical.primary_doctor.text() == "Primary doctor: Dr Omar Said"
        assert seen.primary_doctor.currentText().startswith("Dr Omar Said")
        seen.discard_guard.release()
        seen.reject()
        wait_idle(qtbot, runner)
    finally:
        desk.close()


def test_the_booking_dialogs_name_and_offer_the_primary_doctor(qtbot, services, runner):
    fix_clock(services)
    priya = make_doctor(services, "Dr Priya Nair")
    omar = make_doctor(services, "Dr Omar Said")
    base = PatientInput(given_name="Asha", family_name="Rao", sex="female", date_of_birth=date(1985, 4, 2))
    asha = services.patients.register(dataclasses.replace(base, primary_doctor_id=omar.id))
    services.patients.register(dataclasses.replace(base, given_name="Ravi"))
    tab = open_tab(qtbot, services, runner)

    # Booking a slot of Dr Priya's for a patient whose primary doctor is Dr Omar: said under the patient.
    tab.day_view.setFocus()
    column = next(c for c in range(2) if cell(tab, time(9), c).data(DoctorIdRole) == priya.id)
    tab.day_view.setCurrentIndex(cell(tab, time(9), column))
    qtbot.keyClick(tab.day_view, Qt.Key.Key_Return)
    dialog = tab.booking_dialog
    type_into(qtbot, dialog.finder.search, "asha")
    qtbot.waitUntil(lambda: dialog.finder.patient is not None)
    wait_idle(qtbot, runner)
    label = dialog.primary_doctor
    qtbot.waitUntil(label.isVisible)
    assert dialog.slot.doctor_id == priya.id
    assert label.text() == "Primary doctor: Dr Omar Said — this slot is with another doctor"
    dialog.finder.search.clear()
    type_into(qtbot, dialog.finder.search, "ravi")
    qtbot.waitUntil(lambda: dialog.finder.patient is not None and dialog.finder.patient.id != asha.id)
    wait_idle(qtbot, runner)
    assert label.text() == "Primary doctor: none set"
    dialog.reject()

    # The walk-in: choosing the patient preselects their primary doctor.
    walk_in = tab.add_walk_in()
    assert walk_in.doctor.currentData() != omar.id or walk_in.doctor.count() == 1
    type_into(qtbot, walk_in.finder.search, "asha")
    qtbot.waitUntil(lambda: walk_in.finder.patient is not None)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: walk_in.doctor.currentData() == omar.id)
    assert walk_in.primary_doctor.text() == "Primary doctor: Dr Omar Said"
    walk_in.reject()

    # The patient record's "Book": the next-free search starts with the primary doctor.
    finder = tab.book_for_patient(services.patients.get(asha.id))
    assert finder is not None and finder.doctor.currentData() == omar.id
