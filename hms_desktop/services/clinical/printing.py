"""The prescription on paper, through the one documents home and the one archive: printed once
(archived with its SHA-256), a reprint is the archived original stamped COPY.

A prescription is archived per visit and version ("RX-000012/3"): printing a draft, changing it and
printing again gives a new original, while printing the same version again gives a COPY."""

from __future__ import annotations

from sqlalchemy import select

from ...models import Diagnosis, Doctor, Patient, PatientAllergy, Prescription, Visit
from ...models.base import utcnow
from .. import documents as docs
from ..archive import PrintedDocument, print_once
from ..date_input import age_on
from ..errors import NotFound
from ..permissions import Permission
from ..settings import SettingsService, clinic_zone
from ..unit_of_work import UnitOfWork, UnitsOfWork
from .allergy_match import substances_in


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
