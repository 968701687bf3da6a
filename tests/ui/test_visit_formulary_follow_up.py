"""A doctor's visit with the clinic formulary and the follow-up, driven by keys and clicks on both
databases: a medicine picked from the formulary as it is typed fills the line (and still meets the
allergy check), the follow-up date offers the doctor's first free slot that day and books it in the
scheduler, signing after it asks nothing twice; a full day is said in words and the next day offered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from hms_desktop.services.clinical import MedicineInput
from hms_desktop.ui.clinical.prescription_form import AllergyOverrideDialog
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at
from tests.ui.test_clinical_visit import (
    Surgery,
    click,
    items,
    open_surgery,
    open_todays_visit,
    open_window,
    show_page,
)
from tests.ui.widget_helpers import named_box, open_dialog, type_into

LATER = TODAY + timedelta(days=7)


@pytest.fixture
def surgery(services) -> Iterator[Surgery]:  # type: ignore[no-untyped-def]
    services.formulary.add(MedicineInput("Amoxicillin", "500 mg", "capsule", "oral", "1 capsule", "three times a day"))
    services.formulary.add(MedicineInput("Azithromycin", "500 mg", "tablet", "oral", "1 tablet", "once a day"))
    services.formulary.add(MedicineInput("Paracetamol", "500 mg", "tablet", "oral", "1-2 tablets", "every 6 hours"))
    yield from open_surgery(services)


def _pick(qtbot, runner, dialog, typed: str, label_start: str) -> None:  # type: ignore[no-untyped-def]
    box = dialog.prescription.form.boxes["medicine"]
    picker = dialog.medicine_picker
    type_into(qtbot, box, typed)
    wait_idle(qtbot, runner)
    popup = picker.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    rows = [picker.model.item(r).text() for r in range(picker.model.rowCount())]
    row = next(r for r, text in enumerate(rows) if text.startswith(label_start))
    rect = popup.visualRect(picker.completer.completionModel().index(row, 0))
    qtbot.mouseClick(popup.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_pick_from_the_formulary_book_the_follow_up_and_sign(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.complaint, "Sore throat")

    # The formulary drops down under the medicine box as the doctor types; picking fills the line.
    show_page(qtbot, dialog, dialog.prescription)
    _pick(qtbot, runner, dialog, "para", "Paracetamol 500 mg tablet")
    rx = dialog.prescription.form.boxes
    assert [rx[n].text() for n in ("medicine", "strength", "form", "route", "dose", "frequency")] == [
        "Paracetamol", "500 mg", "tablet", "oral", "1-2 tablets", "every 6 hours"]
    assert dialog.medicine_picker.note.text().startswith("From the formulary: Paracetamol 500 mg tablet")
    type_into(qtbot, rx["duration"], "3 days")  # the picker left the cursor here
    click(qtbot, dialog.prescription.add)
    wait_idle(qtbot, runner)
    assert items(dialog.prescription.list) == ["Paracetamol 500 mg tablet — 1-2 tablets, every 6 hours, oral, 3 days"]
    assert rx["medicine"].text() == "" and dialog.medicine_picker.note.text() == ""

    # Picked from the formulary or typed, amoxicillin meets the patient's recorded allergy.
    _pick(qtbot, runner, dialog, "amo", "Amoxicillin 500 mg capsule")
    click(qtbot, dialog.prescription.add)
    warning = open_dialog(qtbot, dialog, AllergyOverrideDialog)
    assert "allergy to Amoxicillin" in warning.findChild(type(dialog.status), "bannerWarning").text()
    qtbot.keyClick(warning, Qt.Key.Key_Escape)
    wait_idle(qtbot, runner)
    assert len(surgery.doctor.clinical.get_visit(dialog.visit.id).prescriptions) == 1

    # Free text is still a medicine.
    for box in rx.values():
        box.clear()
    type_into(qtbot, rx["medicine"], "Salt water gargle")
    click(qtbot, dialog.prescription.add)
    wait_idle(qtbot, runner)
    assert len(items(dialog.prescription.list)) == 2

    # The follow-up date, saved: the doctor is offered the first free slot of their own day.
    show_page(qtbot, dialog, dialog.notes)
    type_into(qtbot, dialog.notes.follow_up, LATER.strftime("%d/%m/%Y"))
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    offer = named_box(qtbot, dialog, "followUpOffer")
    assert offer.text() == f"Book follow-up at 09:00 on {LATER:%a %d %b %Y} with Dr Priya Nair?"
    qtbot.mouseClick(offer.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    note = dialog.follow_up_booking.note
    assert note.text() == f"Follow-up booked at 09:00 on {LATER:%a %d %b %Y} with Dr Priya Nair."
    [booked] = [a for a in surgery.admin.scheduling.doctor_day(dialog.visit.doctor_id, LATER)]
    assert (booked.patient_id, booked.kind, booked.local_start) == (surgery.patient_id, "follow_up", at(9, 0, day=LATER))
    assert not dialog.follow_up_booking.button.isEnabled()  # booked: nothing more to offer for that date

    # Sign: nothing is asked twice; the visit is closed to changes.
    click(qtbot, dialog.sign_button)
    box = named_box(qtbot, dialog, "signConfirm")
    qtbot.mouseClick(box.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.visit.signed, timeout=10_000)
    wait_idle(qtbot, runner)
    assert not [b for b in dialog.findChildren(type(box), "followUpOffer") if b.isVisible()]
    assert len(surgery.admin.scheduling.doctor_day(dialog.visit.doctor_id, LATER)) == 1
    stored = surgery.doctor.clinical.get_visit(dialog.visit.id)
    assert stored.signed and stored.follow_up_on == LATER
    assert [p.medicine for p in stored.prescriptions] == ["Paracetamol", "Salt water gargle"]


def test_a_full_follow_up_day_is_said_and_the_next_day_offered_again_on_signing(qtbot, surgery: Surgery, runner):
    doctor_id = surgery.admin.scheduling.get(surgery.appointment_id).doctor_id
    surgery.admin.availability.add_leave(doctor_id, LATER, reason="conference")
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.follow_up, LATER.isoformat())
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    offer = named_box(qtbot, dialog, "followUpOffer")
    nextday = LATER + timedelta(days=1)
    assert offer.text() == (f"Dr Priya Nair has no free slot left on {LATER:%a %d %b %Y}. Book follow-up at 09:00 on "
                            f"{nextday:%a %d %b %Y} instead (the next day with a free slot)?")
    qtbot.keyClick(offer, Qt.Key.Key_Escape)  # not now
    wait_idle(qtbot, runner)
    assert "Follow-up not booked" in dialog.follow_up_booking.note.text()
    assert dialog.follow_up_booking.button.isEnabled()
    # On signing, the offer comes again; this time it is taken.
    type_into(qtbot, dialog.notes.complaint, "Review")
    click(qtbot, dialog.sign_button)
    box = named_box(qtbot, dialog, "signConfirm")
    qtbot.mouseClick(box.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.visit.signed, timeout=10_000)
    wait_idle(qtbot, runner)
    offer = named_box(qtbot, dialog, "followUpOffer")
    qtbot.mouseClick(offer.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    [booked] = surgery.admin.scheduling.doctor_day(doctor_id, nextday)
    assert booked.kind == "follow_up" and booked.local_start == at(9, 0, day=nextday)
