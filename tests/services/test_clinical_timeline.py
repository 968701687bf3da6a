"""The patient's clinical history (the timeline screen's one call): every visit in full, newest
first, loaded in a fixed number of queries, audited, and refused to those who may not read it."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from hms_desktop.models import AuditEntry
from hms_desktop.services.clinical import DiagnosisInput, NotesInput, PrescriptionInput, VitalsInput
from hms_desktop.services.errors import PermissionDenied
from tests.services.conftest import Ward


def _visit_with_lines(ward: Ward, weight: float, complaint: str):
    clinical = ward.doctor.clinical
    visit = clinical.start_without_appointment(ward.patient_id)
    visit = clinical.save_notes(visit.id, visit.version, NotesInput(complaint=complaint))
    visit = clinical.record_vitals(visit.id, visit.version, VitalsInput(weight_kg=weight, systolic_mmhg=128,
                                                                        diastolic_mmhg=84))
    visit = clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("", "J45.9"))
    visit = clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Salbutamol", "100 mcg"))
    return clinical.sign(visit.id, visit.version)


def test_the_timeline_holds_every_visit_in_full_newest_first(ward: Ward):
    first = _visit_with_lines(ward, 70.0, "wheeze")
    second = _visit_with_lines(ward, 68.5, "wheeze again")
    ward.doctor.clinical.add_addendum(first.id, "Peak flow normal on review.")
    # A nurse reads it too; each visit carries its own lines, not its neighbour's.
    timeline = ward.nurse.clinical.patient_timeline(ward.patient_id)
    assert [v.id for v in timeline] == [second.id, first.id]
    assert [v.complaint for v in timeline] == ["wheeze again", "wheeze"]
    assert [[r.weight_kg for r in v.vitals] for v in timeline] == [[68.5], [70.0]]
    assert [[d.icd10_code for d in v.diagnoses] for v in timeline] == [["J45.9"], ["J45.9"]]
    assert timeline[0].diagnoses[0].icd10_description == "Asthma, unspecified"
    assert [[p.medicine for p in v.prescriptions] for v in timeline] == [["Salbutamol"], ["Salbutamol"]]
    assert [[a.text for a in v.addenda] for v in timeline] == [[], ["Peak flow normal on review."]]
    assert all(v.signed and v.vitals[0].taken_by for v in timeline)
    assert ward.doctor.clinical.patient_timeline(ward.patient_id, limit=1)[0].id == second.id


def test_the_timeline_costs_the_same_queries_for_many_visits(ward: Ward):
    for n in range(6):
        _visit_with_lines(ward, 60.0 + n, f"visit {n}")
    statements: list[str] = []
    engine = ward.nurse.db.engine

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        ward.nurse.clinical.patient_timeline(ward.patient_id, limit=1)
        one = len(statements)
        statements.clear()
        assert len(ward.nurse.clinical.patient_timeline(ward.patient_id)) == 6
        six = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert six == one


def test_the_timeline_is_audited_and_closed_to_the_front_desk(ward: Ward):
    _visit_with_lines(ward, 70.0, "wheeze")
    ward.nurse.clinical.patient_timeline(ward.patient_id)
    with ward.admin.db.read() as session:
        summaries = session.scalars(select(AuditEntry.summary).where(
            AuditEntry.entity_type == "patient", AuditEntry.entity_id == str(ward.patient_id),
            AuditEntry.action == "clinical.opened")).all()
    assert "Opened the clinical history" in summaries
    for desk in (ward.receptionist, ward.admin):
        with pytest.raises(PermissionDenied):
            desk.clinical.patient_timeline(ward.patient_id)
