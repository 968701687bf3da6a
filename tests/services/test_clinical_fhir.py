"""The FHIR export on both databases: the bundle validates with fhir.resources (R4B, the R4
release line's current package; these five resources are the same shape in R4) and the key fields
come back out as they went in; ``hms patient export`` writes the same bundle from a real process."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text

from hms_desktop.services.clinical import (
    AttachmentInput,
    DiagnosisInput,
    NotesInput,
    PrescriptionInput,
    VitalsInput,
)
from hms_desktop.services.errors import NotFound, PermissionDenied
from tests.services.conftest import Ward
from tests.support.sample_files import pdf_bytes, png_bytes
from tests.test_cli import hms


def written_record(ward: Ward) -> int:
    c = ward.doctor.clinical
    visit = c.open_for_appointment(ward.appointment_id)
    visit = c.save_notes(visit.id, visit.version, NotesInput("Cough for a week"))
    visit = ward.nurse.clinical.record_vitals(visit.id, visit.version, VitalsInput(
        temperature_c=37.9, pulse_bpm=88, systolic_mmhg=132, diastolic_mmhg=84, respiratory_rate=18,
        spo2_percent=97, weight_kg=64.5, height_cm=162.0))
    visit = c.add_diagnosis(visit.id, visit.version, DiagnosisInput("", "J20.9"))
    visit = c.add_diagnosis(visit.id, visit.version, DiagnosisInput("Poor sleep"))
    visit = c.add_prescription(visit.id, visit.version, PrescriptionInput(
        "Amoxicillin", "500 mg", "capsule", "1 capsule", "three times a day", "oral", "5 days", "15", "after food"))
    c.sign(visit.id, visit.version)
    c_docs = ward.doctor.attachments
    c_docs.add(ward.patient_id, AttachmentInput("Blood count", "lab_report", "cbc.pdf", REPORT, visit_id=visit.id))
    ward.nurse.attachments.add(ward.patient_id, AttachmentInput("Referral letter", "letter", "letter.png", LETTER))
    removed = ward.nurse.attachments.add(ward.patient_id, AttachmentInput("Wrong one", "other", "x.png", LETTER))
    ward.nurse.attachments.remove(removed.id, "Not this patient's")
    return visit.id


REPORT = pdf_bytes("Haemoglobin 13.2 g/dL")
LETTER = png_bytes(60, 80)


def encounter_url(bundle: Bundle) -> str:
    return next(e.fullUrl for e in bundle.entry if e.resource.__resource_type__ == "Encounter")


def check_bundle(data: dict, ward: Ward) -> None:
    raw = [e["resource"]["content"][0]["attachment"] for e in data["entry"]
           if e["resource"]["resourceType"] == "DocumentReference"]
    assert [base64.b64decode(a["data"], validate=True) for a in raw] == [REPORT, LETTER]  # base64 in the JSON
    bundle = Bundle.model_validate(data)  # raises on anything FHIR does not allow
    resources = [e.resource for e in bundle.entry]
    kinds = [r.__resource_type__ for r in resources]
    assert kinds.count("Patient") == 1 and kinds.count("Encounter") == 1
    assert kinds.count("Condition") == 2 and kinds.count("MedicationRequest") == 1
    patient = ward.admin.patients.get(ward.patient_id)
    (fhir_patient,) = [r for r in resources if r.__resource_type__ == "Patient"]
    assert fhir_patient.identifier[0].value == patient.mrn
    assert (fhir_patient.name[0].family, fhir_patient.name[0].given) == ("Rao", ["Asha"])
    assert (fhir_patient.gender, fhir_patient.birthDate.isoformat()) == ("female", "1985-04-02")
    (encounter,) = [r for r in resources if r.__resource_type__ == "Encounter"]
    assert encounter.status == "finished" and encounter.reasonCode[0].text == "Cough for a week"
    observations = {r.code.coding[0].code: r for r in resources if r.__resource_type__ == "Observation"}
    assert observations["8310-5"].valueQuantity.value == Decimal("37.9")
    assert observations["8310-5"].valueQuantity.code == "Cel"
    assert observations["8867-4"].valueQuantity.value == 88
    assert observations["59408-5"].valueQuantity.value == 97
    assert observations["39156-5"].valueQuantity.value == Decimal("24.6")  # BMI 64.5 kg / 1.62 m squared
    panel = observations["85354-9"]
    assert [(c.code.coding[0].code, c.valueQuantity.value) for c in panel.component] == [
        ("8480-6", 132), ("8462-4", 84)]
    conditions = [r for r in resources if r.__resource_type__ == "Condition"]
    assert conditions[0].code.coding[0].code == "J20.9" and conditions[0].code.coding[0].system.endswith("icd-10")
    assert conditions[1].code.text == "Poor sleep" and not conditions[1].code.coding
    (request,) = [r for r in resources if r.__resource_type__ == "MedicationRequest"]
    assert request.medicationCodeableConcept.text == "Amoxicillin 500 mg capsule"
    assert request.dosageInstruction[0].text == "1 capsule, three times a day, oral, for 5 days"
    assert request.dosageInstruction[0].patientInstruction == "after food"
    # The documents (not the removed one), inline, with their size, type, SHA-1 (FHIR's) and SHA-256.
    documents = [r for r in resources if r.__resource_type__ == "DocumentReference"]
    assert [d.description for d in documents] == ["Blood count", "Referral letter"]
    for document, data, content_type in zip(documents, (REPORT, LETTER), ("application/pdf", "image/png"),
                                            strict=True):
        attachment = document.content[0].attachment
        assert attachment.contentType == content_type and attachment.size == len(data)
        assert attachment.data == data  # fhir.resources decodes base64Binary as it validates
        assert attachment.hash == hashlib.sha1(data).digest()
        assert document.identifier[1].value == hashlib.sha256(data).hexdigest()
        assert document.status == "current" and document.subject.reference.startswith("urn:uuid:")
    assert documents[0].type.coding[0].code == "11502-2" and documents[1].type.coding[0].code == "51852-2"
    assert documents[0].context.encounter[0].reference == encounter_url(bundle)
    assert documents[1].context is None  # on the patient, not a visit
    # Every reference points at an entry of the bundle.
    urls = {e.fullUrl for e in bundle.entry}
    for r in resources:
        for ref in (getattr(r, "subject", None), getattr(r, "encounter", None)):
            assert ref is None or ref.reference in urls


def test_the_export_validates_and_round_trips(ward: Ward):
    written_record(ward)
    data = ward.admin.fhir.patient_bundle(ward.admin.patients.get(ward.patient_id).mrn)
    check_bundle(json.loads(json.dumps(data)), ward)
    assert ("clinical.exported", "admin") in {(e.action, e.who) for e in ward.admin.clinical.access_log(ward.patient_id)}
    with pytest.raises(NotFound):
        ward.admin.fhir.patient_bundle("99999999")
    for desk in (ward.doctor, ward.nurse, ward.receptionist):
        with pytest.raises(PermissionDenied):
            desk.fhir.patient_bundle("00000018")


def test_hms_patient_export_writes_the_bundle(ward: Ward, tmp_path):
    written_record(ward)
    mrn = ward.admin.patients.get(ward.patient_id).mrn
    url = ward.admin.db.url.render_as_string(hide_password=False)
    out = tmp_path / "asha.json"
    done = hms("--database", url, "patient", "export", "--mrn", mrn, "--format", "fhir", "--out", str(out),
               data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "1 Patient, 1 Encounter" in done.stderr and "1 MedicationRequest" in done.stderr
    check_bundle(json.loads(out.read_text(encoding="utf-8")), ward)
    missing = hms("--database", url, "patient", "export", "--mrn", "99999999", "--out", str(tmp_path / "x.json"),
                  data_dir=tmp_path)
    assert missing.returncode == 1 and "No patient has the MRN 99999999" in missing.stderr
    assert not (tmp_path / "x.json").exists()


def test_a_damaged_document_is_exported_without_its_bytes(ward: Ward):
    added = ward.doctor.attachments.add(ward.patient_id, AttachmentInput("Scan", "imaging", "s.png", LETTER))
    with ward.admin.db.engine.begin() as conn:
        conn.execute(text("UPDATE clinical_attachment_blobs SET content = :c WHERE attachment_id = :i"),
                     {"c": LETTER[:-4] + b"oops", "i": added.id})
    bundle = Bundle.model_validate(ward.admin.fhir.patient_bundle(ward.admin.patients.get(ward.patient_id).mrn))
    (document,) = [e.resource for e in bundle.entry if e.resource.__resource_type__ == "DocumentReference"]
    assert document.content[0].attachment.data is None and document.content[0].attachment.size == len(LETTER)
    assert "damaged" in document.description
