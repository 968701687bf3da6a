"""What the clinical service takes and gives: inputs, and frozen records of what is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .vitals import VitalsInput, bmi


@dataclass(frozen=True)
class NotesInput:
    """The visit's free text. Each is multi-line; follow_up_on is a clinic-local date or None."""

    complaint: str = ""
    examination: str = ""
    advice: str = ""  # orders and advice
    follow_up_on: date | None = None


@dataclass(frozen=True)
class DiagnosisInput:
    text: str
    icd10_code: str = ""  # optional; checked against the packaged ICD-10 code set


@dataclass(frozen=True)
class PrescriptionInput:
    medicine: str
    strength: str = ""  # "500 mg"
    form: str = ""  # tablet, syrup, ...
    dose: str = ""  # "1 tablet"
    frequency: str = ""  # "twice a day"
    route: str = ""  # oral, topical, ...
    duration: str = ""  # "5 days"
    quantity: str = ""  # "10"
    instructions: str = ""  # "after food"


@dataclass(frozen=True)
class AllergyInput:
    substance: str
    reaction: str = ""
    severity: str = ""  # "", mild, moderate, severe


@dataclass(frozen=True)
class VitalsRecord:
    id: int
    taken_at: datetime
    taken_by: str
    temperature_c: float | None
    pulse_bpm: int | None
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    respiratory_rate: int | None
    spo2_percent: int | None
    weight_kg: float | None
    height_cm: float | None
    flags: tuple[str, ...] = ()  # readings outside the usual range, in plain words

    @property
    def bmi(self) -> float | None:
        return bmi(self.weight_kg, self.height_cm)


@dataclass(frozen=True)
class DiagnosisRecord:
    id: int
    text: str
    icd10_code: str
    icd10_description: str


@dataclass(frozen=True)
class PrescriptionRecord:
    id: int
    medicine: str
    strength: str
    form: str
    dose: str
    frequency: str
    route: str
    duration: str
    quantity: str
    instructions: str
    allergy_override: str  # the allergy the doctor confirmed past, "" if none
    allergy_override_reason: str = ""  # why, in the doctor's words


@dataclass(frozen=True)
class AddendumRecord:
    id: int
    author: str
    at: datetime
    text: str


@dataclass(frozen=True)
class AllergyRecord:
    id: int
    patient_id: int
    substance: str
    reaction: str
    severity: str
    recorded_at: datetime


@dataclass(frozen=True)
class VisitRecord:
    """A whole visit as its doctor sees it. ``version`` goes back with the next change."""

    id: int
    patient_id: int
    patient_name: str
    mrn: str
    doctor_id: int
    doctor_name: str
    appointment_id: int | None
    status: str  # draft, signed
    complaint: str
    examination: str
    advice: str
    follow_up_on: date | None
    started_at: datetime
    signed_at: datetime | None
    signed_by: str
    version: int
    vitals: tuple[VitalsRecord, ...] = ()
    diagnoses: tuple[DiagnosisRecord, ...] = ()
    prescriptions: tuple[PrescriptionRecord, ...] = ()
    addenda: tuple[AddendumRecord, ...] = ()
    allergies: tuple[AllergyRecord, ...] = field(default=())  # the patient's, shown beside prescriptions

    @property
    def signed(self) -> bool:
        return self.status == "signed"


@dataclass(frozen=True)
class VisitSummary:
    """One line of a patient's history."""

    id: int
    started_at: datetime
    doctor_name: str
    status: str
    complaint: str
    diagnoses: tuple[str, ...]


@dataclass(frozen=True)
class AccessRecord:
    """One look at (or change to) a patient's clinical record, from the audit log."""

    at: datetime
    who: str
    workstation: str
    action: str
    summary: str


__all__ = [
    "AccessRecord", "AddendumRecord", "AllergyInput", "AllergyRecord", "DiagnosisInput", "DiagnosisRecord",
    "NotesInput", "PrescriptionInput", "PrescriptionRecord", "VisitRecord", "VisitSummary", "VitalsInput",
    "VitalsRecord",
]
