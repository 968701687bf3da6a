"""The clinic's formulary: the medicines its doctors usually prescribe, with the usual strength,
form, route, dose and frequency, kept by an administrator. A prescription copies what it takes
from here (clinical_prescriptions keeps its own text), so a change to the formulary never changes a
prescription already written; free text is still allowed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class FormularyMedicine(Base):
    __tablename__ = "formulary_medicines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the generic name: "Amoxicillin"
    # The name, strength and form folded (services/text.fold), for search and for "already listed".
    name_key: Mapped[str] = mapped_column(String(320))
    strength: Mapped[str] = mapped_column(String(60), default="")
    form: Mapped[str] = mapped_column(String(40), default="")
    route: Mapped[str] = mapped_column(String(40), default="")
    dose: Mapped[str] = mapped_column(String(60), default="")
    frequency: Mapped[str] = mapped_column(String(60), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # One line per medicine, strength and form ("amoxicillin|500 mg|capsule").
        UniqueConstraint("name_key", name="uq_formulary_medicines_name_key"),
        Index("ix_formulary_medicines_active", "active", "name"),
    )
