"""The clinic formulary on both databases: the admin adds, edits and retires medicines (audited,
announced, a stale edit refused with the medicine as it is now); doctors and nurses look it up,
a receptionist does not; the search matches the start of any word; a prescription picked from it
keeps its own words and still meets the allergy check."""

from __future__ import annotations

import pytest

from hms_desktop.services.clinical import AllergyInput, MedicineInput, PrescriptionInput
from hms_desktop.services.clinical.service import AllergyWarning
from hms_desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from tests.services.conftest import Ward

AMOX = MedicineInput("Amoxicillin", "500 mg", "capsule", "oral", "1 capsule", "three times a day")


def test_the_admin_adds_and_everyone_clinical_finds_it(ward: Ward):
    added = ward.admin.formulary.add(AMOX)
    ward.admin.formulary.add(MedicineInput("Amoxicillin", "250 mg/5 ml", "syrup", "oral", "5 ml", "three times a day"))
    ward.admin.formulary.add(MedicineInput("Paracetamol", "500 mg", "tablet", "oral", "1-2 tablets", "every 6 hours"))
    assert added.label == "Amoxicillin 500 mg capsule" and added.active
    for desk in (ward.doctor, ward.nurse, ward.admin):
        assert [m.label for m in desk.formulary.search("amox")] == [
            "Amoxicillin 250 mg/5 ml syrup", "Amoxicillin 500 mg capsule"]
    # Every word must start a word of the name, strength or form; case and accents do not matter.
    assert [m.label for m in ward.doctor.formulary.search("AMOX caps")] == ["Amoxicillin 500 mg capsule"]
    assert [m.label for m in ward.doctor.formulary.search("500")] == ["Amoxicillin 500 mg capsule",
                                                                     "Paracetamol 500 mg tablet"]
    assert ward.doctor.formulary.search("moxi") == []  # inside a word: not a match
    assert ward.doctor.formulary.search("  ") == []
    assert ward.doctor.formulary.search("100%_") == []  # LIKE's wildcards are plain characters here
    with pytest.raises(PermissionDenied):
        ward.receptionist.formulary.search("amox")
    with pytest.raises(PermissionDenied):
        ward.doctor.formulary.add(AMOX)
    audit = [e for e in ward.admin.audit.recent() if e.action == "formulary.added"]
    assert len(audit) == 3 and audit[-1].summary == "Added Amoxicillin 500 mg capsule"


def test_bad_input_and_duplicates_are_refused_in_words(ward: Ward):
    with pytest.raises(ValidationError) as missing:
        ward.admin.formulary.add(MedicineInput("  ", strength="x" * 61))
    assert set(missing.value.fields) == {"name", "strength"}
    ward.admin.formulary.add(AMOX)
    with pytest.raises(ValidationError) as twice:
        ward.admin.formulary.add(MedicineInput("amoxicillin ", "500  MG", "Capsule"))
    assert twice.value.fields["name"] == "amoxicillin 500  MG Capsule is already in the formulary."
    assert len(ward.admin.formulary.medicines()) == 1


def test_edit_retire_and_a_stale_edit(ward: Ward):
    medicine = ward.admin.formulary.add(AMOX)
    other = ward.admin.formulary.add(MedicineInput("Ibuprofen", "400 mg", "tablet"))
    changed = ward.admin.formulary.update(medicine.id, medicine.version,
                                          MedicineInput("Amoxicillin", "500 mg", "capsule", "oral", "1 capsule",
                                                        "twice a day"))
    assert changed.frequency == "twice a day" and changed.version > medicine.version
    with pytest.raises(ConflictError) as stale:
        ward.admin.formulary.update(medicine.id, medicine.version, AMOX)
    assert stale.value.current == changed
    with pytest.raises(ValidationError) as clash:
        ward.admin.formulary.update(other.id, other.version, AMOX)
    assert "already in the formulary" in clash.value.fields["name"]
    retired = ward.admin.formulary.update(changed.id, changed.version, AMOX, active=False)
    assert not retired.active
    assert [m.name for m in ward.doctor.formulary.search("amox")] == []
    assert [m.active for m in ward.admin.formulary.medicines(include_inactive=True, text="amox")] == [False]
    entry = next(e for e in ward.admin.audit.recent() if e.action == "formulary.changed")
    assert entry.changes == {"active": [True, False], "frequency": ["twice a day", "three times a day"]}


def test_a_picked_medicine_keeps_its_words_and_meets_the_allergy_check(ward: Ward):
    ward.admin.formulary.add(MedicineInput("Ibuprofen", "400 mg", "tablet", "oral", "1 tablet", "twice a day"))
    ward.nurse.clinical.record_allergy(ward.patient_id, AllergyInput("Ibuprofen", "rash", "moderate"))
    medicine = ward.admin.formulary.add(AMOX)
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    (picked,) = ward.doctor.formulary.search("amox")
    item = PrescriptionInput(picked.name, picked.strength, picked.form, picked.dose, picked.frequency, picked.route,
                             "5 days", "15")
    visit = ward.doctor.clinical.add_prescription(visit.id, visit.version, item)
    ward.admin.formulary.update(medicine.id, medicine.version, MedicineInput("Amoxicillin", "1 g", "tablet"))
    line = ward.doctor.clinical.get_visit(visit.id).prescriptions[0]
    assert (line.medicine, line.strength, line.form, line.frequency) == (
        "Amoxicillin", "500 mg", "capsule", "three times a day")
    # A line picked from the formulary meets the allergy check like free text.
    (ibuprofen,) = ward.doctor.formulary.search("ibu")
    with pytest.raises(AllergyWarning) as warned:
        ward.doctor.clinical.add_prescription(visit.id, visit.version,
                                              PrescriptionInput(ibuprofen.name, ibuprofen.strength))
    assert warned.value.allergy == "Ibuprofen"
