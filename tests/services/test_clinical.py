"""The clinical record service on both databases: a visit written, vitals checked, coded
diagnoses, prescriptions against recorded allergies, signing and addenda, and an audit row for
every read."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hms_desktop.models import AuditEntry
from hms_desktop.services.clinical import (
    AllergyInput,
    AllergyWarning,
    DiagnosisInput,
    NotesInput,
    PrescriptionInput,
    VitalsInput,
)
from hms_desktop.services.errors import ConflictError, ValidationError
from tests.services.conftest import Ward


def opened_rows(ward: Ward) -> list[tuple[str, str, str | None]]:
    """(who, workstation, row hash) of each clinical.opened row of the ward's patient."""
    with ward.admin.db.read() as session:
        return list(session.execute(
            select(AuditEntry.actor_name, AuditEntry.workstation, AuditEntry.row_hash).where(AuditEntry.entity_type == "patient",
                                     AuditEntry.entity_id == str(ward.patient_id),
                                     AuditEntry.action == "clinical.opened").order_by(AuditEntry.id)))


def test_a_visit_written_and_signed(ward: Ward):
    clinical = ward.doctor.clinical
    visit = clinical.open_for_appointment(ward.appointment_id)
    assert (visit.status, visit.doctor_id, visit.appointment_id, visit.patient_name) == (
        "draft", ward.doctor_id, ward.appointment_id, "Asha Rao")
    assert clinical.open_for_appointment(ward.appointment_id).id == visit.id  # one visit per appointment
    visit = clinical.save_notes(visit.id, visit.version, NotesInput("Dry cough for 5 days", "Chest clear", "Fluids"))
    visit = clinical.record_vitals(visit.id, visit.version, VitalsInput(temperature_c=38.4, pulse_bpm=96,
                                                                       weight_kg=60.0, height_cm=160.0))
    visit = clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("", "j45.9"))
    visit = clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("Viral upper respiratory infection"))
    visit = clinical.add_prescription(visit.id, visit.version, PrescriptionInput(
        "Paracetamol", "500 mg", "tablet", "1 tablet", "three times a day", "oral", "3 days", "9", "after food"))
    again = ward.nurse.clinical.get_visit(visit.id)
    assert again == visit
    assert visit.complaint == "Dry cough for 5 days"
    assert [(d.text, d.icd10_code) for d in visit.diagnoses] == [
        ("Asthma, unspecified", "J45.9"), ("Viral upper respiratory infection", "")]
    assert visit.diagnoses[0].icd10_description == "Asthma, unspecified"
    (reading,) = visit.vitals
    assert reading.bmi == 23.4 and reading.taken_by == "Priya"
    assert reading.flags == ("Temperature 38.4 °C is high (usual 36.0–37.9).",)
    assert visit.prescriptions[0].instructions == "after food"
    signed = clinical.sign(visit.id, visit.version)
    assert signed.signed and signed.signed_at is not None and signed.signed_by == "Priya"


def test_implausible_vitals_are_refused_with_the_range(ward: Ward):
    visit = ward.nurse.clinical.open_for_appointment(ward.appointment_id)
    with pytest.raises(ValidationError) as caught:
        ward.nurse.clinical.record_vitals(visit.id, visit.version, VitalsInput(temperature_c=3.7, pulse_bpm=80))
    assert "between 30.0 and 45.0 °C" in caught.value.fields["temperature_c"]
    assert ward.doctor.clinical.get_visit(visit.id).vitals == ()  # nothing of it was saved


def test_a_signed_visit_cannot_be_changed_only_added_to(ward: Ward):
    clinical = ward.doctor.clinical
    visit = clinical.open_for_appointment(ward.appointment_id)
    with pytest.raises(ValidationError, match="still a draft"):
        clinical.add_addendum(visit.id, "too early")
    signed = clinical.sign(visit.id, visit.version)
    for attempt in (
        lambda: clinical.save_notes(signed.id, signed.version, NotesInput("changed")),
        lambda: clinical.add_diagnosis(signed.id, signed.version, DiagnosisInput("late")),
        lambda: clinical.sign(signed.id, signed.version),
        lambda: ward.nurse.clinical.record_vitals(signed.id, signed.version, VitalsInput(pulse_bpm=70)),
    ):
        with pytest.raises(ConflictError, match="signed on .* can no longer be changed.*addendum"):
            attempt()
    after = clinical.add_addendum(signed.id, "Patient called: cough settled.")
    (addendum,) = after.addenda
    assert (addendum.author, addendum.text) == ("Priya", "Patient called: cough settled.")
    assert addendum.at >= signed.signed_at
    assert after.complaint == signed.complaint == ""
    with pytest.raises(ValidationError):
        clinical.add_addendum(signed.id, "   ")


