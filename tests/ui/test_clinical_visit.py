"""The doctor's visit record, driven by clicks and keys on a SQLite file and on PostgreSQL: opened
from today's list for a checked-in patient, vitals (an implausible reading refused in plain words),
a diagnosis found by typing part of its name, a medicine the patient is allergic to (warning,
reason), signing, the prescription saved as a PDF and read back, an addendum; and the patient's
clinical history with its trend chart."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QFileDialog, QLineEdit, QPushButton

from hms_desktop.bootstrap import Services
from hms_desktop.services.clinical import AllergyInput, DiagnosisInput, NotesInput
from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.clinical.prescription_form import AllergyOverrideDialog
from hms_desktop.ui.clinical.visit_dialog import VisitDialog
from hms_desktop.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import TODAY, _account_id, at, fix_clock, make_doctor
from tests.ui.test_visit_actions_shared import click_queue_row
from tests.ui.widget_helpers import named_box, open_dialog, type_into


@dataclass
class Surgery:
    admin: Services
    doctor: Services  # Dr Priya Nair's own desk
    patient_id: int
    appointment_id: int


def open_surgery(services: Services) -> Iterator[Surgery]:
    """Dr Priya Nair (with her own desk), a receptionist account, Asha Rao checked in at 10:00 with
    an amoxicillin allergy on the list and latex typed at registration."""
    fix_clock(services)
    add_staff(services, "priya", "doctor")
    add_staff(services, "rita", "receptionist")
    priya = make_doctor(services, staff_account_id=_account_id(services, "priya"))
    patient = services.patients.register(PatientInput(
        given_name="Asha", family_name="Rao", sex="female", date_of_birth=date(1985, 4, 2), allergies="latex"))
    appointment = services.scheduling.book(patient.id, priya.id, at(10), reason="cough")
    services.visits.check_in(appointment.id)
    desk = second_desk(services, "priya", STAFF_PASSWORD)
    fix_clock(desk)
    desk.clinical.record_allergy(patient.id, AllergyInput("Amoxicillin", "rash", "severe"))
    try:
        yield Surgery(services, desk, patient.id, appointment.id)
    finally:
        desk.close()


@pytest.fixture
def surgery(services: Services) -> Iterator[Surgery]:
    yield from open_surgery(services)


def open_window(qtbot, desk: Services, runner) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(desk, runner, desk.auth.current)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    wait_idle(qtbot, runner)
    return window


def click(qtbot, button: QPushButton) -> None:  # type: ignore[no-untyped-def]
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def show_page(qtbot, dialog: VisitDialog, page) -> None:  # type: ignore[no-untyped-def]
    bar = dialog.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(dialog.sections.indexOf(page)).center())
    assert dialog.sections.currentWidget() is page
    qtbot.waitUntil(lambda: not dialog.busy)  # leaving the notes saves them


def items(widget) -> list[str]:  # type: ignore[no-untyped-def]
    return [widget.item(i).text() for i in range(widget.count())]


def save_pdf(qtbot, dialog: VisitDialog, button: QPushButton, target: Path) -> str:  # type: ignore[no-untyped-def]
    """Click ``button``, type ``target`` into the save dialog, press Enter; the PDF's text."""
    with qtbot.waitSignal(dialog.printed, timeout=10_000):
        click(qtbot, button)
    save = [d for d in dialog.findChildren(QFileDialog) if d.isVisible()][-1]
    name_box = save.findChild(QLineEdit, "fileNameEdit")
    name_box.selectAll()
    qtbot.keyClicks(name_box, str(target))
    with qtbot.waitSignal(dialog.printout.saved, timeout=10_000):
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    return "\n".join(page.extract_text() for page in PdfReader(target).pages)


