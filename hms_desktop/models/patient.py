"""Patients and the search tokens derived from their names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, binary_string, utcnow

SEXES = ("female", "male", "other", "unknown")
BLOOD_GROUPS = ("", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Derived from the id the database hands out, with a check digit; see services.patients.
    mrn: Mapped[str] = mapped_column(binary_string(16), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    sex: Mapped[str] = mapped_column(String(16))
    # Always set: when only an age is known, the date is estimated from it and flagged.
    date_of_birth: Mapped[date] = mapped_column(Date)
    dob_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(32), default="")
    phone_digits: Mapped[str] = mapped_column(binary_string(20), default="")
    # The digits reversed, so "ends with 4521" is an indexed prefix search too.
    phone_digits_rev: Mapped[str] = mapped_column(binary_string(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # The channels the patient accepts appointment messages by ("email,sms"; "" none): consent.
    message_channels: Mapped[str] = mapped_column(String(32), default="email", server_default="email")
    address: Mapped[str] = mapped_column(String(500), default="")
    blood_group: Mapped[str] = mapped_column(String(8), default="")
    allergies: Mapped[str] = mapped_column(Text, default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # The doctor who usually sees the patient (seed: assign doctors to patients); shown at booking.
    primary_doctor_id: Mapped[int | None] = mapped_column(ForeignKey("doctors.id"), nullable=True)
    # Folded "family given" used for ordering, and the folded name tokens sorted, for duplicates.
    sort_name: Mapped[str] = mapped_column(binary_string(220))
    name_key: Mapped[str] = mapped_column(binary_string(220))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_patients_sort_name_id", "sort_name", "id"),
        Index("ix_patients_dob_id", "date_of_birth", "id"),
        Index("ix_patients_created_id", "created_at", "id"),
        Index("ix_patients_phone_digits", "phone_digits"),
        Index("ix_patients_phone_digits_rev", "phone_digits_rev"),
        Index("ix_patients_name_key_dob", "name_key", "date_of_birth"),
    )


class PatientNameToken(Base):
    """One row per folded word of a patient's name: makes "name in any order" an index lookup."""

    __tablename__ = "patient_name_tokens"

    token: Mapped[str] = mapped_column(binary_string(100), primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_patient_name_tokens_patient_id", "patient_id"),)


class PatientNamePrefix(Base):
    """The first letter and the first two letters of each word of a patient's name, beside the
    patient's sort name: a one- or two-letter search (what the search box sends while someone
    starts typing) reads its first page in name order straight off this table's key, however
    many thousands of patients the letters match."""

    __tablename__ = "patient_name_prefixes"

    prefix: Mapped[str] = mapped_column(binary_string(2), primary_key=True)
    sort_name: Mapped[str] = mapped_column(binary_string(220), primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_patient_name_prefixes_patient_id", "patient_id"),)
