"""The prescription PDF on both databases: what is printed (read back from the PDF), archived at
first print, reprinted as a COPY of the archived original, a new original after a change."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from hms_desktop.models import ArchivedDocument
from hms_desktop.services.clinical import AllergyInput, DiagnosisInput, NotesInput, PrescriptionInput
from hms_desktop.services.date_input import age_on
from tests.documents.pdf_text import text
from tests.services.conftest import KOLKATA, Ward


def written_visit(ward: Ward):
    current = ward.admin.doctors.get(ward.doctor_id)
    ward.admin.doctors.update(current.id, current.version,
                              current.as_input().__class__(**{**current.as_input().__dict__,
                                                              "registration_number": "KMC 45123"}))
    ward.nurse.clinical.record_allergy(ward.patient_id, AllergyInput("Penicillin", "rash"))
    c = ward.doctor.clinical
    visit = c.open_for_appointment(ward.appointment_id)
    visit = c.save_notes(visit.id, visit.version, NotesInput("Cough", "", "Steam inhalation twice daily",
                                                              date(2030, 1, 14)))
    visit = c.add_diagnosis(visit.id, visit.version, DiagnosisInput("", "J20.9"))
    visit = c.add_prescription(visit.id, visit.version, PrescriptionInput(
        "Amoxicillin", "500 mg", "capsule", "1 capsule", "three times a day", "oral", "5 days", "15", "after food"))
    return c.add_prescription(visit.id, visit.version, PrescriptionInput(
        "Paracetamol", "650 mg", "tablet", "1 tablet", "when needed", "oral", "3 days", "6", "not more than 4 a day"))


def test_the_prescription_says_what_was_prescribed(ward: Ward):
    visit = written_visit(ward)
    printed = ward.doctor.clinical_documents.prescription_pdf(visit.id)
    assert not printed.copy and printed.sha256 == hashlib.sha256(printed.pdf).hexdigest()
    words = text(printed.pdf)
    day = visit.started_at.astimezone(KOLKATA).date()  # visits are dated by the real clock
    age = age_on(date(1985, 4, 2), day)
    for expected in ("HMS Clinic", "Prescription", f"RX-{visit.id:06d}/{visit.version}", "Dr Priya Nair",
                     "MBBS, MD", "Reg. no. KMC 45123", "Asha Rao", visit.mrn, f"{age} y / Female", f"{day:%d %B %Y}",
                     "Acute bronchitis, unspecified (J20.9)", "Penicillin", "Sulfa drugs", "latex",
                     "Amoxicillin 500 mg capsule", "1 capsule, three times a day, oral, for 5 days (qty 15)",
                     "after food", "Paracetamol 650 mg tablet", "not more than 4 a day",
                     "Steam inhalation twice daily", "Follow-up on Monday 14 January 2030", "Signature"):
        assert expected in words, expected
    if out := os.environ.get("HMS_KEEP_PDF"):
        Path(out).write_bytes(printed.pdf)  # to look at it: HMS_KEEP_PDF=/tmp/rx.pdf pytest -k says
    assert printed.suggested_name == f"RX-{visit.id:06d}-{visit.version}.pdf"


def test_a_reprint_is_the_archived_original_stamped_copy(ward: Ward):
    visit = written_visit(ward)
    first = ward.doctor.clinical_documents.prescription_pdf(visit.id)
    again = ward.nurse.clinical_documents.prescription_pdf(visit.id)
    assert again.copy and again.sha256 == first.sha256 and "COPY" in text(again.pdf)
    assert "Reprinted" in text(again.pdf) and "Nina" in text(again.pdf)
    assert "COPY" not in text(first.pdf)
    # A change makes a new version, and so a new original.
    changed = ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput("Cough, worse at night"))
    fresh = ward.doctor.clinical_documents.prescription_pdf(changed.id)
    assert not fresh.copy and fresh.number == f"RX-{visit.id:06d}/{changed.version}"
    with ward.admin.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ArchivedDocument)
                              .where(ArchivedDocument.kind == "prescription")) == 2
    log = [(e.who, e.summary) for e in ward.admin.clinical.access_log(ward.patient_id)]
    assert ("nina", f"Printed the prescription of visit {visit.id}") in log