def open_todays_visit(qtbot, window: MainWindow, runner, appointment_id: int) -> VisitDialog:  # type: ignore[no-untyped-def]
    today = window.queues_tab
    assert window.tabs.currentWidget() is today  # a doctor starts on Today
    today.refresh()
    wait_idle(qtbot, runner)
    assert today.visit_record_button.isVisible()
    click_queue_row(qtbot, today, appointment_id)
    click(qtbot, today.visit_record_button)
    dialog = open_dialog(qtbot, window, VisitDialog)
    wait_idle(qtbot, runner)
    return dialog


def test_a_doctors_visit_from_todays_list_to_a_signed_record_with_its_follow_up_booked(qtbot, surgery: Surgery, runner, tmp_path: Path):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    assert dialog.heading.text().startswith("Asha Rao · MRN")
    assert "Amoxicillin (severe, rash)" in dialog.allergy_banner.text()
    assert "at registration: latex" in dialog.allergy_banner.text()

    # Notes: typed; saved when the doctor moves on to another page (or signs).
    type_into(qtbot, dialog.notes.complaint, "Cough for three days, worse at night")

    # Vitals: an implausible pulse is refused under its box, in words, before anything is sent.
    show_page(qtbot, dialog, dialog.vitals)
    # Leaving the notes saved the draft: it survives a crash or an idle lock.
    assert surgery.doctor.clinical.get_visit(dialog.visit.id).complaint == "Cough for three days, worse at night"
    assert dialog.status.text() == "Notes saved."
    boxes = dialog.vitals.form.boxes
    type_into(qtbot, boxes["pulse_bpm"], "450")
    assert "Pulse 450 beats/min cannot be right" in dialog.vitals.form.errors.text("pulse_bpm")
    click(qtbot, dialog.vitals.record)
    assert surgery.doctor.clinical.get_visit(dialog.visit.id).vitals == ()
    boxes["pulse_bpm"].selectAll()
    type_into(qtbot, boxes["pulse_bpm"], "88")
    assert dialog.vitals.form.errors.text("pulse_bpm") == ""
    for name, value in (("temperature_c", "38.4"), ("systolic_mmhg", "128"), ("diastolic_mmhg", "84"),
                        ("weight_kg", "70"), ("height_cm", "170")):
        type_into(qtbot, boxes[name], value)
    assert dialog.vitals.form.bmi_line.text() == "BMI 24.2"
    assert "Temperature 38.4 °C is high" in dialog.vitals.form.flags_line.text()
    click(qtbot, dialog.vitals.record)
    wait_idle(qtbot, runner)
    assert dialog.status.text() == "Vitals recorded."
    [reading] = items(dialog.vitals.readings)
    assert "Pulse 88 beats/min" in reading and "BP 128/84 mmHg" in reading and "BMI 24.2" in reading
    assert "Temperature 38.4 °C is high" in reading
    assert boxes["pulse_bpm"].text() == ""  # the form is ready for the next set

    # A diagnosis by typing part of its name, picked from the ICD-10 list.
    show_page(qtbot, dialog, dialog.diagnoses)
    picker = dialog.diagnoses.picker
    type_into(qtbot, picker.box, "asthma unsp")
    qtbot.waitUntil(lambda: any(t.startswith("J45.9 ") for t in items(picker.results)))
    row = next(i for i, t in enumerate(items(picker.results)) if t.startswith("J45.9 "))
    rect = picker.results.visualItemRect(picker.results.item(row))
    qtbot.mouseClick(picker.results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert picker.chosen.code == "J45.9"
    click(qtbot, dialog.diagnoses.add)
    wait_idle(qtbot, runner)
    assert items(dialog.diagnoses.list) == ["Asthma, unspecified (J45.9)"]

    # A medicine matching the recorded allergy: the service's warning, and a reason to go on.
    show_page(qtbot, dialog, dialog.prescription)
    assert "Amoxicillin (severe, rash)" in dialog.prescription.allergies.text()
    rx = dialog.prescription.form.boxes
    for name, value in (("medicine", "Amoxicillin"), ("strength", "500 mg"), ("form", "capsule"),
                        ("dose", "1 capsule"), ("frequency", "three times a day"), ("duration", "5 days"),
                        ("quantity", "15"), ("instructions", "after food")):
        type_into(qtbot, rx[name], value)
    click(qtbot, dialog.prescription.add)
    warning = open_dialog(qtbot, dialog, AllergyOverrideDialog)
    assert not warning.prescribe.isEnabled()  # no reason, no override
    type_into(qtbot, warning.reason, "Rash was a viral exanthem; tolerated amoxicillin since")
    click(qtbot, warning.prescribe)
    wait_idle(qtbot, runner)
    [line] = items(dialog.prescription.list)
    assert line.startswith("Amoxicillin 500 mg capsule — 1 capsule, three times a day, 5 days (qty 15). after food")
    assert "despite allergy to Amoxicillin: Rash was a viral exanthem" in line
    assert rx["medicine"].text() == ""

    # The follow-up date: the doctor is offered the first free slot of that day, and books it.
    later = TODAY + timedelta(days=7)
    show_page(qtbot, dialog, dialog.notes)
    type_into(qtbot, dialog.notes.follow_up, later.strftime("%d/%m/%Y"))
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    offer = named_box(qtbot, dialog, "followUpOffer")
    assert offer.text() == f"Book follow-up at 09:00 on {later:%a %d %b %Y} with Dr Priya Nair?"
    qtbot.mouseClick(offer.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    [booked] = surgery.admin.scheduling.doctor_day(dialog.visit.doctor_id, later)
    assert (booked.patient_id, booked.kind, booked.local_start) == (surgery.patient_id, "follow_up", at(9, 0, day=later))

    # Sign: the typed notes are saved first, then the visit is closed to changes.
    click(qtbot, dialog.sign_button)
    box = named_box(qtbot, dialog, "signConfirm")
    qtbot.mouseClick(box.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.visit.signed, timeout=10_000)
    wait_idle(qtbot, runner)
    stored = surgery.doctor.clinical.get_visit(dialog.visit.id)
    assert stored.signed and stored.complaint == "Cough for three days, worse at night"
    assert stored.prescriptions[0].allergy_override_reason.startswith("Rash was a viral exanthem")
    assert dialog.sections.currentWidget() is dialog.addenda
    assert not dialog.prescription.add.isEnabled() and not dialog.sign_button.isEnabled()
    assert dialog.notes.complaint.isReadOnly()

    # The prescription through the one print path, to a PDF whose text is read back.
    text = save_pdf(qtbot, dialog, dialog.save_pdf_button, tmp_path / "prescription.pdf")
    for expected in ("Asha Rao", "Priya Nair", "Amoxicillin", "500 mg", "three times a day", "J45.9",
                     f"RX-{dialog.visit.id:06d}"):
        assert expected in text, expected

    # An addendum on the signed visit, with author and time.
    type_into(qtbot, dialog.addenda.text, "Chest X-ray clear.")
    click(qtbot, dialog.addenda.add)
    wait_idle(qtbot, runner)
    [addendum] = items(dialog.addenda.list)
    assert addendum.endswith(" Priya: Chest X-ray clear."), addendum  # time (clinic zone) and author
    assert surgery.doctor.clinical.get_visit(dialog.visit.id).addenda[0].text == "Chest X-ray clear."

    # The visit summary, addendum and all, through the same save path.
    summary = save_pdf(qtbot, dialog, dialog.summary_button, tmp_path / "summary.pdf")
    for expected in ("Visit summary", "Cough for three days, worse at night", "Pulse 88 beats/min",
                     "Asthma, unspecified (J45.9)", "Amoxicillin 500 mg capsule", "Chest X-ray clear."):
        assert expected in summary, expected


def test_a_visit_changed_at_another_desk_shows_the_conflict_and_keeps_the_typing(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.examination, "Wheeze both bases")
    # Meanwhile the same doctor, at another desk, adds a diagnosis and a complaint.
    other = surgery.doctor.clinical
    seen = other.get_visit(dialog.visit.id)
    later = other.add_diagnosis(seen.id, seen.version, DiagnosisInput("Viral bronchitis"))
    other.save_notes(later.id, later.version, NotesInput(complaint="Cough"))
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    assert "changed at another desk" in dialog.banner.text()
    assert "Their changes to the complaint are now in the form." in dialog.banner.text()
    assert dialog.notes.complaint.toPlainText() == "Cough"
    assert dialog.notes.examination.toPlainText() == "Wheeze both bases"  # this desk's typing kept
    assert items(dialog.diagnoses.list) == ["Viral bronchitis"]
    click(qtbot, dialog.notes.save)  # again, on top of their version
    wait_idle(qtbot, runner)
    stored = other.get_visit(dialog.visit.id)
    assert (stored.complaint, stored.examination) == ("Cough", "Wheeze both bases")


def test_a_bad_follow_up_date_is_refused_in_words_and_loses_nothing(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.complaint, "Headache")
    type_into(qtbot, dialog.notes.follow_up, "next tuesday")
    click(qtbot, dialog.notes.save)
    assert "next tuesday is not a date" in dialog.notes.errors.text("follow_up_on")
    assert dialog.notes.complaint.toPlainText() == "Headache"
    assert surgery.doctor.clinical.get_visit(dialog.visit.id).complaint == ""


def test_a_visit_signed_at_another_desk_is_shown_signed_and_nothing_is_lost(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    show_page(qtbot, dialog, dialog.diagnoses)
    type_into(qtbot, dialog.diagnoses.text, "Viral fever")
    seen = surgery.doctor.clinical.get_visit(dialog.visit.id)
    surgery.doctor.clinical.sign(seen.id, seen.version)  # the same doctor, at another desk
    click(qtbot, dialog.diagnoses.add)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: dialog.visit.signed)
    assert "can no longer be changed" in dialog.banner.text() and "addendum" in dialog.banner.text()
    assert dialog.diagnoses.text.text() == "Viral fever"  # what was typed stays, to go into an addendum
    assert not dialog.diagnoses.add.isEnabled() and dialog.addenda.add.isEnabled()


def test_closing_with_typed_notes_asks_first(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.complaint, "Dizzy spells")
    click(qtbot, dialog.close_button)
    box = named_box(qtbot, dialog, "discardGuard")
    assert dialog.isVisible()
    box.reject()  # Cancel: back to the form, nothing lost
    assert dialog.notes.complaint.toPlainText() == "Dizzy spells"
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    click(qtbot, dialog.close_button)  # saved: closes without asking
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert window.visit_records.dialogs == []


def test_print_opens_the_print_dialog_and_a_reprint_is_a_copy(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    assert not dialog.print_button.isEnabled()  # nothing prescribed yet: nothing to print
    show_page(qtbot, dialog, dialog.prescription)
    type_into(qtbot, dialog.prescription.form.boxes["medicine"], "Cetirizine")
    click(qtbot, dialog.prescription.add)
    wait_idle(qtbot, runner)
    visit = dialog.visit
    number = f"RX-{visit.id:06d}/{visit.version}"
    for expected in (f"Prescription {number} ready.", f"Prescription {number} (copy) ready."):
        with qtbot.waitSignal(dialog.printed, timeout=10_000) as printed:
            click(qtbot, dialog.print_button)
        shown = printed.args[0]
        assert dialog.status.text() == expected
        box = [d for d in dialog.findChildren(QPrintDialog) if d.isVisible()][-1]
        assert box.objectName() == "printDialog" and box.windowTitle() == f"Print Prescription {number}"
        assert "Cetirizine" in "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(shown.pdf)).pages)
        box.reject()
