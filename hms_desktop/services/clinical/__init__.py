"""Clinical records: visits, vitals, diagnoses, prescriptions, addenda, allergies (see service.py
for who may do what)."""

from .attachments import (
    KINDS,
    AttachmentContent,
    AttachmentInput,
    AttachmentRecord,
    AttachmentService,
    DamagedFile,
)
from .fhir import FhirExport
from .formulary import FormularyRecord, FormularyService, MedicineInput
from .icd10 import IcdCode
from .printing import ClinicalDocuments
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
from .service import AllergyWarning, ClinicalService
from .vitals import VITAL_SIGNS, VitalSign, VitalsInput

__all__ = [
    "KINDS", "AttachmentContent", "AttachmentInput", "AttachmentRecord", "AttachmentService", "DamagedFile",
    "VITAL_SIGNS", "AccessRecord", "AllergyWarning", "AddendumRecord", "AllergyInput", "AllergyRecord", "ClinicalDocuments", "ClinicalService",
    "DiagnosisInput", "DiagnosisRecord", "FhirExport", "FormularyRecord", "FormularyService", "IcdCode", "MedicineInput", "NotesInput", "PrescriptionInput", "PrescriptionRecord",
    "VisitRecord", "VisitSummary", "VitalSign", "VitalsInput", "VitalsRecord",
]
