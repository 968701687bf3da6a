"""An open visit record follows other desks through the change feed, on both databases: a nurse's
vitals and an allergy appear while the doctor types, the doctor's typing is kept, a note changed
elsewhere comes into an untouched field, both-changed keeps this desk's entry, and the next save
goes through at the version now shown (no conflict)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hms_desktop.services.clinical import AllergyInput, NotesInput, VitalsInput
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.ui.test_clinical_visit import Surgery, click, items, open_surgery, open_todays_visit, open_window
from tests.ui.widget_helpers import type_into


@pytest.fixture
def surgery(services) -> Iterator[Surgery]:  # type: ignore[no-untyped-def]
    add_staff(services, "nina", "nurse")
    yield from open_surgery(services)


def test_a_nurses_vitals_appear_in_the_open_visit_and_the_typing_stays(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.examination, "Throat red, no exudate")
    assert items(dialog.vitals.readings) == ["No vitals yet."]
    nurse = second_desk(surgery.admin, "nina", STAFF_PASSWORD)
    try:
        seen = nurse.clinical.get_visit(dialog.visit.id)
        nurse.clinical.record_vitals(seen.id, seen.version, VitalsInput(pulse_bpm=92, temperature_c=38.1))
        qtbot.waitUntil(lambda: "vitals recorded by Nina" in dialog.banner.text(), timeout=10_000)
        wait_idle(qtbot, runner)
        [reading] = items(dialog.vitals.readings)
        assert "Pulse 92 beats/min" in reading
        assert dialog.banner.text() == "Changed at another desk just now: vitals recorded by Nina."
        assert dialog.notes.examination.toPlainText() == "Throat red, no exudate"  # never lost
        nurse.clinical.record_allergy(surgery.patient_id, AllergyInput("Penicillin", "hives"))
        qtbot.waitUntil(lambda: "Penicillin" in dialog.allergy_banner.text(), timeout=10_000)
        assert "Penicillin" in dialog.prescription.allergies.text()
    finally:
        nurse.close()
    # The doctor's next save is on the version now shown: it goes through, nothing to merge.
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    assert dialog.status.text() == "Notes saved."
    stored = surgery.doctor.clinical.get_visit(dialog.visit.id)
    assert stored.examination == "Throat red, no exudate" and len(stored.vitals) == 1


def test_notes_changed_elsewhere_are_merged_into_the_open_form(qtbot, surgery: Surgery, runner):
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_todays_visit(qtbot, window, runner, surgery.appointment_id)
    type_into(qtbot, dialog.notes.advice, "Fluids, rest")
    other = second_desk(surgery.admin, "priya", STAFF_PASSWORD)  # the same doctor at another computer
    try:
        seen = other.clinical.get_visit(dialog.visit.id)
        other.clinical.save_notes(seen.id, seen.version, NotesInput(complaint="Sore throat", advice="Gargles"))
        qtbot.waitUntil(lambda: "Changed at another desk" in dialog.banner.text(), timeout=10_000)
        wait_idle(qtbot, runner)
    finally:
        other.close()
    assert dialog.notes.complaint.toPlainText() == "Sore throat"  # untouched here: theirs
    assert dialog.notes.advice.toPlainText() == "Fluids, rest"  # typed here: kept
    assert "You both changed orders and advice" in dialog.banner.text()
    assert "The other desk saved: Gargles" in dialog.merge.label("advice").text()
    click(qtbot, dialog.notes.save)
    wait_idle(qtbot, runner)
    stored = surgery.doctor.clinical.get_visit(dialog.visit.id)
    assert (stored.complaint, stored.advice) == ("Sore throat", "Fluids, rest")
