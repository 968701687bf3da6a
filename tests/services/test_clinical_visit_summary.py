"""The visit summary PDF on both databases: what it says (read back from the PDF), archived at
first print, a COPY when reprinted, a new original once an addendum is added, refused to the front
desk, and every print audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hms_desktop.models import AuditEntry
from hms_desktop.services.clinical import VitalsInput
from hms_desktop.services.errors import PermissionDenied
from tests.documents.pdf_text import text
from tests.services.conftest import Ward
from tests.services.test_clinical_printing import written_visit


def test_the_summary_says_what_happened_at_the_visit(ward: Ward):
    visit = written_visit(ward)
    c = ward.doctor.clinical
    visit = c.record_vitals(visit.id, visit.version, VitalsInput(temperature_c=38.2, pulse_bpm=96, systolic_mmhg=124,
                                                                 diastolic_mmhg=80, weight_kg=62.0, height_cm=160.0))
    visit = c.sign(visit.id, visit.version)
    printed = ward.doctor.clinical_documents.visit_summary_pdf(visit.id)
    assert not printed.copy and printed.number == f"VS-{visit.id:06d}/{visit.version}"
    words = text(printed.pdf)
    for expected in ("Visit summary", printed.number, "Dr Priya Nair", "Reg. no. KMC 45123", "Asha Rao",
                     "Signed", "by Priya", "Presenting complaint", "Cough",
                     "Temperature 38.2 °C · Pulse 96 beats/min · BP 124/80 mmHg · Weight 62.0 kg · Height 160.0 cm",
                     "BMI 24.2", "Acute bronchitis, unspecified (J20.9)", "Amoxicillin 500 mg capsule",
                     "Paracetamol 650 mg tablet", "Steam inhalation twice daily", "Follow-up on Monday 14 January 2030",
                     "Penicillin"):
        assert expected in words, expected
    assert "Addenda" not in words


def test_a_reprint_is_a_copy_and_an_addendum_makes_a_new_original(ward: Ward):
    visit = written_visit(ward)
    visit = ward.doctor.clinical.sign(visit.id, visit.version)
    documents = ward.doctor.clinical_documents
    first = documents.visit_summary_pdf(visit.id)
    again = ward.nurse.clinical_documents.visit_summary_pdf(visit.id)
    assert again.copy and again.sha256 == first.sha256 and "COPY" in text(again.pdf)
    ward.doctor.clinical.add_addendum(visit.id, "Sputum culture: no growth.")
    amended = documents.visit_summary_pdf(visit.id)
    assert not amended.copy and amended.number == f"{first.number}+1"
    assert "Sputum culture: no growth." in text(amended.pdf)
    with ward.admin.db.read() as session:
        summaries = session.scalars(select(AuditEntry.summary).where(
            AuditEntry.entity_type == "patient", AuditEntry.entity_id == str(ward.patient_id),
            AuditEntry.action == "clinical.opened")).all()
    assert summaries.count(f"Printed the summary of visit {visit.id}") == 3


def test_the_front_desk_cannot_print_a_summary(ward: Ward):
    visit = written_visit(ward)
    for desk in (ward.receptionist, ward.admin):
        with pytest.raises(PermissionDenied):
            desk.clinical_documents.visit_summary_pdf(visit.id)
