"""Who may call what on clinical records, role by role and call by call, on both databases: the
refusal is PermissionDenied, whatever the reason the call would otherwise fail for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hms_desktop.bootstrap import Services
from hms_desktop.services.clinical import (
    AllergyInput,
    DiagnosisInput,
    NotesInput,
    PrescriptionInput,
    VitalsInput,
)
from hms_desktop.services.errors import HmsError, PermissionDenied
from tests.services.conftest import Ward

READ = {"doctor", "other_doctor", "nurse"}
OWN = {"doctor"}  # the visit's own doctor only
DOCTORS = {"doctor", "other_doctor"}
Call = Callable[[Services, dict[str, int]], Any]

# call name -> (the desks allowed, how to call it). Stale versions (999) on purpose: the refusal
# must come before any version check.
MATRIX: dict[str, tuple[set[str], Call]] = {
    "get_visit": (READ, lambda s, ids: s.clinical.get_visit(ids["visit"])),
    "patient_visits": (READ, lambda s, ids: s.clinical.patient_visits(ids["patient"])),
    "allergies": (READ, lambda s, ids: s.clinical.allergies(ids["patient"])),
    "patient_timeline": (READ, lambda s, ids: s.clinical.patient_timeline(ids["patient"])),
    "search_icd10": (READ, lambda s, ids: s.clinical.search_icd10("J45")),
    "access_log": ({"admin"}, lambda s, ids: s.clinical.access_log(ids["patient"])),
    "open_for_appointment": (OWN | {"nurse"}, lambda s, ids: s.clinical.open_for_appointment(ids["appointment"])),
    "start_without_appointment": (DOCTORS, lambda s, ids: s.clinical.start_without_appointment(ids["patient"])),
    "save_notes": (OWN, lambda s, ids: s.clinical.save_notes(ids["visit"], 999, NotesInput("x"))),
    "record_vitals": (OWN | {"nurse"}, lambda s, ids: s.clinical.record_vitals(ids["visit"], 999, VitalsInput(pulse_bpm=70))),
    "add_diagnosis": (OWN, lambda s, ids: s.clinical.add_diagnosis(ids["visit"], 999, DiagnosisInput("x"))),
    "remove_diagnosis": (OWN, lambda s, ids: s.clinical.remove_diagnosis(ids["visit"], 999, 1)),
    "add_prescription": (OWN, lambda s, ids: s.clinical.add_prescription(ids["visit"], 999, PrescriptionInput("x"))),
    "remove_prescription": (OWN, lambda s, ids: s.clinical.remove_prescription(ids["visit"], 999, 1)),
    "sign": (OWN, lambda s, ids: s.clinical.sign(ids["visit"], 999)),
    "add_addendum": (OWN, lambda s, ids: s.clinical.add_addendum(ids["visit"], "x")),
    "record_allergy": (READ, lambda s, ids: s.clinical.record_allergy(ids["patient"], AllergyInput(""))),
    "remove_allergy": (READ, lambda s, ids: s.clinical.remove_allergy(999_999)),
}


def test_the_matrix_lists_every_call(ward: Ward):
    public = {n for n in dir(type(ward.admin.clinical)) if not n.startswith("_")}
    assert public == set(MATRIX)


def test_each_role_against_each_clinical_call(ward: Ward):
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    ids = {"visit": visit.id, "patient": ward.patient_id, "appointment": ward.appointment_id}
    outcomes = {}
    for desk_name, desk in ward.desks.items():
        for call_name, (_allowed, call) in MATRIX.items():
            try:
                call(desk, ids)
                outcome = "ok"
            except PermissionDenied:
                outcome = "denied"
            except HmsError:
                outcome = "ok"  # past the permission check, refused for another reason
            outcomes[(desk_name, call_name)] = outcome
    expected = {(d, c): "ok" if d in allowed else "denied" for d in ward.desks for c, (allowed, _) in MATRIX.items()}
    assert outcomes == expected


def test_a_receptionist_never_sees_clinical_text(ward: Ward):
    """Through every call open to the front desk: the patient record, the day lists, the audit log."""
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput("Secret complaint", "Secret exam"))
    desk = ward.receptionist
    seen = repr(desk.patients.get(ward.patient_id)) + repr(desk.scheduling.patient_appointments(ward.patient_id))
    assert "Secret" not in seen
