"""Clinical records: the visit a doctor writes, its vitals, diagnoses, prescriptions and addenda,
and the patient's recorded allergies.

A visit belongs to an appointment (a booked one or a walk-in, which is an appointment of kind
walk_in) or, with no appointment, directly to a patient. It is a draft until its doctor signs it;
a signed visit is never changed again (the services refuse it), corrections are addenda.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class VisitStatus:
    DRAFT = "draft"
    SIGNED = "signed"


class Visit(Base):
    __tablename__ = "clinical_visits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id"))
    # At most one visit per appointment; NULL for a visit written without one.
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(String(16), default=VisitStatus.DRAFT)
    complaint: Mapped[str] = mapped_column(Text, default="")
    examination: Mapped[str] = mapped_column(Text, default="")
    advice: Mapped[str] = mapped_column(Text, default="")  # orders and advice
    follow_up_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # A patient's history, newest first.
        Index("ix_clinical_visits_patient_started", "patient_id", "started_at"),
        Index("ix_clinical_visits_doctor_started", "doctor_id", "started_at"),
        CheckConstraint("status IN ('draft', 'signed')", name="status"),
        CheckConstraint("(status = 'signed') = (signed_at IS NOT NULL)", name="signed_when"),
    )


class VitalsReading(Base):
    """One set of vitals taken during a visit. BMI is not stored: it is derived from weight and
    height whenever the reading is read, so the two can never disagree."""

    __tablename__ = "clinical_vitals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("clinical_visits.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    temperature_c: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False), nullable=True)
    pulse_bpm: Mapped[int | None] = mapped_column(Integer, nullable=True)
    systolic_mmhg: Mapped[int | None] = mapped_column(Integer, nullable=True)
    diastolic_mmhg: Mapped[int | None] = mapped_column(Integer, nullable=True)
    respiratory_rate: Mapped[int | None] = mapped_column(Integer, nullable=True)
    spo2_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    weight_kg: Mapped[float | None] = mapped_column(Numeric(5, 1, asdecimal=False), nullable=True)
    height_cm: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False), nullable=True)

    __table_args__ = (Index("ix_clinical_vitals_visit_id", "visit_id", "id"),)


class Diagnosis(Base):
    __tablename__ = "clinical_diagnoses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("clinical_visits.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    icd10_code: Mapped[str] = mapped_column(String(10), default="")  # "J45.9"; "" when uncoded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_clinical_diagnoses_visit_id", "visit_id", "id"),)


class Prescription(Base):
    __tablename__ = "clinical_prescriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("clinical_visits.id", ondelete="CASCADE"))
    medicine: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str] = mapped_column(String(60), default="")
    form: Mapped[str] = mapped_column(String(40), default="")
    dose: Mapped[str] = mapped_column(String(60), default="")
    frequency: Mapped[str] = mapped_column(String(60), default="")
    route: Mapped[str] = mapped_column(String(40), default="")
    duration: Mapped[str] = mapped_column(String(60), default="")
    quantity: Mapped[str] = mapped_column(String(40), default="")
    instructions: Mapped[str] = mapped_column(String(500), default="")
    # The allergy the prescriber was warned about and confirmed past ("" when none matched).
    allergy_override: Mapped[str] = mapped_column(String(200), default="")
    # Why (in the prescriber's words); required whenever allergy_override is set.
    allergy_override_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_clinical_prescriptions_visit_id", "visit_id", "id"),)


class Addendum(Base):
    """A correction or note added to a signed visit; never edited or removed."""

    __tablename__ = "clinical_addenda"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("clinical_visits.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_clinical_addenda_visit_id", "visit_id", "id"),)


class PatientAllergy(Base):
    __tablename__ = "patient_allergies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    substance: Mapped[str] = mapped_column(String(200))
    reaction: Mapped[str] = mapped_column(String(300), default="")
    severity: Mapped[str] = mapped_column(String(16), default="")  # mild, moderate, severe, ""
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)

    __table_args__ = (Index("ix_patient_allergies_patient_id", "patient_id"),)


class Attachment(Base):
    """A file kept with a patient's record (a lab report, a scan, a letter), on one of their visits
    or on the patient. Only what describes it lives here, so a list never reads a file's bytes:
    those are in ``clinical_attachment_blobs``. Never overwritten; removal is a soft delete with
    who, when and why, and the row and bytes stay."""

    __tablename__ = "clinical_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("clinical_visits.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # lab_report, imaging, letter, other
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(40))  # detected from the bytes, not the name
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # hex, of the stored bytes; checked on every read
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    added_by_name: Mapped[str] = mapped_column(String(200), default="")
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    removal_reason: Mapped[str] = mapped_column(String(300), default="")

    __table_args__ = (
        Index("ix_clinical_attachments_patient_added", "patient_id", "added_at", "id"),
        Index("ix_clinical_attachments_visit_id", "visit_id", "id"),
        CheckConstraint("kind IN ('lab_report', 'imaging', 'letter', 'other')", name="kind"),
        CheckConstraint("content_type IN ('application/pdf', 'image/png', 'image/jpeg')", name="content_type"),
        CheckConstraint("size_bytes > 0", name="size"),
        CheckConstraint("removed_at IS NULL OR removal_reason <> ''", name="removal_reason"),
    )


class AttachmentBlob(Base):
    """The bytes of one attachment, read only when someone opens it."""

    __tablename__ = "clinical_attachment_blobs"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("clinical_attachments.id", ondelete="CASCADE"),
                                               primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class PatientPhoto(Base):
    """The patient's photo (demographic, like the name): a small PNG or JPEG, at most 512 px a side,
    one per patient; a new one replaces it, audited."""

    __tablename__ = "patient_photos"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
