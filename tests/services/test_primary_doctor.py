"""A patient's primary doctor, on both databases: set at registration and on edit (audited as a
change of the record, with the version check every edit has), kept when the form says nothing
new, refused in words for a doctor who left or a value that is not a doctor."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from hms_desktop.services.errors import ValidationError
from hms_desktop.services.patients import PatientInput, PrimaryDoctor
from tests.services.conftest import Clinic, Ward, make_doctor

ASHA = PatientInput(given_name="Asha", family_name="Rao", sex="female", date_of_birth=date(1985, 4, 2))


def test_set_at_registration_changed_on_edit_and_audited(clinic: Clinic):
    svc = clinic.svc
    patient = svc.patients.register(dataclasses.replace(ASHA, primary_doctor_id=clinic.doctor.id))
    assert svc.patients.get(patient.id).primary_doctor_id == clinic.doctor.id
    other = make_doctor(svc, "Dr Omar Said")
    changed = svc.patients.update(patient.id, patient.version, dataclasses.replace(ASHA, primary_doctor_id=other.id))
    assert changed.primary_doctor_id == other.id and changed.version > patient.version
    entry = next(e for e in svc.audit.recent() if e.action == "patient.changed")
    assert entry.changes == {"primary_doctor_id": [clinic.doctor.id, other.id]}
    assert svc.patients.primary_doctor(patient.id) == PrimaryDoctor(other.id, "Dr Omar Said", True)
    cleared = svc.patients.update(patient.id, changed.version, ASHA)
    assert cleared.primary_doctor_id is None
    assert svc.patients.primary_doctor(patient.id) is None


def test_a_doctor_who_left_or_a_wrong_value_is_refused(clinic: Clinic):
    svc = clinic.svc
    gone = make_doctor(svc, "Dr Gone Away")
    patient = svc.patients.register(dataclasses.replace(ASHA, primary_doctor_id=gone.id))
    current = svc.doctors.get(gone.id)
    svc.doctors.set_active(gone.id, current.version, False)
    # The doctor already set may stay (the rest of the record can still be edited)...
    kept = svc.patients.update(patient.id, patient.version,
                               dataclasses.replace(ASHA, phone="+91 98450 12345", primary_doctor_id=gone.id))
    assert kept.primary_doctor_id == gone.id
    # ...but nobody newly chooses them, and a value that is not a doctor id is refused before any write.
    with pytest.raises(ValidationError) as left:
        svc.patients.register(dataclasses.replace(ASHA, given_name="Ravi", primary_doctor_id=gone.id))
    assert left.value.fields == {"primary_doctor_id": "That doctor no longer works here: choose another, or nobody."}
    with pytest.raises(ValidationError) as unknown:
        svc.patients.register(dataclasses.replace(ASHA, given_name="Ravi", primary_doctor_id=999_999))
    assert "primary_doctor_id" in unknown.value.fields
    with pytest.raises(ValidationError) as wrong:
        svc.patients.register(dataclasses.replace(ASHA, given_name="Ravi", primary_doctor_id="Dr X"))  # type: ignore[arg-type]
    assert wrong.value.fields == {"primary_doctor_id": "Choose the primary doctor from the list, or nobody."}
    assert svc.patients.count() == 5  # the four of the fixture, and Asha


def test_the_fhir_export_names_the_primary_doctor(ward: Ward):
    from fhir.resources.R4B.bundle import Bundle

    record = ward.admin.patients.get(ward.patient_id)
    bare = Bundle.model_validate(json.loads(json.dumps(ward.admin.fhir.patient_bundle(record.mrn))))
    assert bare.entry[0].resource.generalPractitioner is None  # nobody set: nothing said
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(PatientInput) if hasattr(record, f.name)}
    ward.admin.patients.update(record.id, record.version,
                               PatientInput(**{**fields, "primary_doctor_id": ward.doctor_id}))
    bundle = Bundle.model_validate(json.loads(json.dumps(ward.admin.fhir.patient_bundle(record.mrn))))
    patient = bundle.entry[0].resource
    assert patient.__resource_type__ == "Patient"
    assert [p.display for p in patient.generalPractitioner] == ["Dr Priya Nair"]
