"""Clinical records: visits, vitals, diagnoses, prescriptions, addenda, allergies (see service.py
for who may do what)."""

from .icd10 import IcdCode
from .records import (
    AccessRecord,
    AddendumRecord,
    AllergyInput,
    AllergyRecord,
    DiagnosisInput,
    DiagnosisRecord,
    NotesInput,
    PrescriptionInput,
    PrescriptionRecord,
    VisitRecord,
    VisitSummary,
    VitalsRecord,
)
from .service import ClinicalService
from .vitals import VITAL_SIGNS, VitalSign, VitalsInput

__all__ = [
    "VITAL_SIGNS", "AccessRecord", "AddendumRecord", "AllergyInput", "AllergyRecord", "ClinicalService",
    "DiagnosisInput", "DiagnosisRecord", "IcdCode", "NotesInput", "PrescriptionInput", "PrescriptionRecord",
    "VisitRecord", "VisitSummary", "VitalSign", "VitalsInput", "VitalsRecord",
]
