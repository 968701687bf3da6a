"""A patient's record as a FHIR R4 Bundle (type "collection"): Patient, and per visit an Encounter,
an Observation per vital sign (LOINC-coded, UCUM units; blood pressure as one panel with its two
components; BMI derived), a Condition per diagnosis (ICD-10 when coded) and a MedicationRequest per
prescribed medicine; and a DocumentReference per attachment (lab report, scan, letter) not removed.
Plain JSON-ready dicts; tests validate them with fhir.resources.

Attachments travel inline (``content.attachment.data``, base64): the export is how the record leaves
the clinic, and an attachment here has no URL anyone outside could follow (it is never reachable by
a path), so a reference without its bytes would describe a document the receiver cannot get. The
bundle grows by a third of the files' size, which an export file can afford. ``size`` and the
content type go with it; ``hash`` is the SHA-1 FHIR R4 defines, worked out from the bytes, and the
SHA-256 the clinic keeps is an identifier (system ``urn:hms-desktop:sha256``). A stored copy whose
bytes no longer match its SHA-256 is exported without data, its description saying so.

Ids are stable (UUIDv5 from the clinic's own ids), so exporting twice gives the same references.
Exporting is CLINICAL_EXPORT (administrators, the command line) and is audited on the patient.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ...models import (
    Attachment,
    AttachmentBlob,
    Diagnosis,
    Doctor,
    Patient,
    Prescription,
    Visit,
    VitalsReading,
    utcnow,
)
from ..errors import NotFound
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from .vitals import bmi

MRN_SYSTEM = "urn:hms-desktop:mrn"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
_NS = uuid.UUID("6f0c8a52-3d7e-4b1a-9a51-0d6c1f6f2a10")
# field -> (LOINC code, display, UCUM unit)
_VITALS = {
    "temperature_c": ("8310-5", "Body temperature", "Cel"),
    "pulse_bpm": ("8867-4", "Heart rate", "/min"),
    "respiratory_rate": ("9279-1", "Respiratory rate", "/min"),
    "spo2_percent": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "weight_kg": ("29463-7", "Body weight", "kg"),
    "height_cm": ("8302-2", "Body height", "cm"),
}
_BP = ("85354-9", "Blood pressure panel with all children optional")
_SYSTOLIC = ("8480-6", "Systolic blood pressure")
_DIASTOLIC = ("8462-4", "Diastolic blood pressure")
_BMI = ("39156-5", "Body mass index (BMI) [Ratio]", "kg/m2")
SHA256_SYSTEM = "urn:hms-desktop:sha256"
# attachment kind -> LOINC document type (None: described in words only)
_DOCUMENT_TYPES = {"lab_report": ("11502-2", "Laboratory report"),
                   "imaging": ("18748-4", "Diagnostic imaging study"),
                   "letter": ("51852-2", "Letter"), "other": None}


def _urn(*parts: object) -> str:
    return f"urn:uuid:{uuid.uuid5(_NS, '/'.join(map(str, parts)))}"


def _when(moment: datetime) -> str:
    return moment.isoformat()


def _quantity(value: float | int, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _concept(code: str, display: str, system: str = LOINC) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


class FhirExport:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def patient_bundle(self, mrn: str) -> dict[str, Any]:
        """The patient with this MRN and all their visits as one FHIR R4 collection Bundle."""
        with self._units.read(Permission.CLINICAL_EXPORT) as uow:
            s = uow.session
            patient = s.scalar(select(Patient).where(Patient.mrn == mrn.strip()))
            if patient is None:
                raise NotFound(f"No patient has the MRN {mrn.strip()}.")
            entries: list[tuple[str, dict[str, Any]]] = []
            patient_ref = _urn("patient", patient.id)
            telecom = [{"system": "phone", "value": patient.phone}] if patient.phone else []
            if patient.email:
                telecom.append({"system": "email", "value": patient.email})
            primary = s.get(Doctor, patient.primary_doctor_id) if patient.primary_doctor_id is not None else None
            # The primary doctor as a display-only reference, as the Encounter names its doctor.
            practitioner = [{"display": primary.full_name}] if primary is not None else []
            entries.append((patient_ref, {
                "resourceType": "Patient",
                "identifier": [{"system": MRN_SYSTEM, "value": patient.mrn}],
                "name": [{"family": patient.family_name, "given": [patient.given_name]}] if patient.family_name
                else [{"given": [patient.given_name]}],
                "gender": patient.sex if patient.sex in ("female", "male", "other", "unknown") else "unknown",
                "birthDate": patient.date_of_birth.isoformat(),
                **({"telecom": telecom} if telecom else {}),
                **({"generalPractitioner": practitioner} if practitioner else {}),
            }))
            visits = s.scalars(select(Visit).where(Visit.patient_id == patient.id).order_by(Visit.started_at)).all()
            doctors = {d.id: d.full_name for d in s.scalars(select(Doctor).where(
                Doctor.id.in_({v.doctor_id for v in visits})))} if visits else {}
            for visit in visits:
                entries += self._visit(s, visit, patient_ref, doctors.get(visit.doctor_id, ""))
            documents = self._documents(s, patient.id, patient_ref)
            entries += documents
            uow.audit("clinical.exported", entity_type="patient", entity_id=patient.id,
                      summary=f"Exported the record as FHIR ({len(visits)} visits, {len(documents)} documents)")
            return {
                "resourceType": "Bundle", "type": "collection", "timestamp": _when(utcnow()),
                "identifier": {"system": MRN_SYSTEM, "value": patient.mrn},
                "entry": [{"fullUrl": url, "resource": resource} for url, resource in entries],
            }

    @staticmethod
    def _documents(s, patient_id: int, patient_ref: str) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
        from .attachments import KINDS

        out: list[tuple[str, dict[str, Any]]] = []
        rows = s.scalars(select(Attachment).where(Attachment.patient_id == patient_id,
                                                  Attachment.removed_at.is_(None))
                         .order_by(Attachment.added_at, Attachment.id)).all()
        for row in rows:
            data = s.scalar(select(AttachmentBlob.content).where(AttachmentBlob.attachment_id == row.id))
            data = bytes(data) if data is not None else b""
            intact = len(data) == row.size_bytes and hashlib.sha256(data).hexdigest() == row.sha256
            attachment: dict[str, Any] = {"contentType": row.content_type, "size": row.size_bytes,
                                          "title": row.file_name, "creation": _when(row.added_at)}
            if intact:
                attachment["data"] = base64.b64encode(data).decode("ascii")
                attachment["hash"] = base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324 (FHIR's)
            kind = _DOCUMENT_TYPES.get(row.kind)
            out.append((_urn("attachment", row.id), {
                "resourceType": "DocumentReference",
                "identifier": [{"system": "urn:hms-desktop:attachment", "value": str(row.id)},
                               {"system": SHA256_SYSTEM, "value": row.sha256}],
                "status": "current",
                "type": _concept(*kind) if kind else {"text": KINDS.get(row.kind, row.kind)},
                "subject": {"reference": patient_ref},
                "date": _when(row.added_at),
                **({"author": [{"display": row.added_by_name}]} if row.added_by_name else {}),
                "description": row.title if intact else
                f"{row.title} (the stored copy was damaged; its contents are not included)",
                "content": [{"attachment": attachment}],
                **({"context": {"encounter": [{"reference": _urn("visit", row.visit_id)}]}}
                   if row.visit_id is not None else {}),
            }))
        return out

    @staticmethod
    def _visit(s, visit: Visit, patient_ref: str, doctor: str) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
        subject = {"reference": patient_ref}
        encounter_ref = _urn("visit", visit.id)
        encounter = {"reference": encounter_ref}
        out: list[tuple[str, dict[str, Any]]] = [(encounter_ref, {
            "resourceType": "Encounter",
            "identifier": [{"system": "urn:hms-desktop:visit", "value": str(visit.id)}],
            "status": "finished" if visit.status == "signed" else "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB",
                      "display": "ambulatory"},
            "subject": subject,
            **({"participant": [{"individual": {"display": doctor}}]} if doctor else {}),
            "period": {"start": _when(visit.started_at), **({"end": _when(visit.signed_at)} if visit.signed_at else {})},
            **({"reasonCode": [{"text": visit.complaint}]} if visit.complaint else {}),
        })]
        category = [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                 "code": "vital-signs", "display": "Vital Signs"}]}]
        status = "final" if visit.status == "signed" else "preliminary"
        for reading in s.scalars(select(VitalsReading).where(VitalsReading.visit_id == visit.id)
                                 .order_by(VitalsReading.id)):
            def observation(key: str, code: tuple[str, str], reading: VitalsReading = reading,
                            **body: Any) -> tuple[str, dict[str, Any]]:
                return (_urn("vitals", reading.id, key), {
                    "resourceType": "Observation", "status": status, "category": category,
                    "code": _concept(*code), "subject": subject, "encounter": encounter,
                    "effectiveDateTime": _when(reading.taken_at), **body})
            for field, (code, display, unit) in _VITALS.items():
                value = getattr(reading, field)
                if value is not None:
                    out.append(observation(field, (code, display), valueQuantity=_quantity(value, unit)))
            if reading.systolic_mmhg is not None and reading.diastolic_mmhg is not None:
                out.append(observation("bp", _BP, component=[
                    {"code": _concept(*_SYSTOLIC), "valueQuantity": _quantity(reading.systolic_mmhg, "mm[Hg]")},
                    {"code": _concept(*_DIASTOLIC), "valueQuantity": _quantity(reading.diastolic_mmhg, "mm[Hg]")},
                ]))
            index = bmi(reading.weight_kg, reading.height_cm)
            if index is not None:
                out.append(observation("bmi", _BMI[:2], valueQuantity=_quantity(index, _BMI[2])))
        for d in s.scalars(select(Diagnosis).where(Diagnosis.visit_id == visit.id).order_by(Diagnosis.id)):
            code: dict[str, Any] = {"text": d.text}
            if d.icd10_code:
                code["coding"] = [{"system": ICD10, "code": d.icd10_code}]
            out.append((_urn("diagnosis", d.id), {
                "resourceType": "Condition",
                "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                               "code": "active"}]},
                "code": code, "subject": subject, "encounter": encounter, "recordedDate": _when(d.created_at),
            }))
        for p in s.scalars(select(Prescription).where(Prescription.visit_id == visit.id).order_by(Prescription.id)):
            how = ", ".join(x for x in (p.dose, p.frequency, p.route, f"for {p.duration}" if p.duration else "") if x)
            dosage: dict[str, Any] = {"text": how or p.medicine}
            if p.instructions:
                dosage["patientInstruction"] = p.instructions
            if p.route:
                dosage["route"] = {"text": p.route}
            out.append((_urn("prescription", p.id), {
                "resourceType": "MedicationRequest",
                "status": "active" if visit.status == "signed" else "draft",
                "intent": "order",
                "medicationCodeableConcept": {"text": " ".join(x for x in (p.medicine, p.strength, p.form) if x)},
                "subject": subject, "encounter": encounter, "authoredOn": _when(p.created_at),
                **({"requester": {"display": doctor}} if doctor else {}),
                "dosageInstruction": [dosage],
                **({"note": [{"text": f"Quantity: {p.quantity}"}]} if p.quantity else {}),
            }))
        return out