def test_a_stale_version_is_refused_with_the_visit_as_it_is(ward: Ward):
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    newer = ward.nurse.clinical.record_vitals(visit.id, visit.version, VitalsInput(pulse_bpm=70))
    with pytest.raises(ConflictError) as caught:
        ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput("cough"))
    assert caught.value.current.version == newer.version and len(caught.value.current.vitals) == 1
    assert ward.doctor.clinical.get_visit(visit.id).complaint == ""


def test_prescribing_against_a_recorded_allergy_needs_confirmation(ward: Ward):
    ward.nurse.clinical.record_allergy(ward.patient_id, AllergyInput("Penicillin", "rash", "severe"))
    clinical = ward.doctor.clinical
    visit = clinical.open_for_appointment(ward.appointment_id)
    with pytest.raises(ValidationError) as caught:
        clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Penicillin V", "250 mg"))
    assert "allergy to Penicillin" in caught.value.fields["medicine"]
    # The allergies typed at registration count too.
    with pytest.raises(ValidationError, match="allergy to latex"):
        clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Latex"))
    assert clinical.get_visit(visit.id).prescriptions == ()
    with pytest.raises(AllergyWarning) as warned:
        clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Penicillin V", "250 mg"))
    assert warned.value.allergy == "Penicillin"
    # Going past the warning needs a reason, in words.
    with pytest.raises(ValidationError) as caught:
        clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Penicillin V", "250 mg"),
                                  confirm_allergy=True, override_reason="  ")
    assert "Say why Penicillin V is prescribed" in caught.value.fields["override_reason"]
    visit = clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Penicillin V", "250 mg"),
                                      confirm_allergy=True, override_reason="Tolerated it in 2024, rash was mild")
    visit = clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Cetirizine", "10 mg"))
    assert [(p.medicine, p.allergy_override, p.allergy_override_reason) for p in visit.prescriptions] == [
        ("Penicillin V", "Penicillin", "Tolerated it in 2024, rash was mild"), ("Cetirizine", "", "")]
    assert [a.substance for a in visit.allergies] == ["Penicillin"]


def test_an_unknown_icd10_code_is_refused(ward: Ward):
    clinical = ward.doctor.clinical
    visit = clinical.open_for_appointment(ward.appointment_id)
    for code in ("J99.99", "A00-A09", "hello"):
        with pytest.raises(ValidationError) as caught:
            clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("x", code))
        assert "is not an ICD-10 code" in caught.value.fields["icd10_code"]
    with pytest.raises(ValidationError):
        clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("  "))


def test_icd10_search_by_code_and_words(ward: Ward):
    found = ward.doctor.clinical.search_icd10("J45")
    assert found[0].code == "J45" and all(c.code.startswith("J45") for c in found)
    assert [c.code for c in ward.nurse.clinical.search_icd10("asth unspec")] == ["J45.9"]
    assert len(ward.doctor.clinical.search_icd10("fever", limit=3)) == 3
    assert ward.doctor.clinical.search_icd10("zzzz") == []


def test_every_read_leaves_an_audit_row_with_who_and_where(ward: Ward):
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    before = len(opened_rows(ward))
    ward.nurse.clinical.get_visit(visit.id)
    ward.doctor.clinical.patient_visits(ward.patient_id)
    ward.other_doctor.clinical.allergies(ward.patient_id)
    ward.doctor.clinical.open_for_appointment(ward.appointment_id)  # opening the existing visit again
    rows = opened_rows(ward)[before:]
    assert [who for who, _, _ in rows] == ["nina", "priya", "omar", "priya"]
    assert all(where == ward.nurse.identity.workstation and where for _, where, _ in rows)
    assert all(sealed is not None for _, _, sealed in rows)  # sealed into the audit chain
    log = ward.admin.clinical.access_log(ward.patient_id)
    assert [(e.who, e.action) for e in log[:4]] == [
        ("priya", "clinical.opened"), ("omar", "clinical.opened"), ("priya", "clinical.opened"),
        ("nina", "clinical.opened")]
    assert log[-1].action == "clinical.visit_started" and log[-1].workstation


def test_audit_rows_hold_no_clinical_text(ward: Ward):
    clinical = ward.doctor.clinical
    visit = clinical.open_for_appointment(ward.appointment_id)
    visit = clinical.save_notes(visit.id, visit.version, NotesInput("Embarrassing secret complaint"))
    clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Sildenafil"))
    with ward.admin.db.read() as session:
        text = " ".join(f"{r.summary} {r.changes}" for r in session.scalars(select(AuditEntry)))
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action.like("clinical.%"))) >= 3
    assert "secret" not in text and "Sildenafil" not in text


def test_a_visit_without_an_appointment(ward: Ward):
    visit = ward.other_doctor.clinical.start_without_appointment(ward.patient_id)
    assert visit.appointment_id is None and visit.doctor_name == "Dr Omar Said"
    history = ward.doctor.clinical.patient_visits(ward.patient_id)
    assert [v.id for v in history] == [visit.id]
