"""The prescription on paper, through the one documents home and the one archive: printed once
(archived with its SHA-256), a reprint is the archived original stamped COPY.

A prescription is archived per visit and version ("RX-000012/3"): printing a draft, changing it and
printing again gives a new original, while printing the same version again gives a COPY."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...models import (
    Addendum,
    Diagnosis,
    Doctor,
    Patient,
    PatientAllergy,
    Prescription,
    StaffAccount,
    Visit,
    VisitStatus,
    VitalsReading,
)
from ...models.base import utcnow
from .. import documents as docs
from ..archive import PrintedDocument, print_once
from ..date_input import age_on
from ..errors import NotFound
from ..permissions import Permission
from ..settings import SettingsService, clinic_zone
from ..unit_of_work import UnitOfWork, UnitsOfWork
from .allergy_match import substances_in
from .vitals import VITAL_SIGNS, describe_readings


class ClinicalDocuments:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units
        self.clock = utcnow  # tests pin it

    def prescription_pdf(self, visit_id: int) -> PrintedDocument:
        """The A5 prescription of the visit as it is now (CLINICAL_READ; audited as an opening of
        the patient's record and as a print)."""
        with self._units.write(Permission.CLINICAL_READ) as uow:
            visit = uow.session.get(Visit, visit_id)
            if visit is None:
                raise NotFound("That visit does not exist.")
            number = f"RX-{visit.id:06d}/{visit.version}"
            zone = clinic_zone(uow.session)
            uow.audit("clinical.opened", entity_type="patient", entity_id=visit.patient_id,
                      summary=f"Printed the prescription of visit {visit.id}")
            return print_once(uow, "prescription", number,
                              lambda: docs.render_prescription(_document(uow, visit, number)),
                              now=self.clock(), zone=zone, words="prescription")


    def visit_summary_pdf(self, visit_id: int) -> PrintedDocument:
        """The A4 summary of the visit as it is now: notes, vitals, diagnoses, medicines, advice and
        addenda (CLINICAL_READ; audited as an opening and as a print). Archived per visit, version
        and number of addenda ("VS-000012/3+1"): an addendum makes a new original."""
        with self._units.write(Permission.CLINICAL_READ) as uow:
            visit = uow.session.get(Visit, visit_id)
            if visit is None:
                raise NotFound("That visit does not exist.")
            addenda = uow.session.scalars(select(Addendum).where(Addendum.visit_id == visit.id)
                                          .order_by(Addendum.id)).all()
            number = f"VS-{visit.id:06d}/{visit.version}" + (f"+{len(addenda)}" if addenda else "")
            zone = clinic_zone(uow.session)
            uow.audit("clinical.opened", entity_type="patient", entity_id=visit.patient_id,
                      summary=f"Printed the summary of visit {visit.id}")

            def render() -> bytes:
                def local(when: datetime) -> str:
                    return f"{when.astimezone(zone):%d %b %Y %H:%M}"

                signer = uow.session.get(StaffAccount, visit.signed_by_id) if visit.signed_by_id else None
                status = (f"Signed {local(visit.signed_at)} by {signer.full_name if signer else 'the doctor'}"
                          if visit.status == VisitStatus.SIGNED and visit.signed_at else "Draft, not signed")
                readings = uow.session.scalars(select(VitalsReading).where(VitalsReading.visit_id == visit.id)
                                               .order_by(VitalsReading.id)).all()
                vitals = tuple((local(r.taken_at), describe_readings({s.field: getattr(r, s.field) for s in VITAL_SIGNS}))
                               for r in readings)
                return docs.render_visit_summary(docs.VisitSummaryDocument(
                    header=_document(uow, visit, number), status=status, complaint=visit.complaint,
                    examination=visit.examination, vitals=vitals,
                    addenda=tuple((f"{local(a.at)} {a.author_name}", a.text) for a in addenda)))

            return print_once(uow, "visit_summary", number, render, now=self.clock(), zone=zone, words="visit summary")


def _document(uow: UnitOfWork, visit: Visit, number: str) -> docs.Prescription:
    s = uow.session
    settings = SettingsService._stored(s)
    patient = s.get(Patient, visit.patient_id)
    doctor = s.get(Doctor, visit.doctor_id)
    assert patient is not None and doctor is not None
    day = visit.started_at.astimezone(clinic_zone(s)).date()
    years = age_on(patient.date_of_birth, day)
    age = f"{years} y" if years >= 2 else f"{max(0, (day - patient.date_of_birth).days // 30)} mo"
    if patient.dob_estimated:
        age = f"about {age}"
    items = s.scalars(select(Prescription).where(Prescription.visit_id == visit.id).order_by(Prescription.id)).all()
    diagnoses = s.scalars(select(Diagnosis).where(Diagnosis.visit_id == visit.id).order_by(Diagnosis.id)).all()
    allergies = [a.substance for a in s.scalars(select(PatientAllergy).where(PatientAllergy.patient_id == patient.id)
                                                .order_by(PatientAllergy.id))]
    allergies += [a for a in substances_in(patient.allergies) if a.casefold() not in {x.casefold() for x in allergies}]
    return docs.Prescription(
        clinic=docs.Clinic(name=settings.clinic_name, address=settings.clinic_address, phone=settings.clinic_phone),
        reference=number, issued_on=day, doctor_name=doctor.full_name, doctor_qualifications=doctor.qualifications,
        doctor_registration=doctor.registration_number,
        patient_name=f"{patient.given_name} {patient.family_name}".strip(), patient_mrn=patient.mrn,
        patient_age=age, patient_sex=patient.sex.capitalize() if patient.sex != "unknown" else "",
        medicines=tuple(docs.Medicine(p.medicine, p.strength, p.form, p.dose, p.frequency, p.route, p.duration,
                                      p.quantity, p.instructions) for p in items),
        diagnoses=tuple(f"{d.text} ({d.icd10_code})" if d.icd10_code else d.text for d in diagnoses),
        advice=visit.advice, follow_up_on=visit.follow_up_on, allergies=tuple(allergies),
    )
