"""Doctors, the specialties an administrator manages, and which doctor has which specialty."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, binary_string, utcnow


class Specialty(Base):
    __tablename__ = "specialties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Folded name: uniqueness ignores case and accents ("Dermatology" == "dermatology").
    name_key: Mapped[str] = mapped_column(binary_string(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Doctor(Base):
    """A doctor who can be booked. New doctors are unverified until an administrator approves them;
    only a verified, active doctor can be booked."""

    __tablename__ = "doctors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # Folded name for ordering and searching.
    sort_name: Mapped[str] = mapped_column(binary_string(200))
    qualifications: Mapped[str] = mapped_column(String(300), default="")
    # The medical council registration number, printed on prescriptions ("" when not on file).
    registration_number: Mapped[str] = mapped_column(String(60), default="", server_default="")
    years_experience: Mapped[int] = mapped_column(Integer, default=0)
    # Wing / floor / room, free text ("East wing, room 12"); location_key is its folded form.
    location: Mapped[str] = mapped_column(String(200), default="")
    location_key: Mapped[str] = mapped_column(binary_string(200), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    # Money is integer minor units (paise, cents), never float.
    consultation_fee_minor: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    # The staff account (role doctor) this doctor signs in with; at most one doctor per account.
    staff_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_doctors_sort_name_id", "sort_name", "id"),)


class DoctorSpecialty(Base):
    __tablename__ = "doctor_specialties"

    doctor_id: Mapped[int] = mapped_column(ForeignKey("doctors.id", ondelete="CASCADE"), primary_key=True)
    specialty_id: Mapped[int] = mapped_column(ForeignKey("specialties.id"), primary_key=True)

    __table_args__ = (Index("ix_doctor_specialties_specialty_doctor", "specialty_id", "doctor_id"),)
