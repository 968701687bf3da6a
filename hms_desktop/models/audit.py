"""The audit log and clinic-wide settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """Who did what to which record, when, from which workstation, and which fields changed."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id"), nullable=True)
    # Kept as text too: the name stays readable even for sign-in attempts by unknown users.
    actor_name: Mapped[str] = mapped_column(String(200))
    workstation: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    # {"field": [old, new]}; passwords are never written here, only that one changed.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The hash chains (services/audit_chain.py): the writer whose chain holds the row, its place
    # there, the hash of the row before it and its own hash over its content and that. Set by the
    # unit of work that wrote the row, just before it commits; never changed after.
    writer: Mapped[str | None] = mapped_column(String(32), nullable=True)
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The unit of work that wrote the row (a random token), so that it seals its own rows only.
    batch: Mapped[str | None] = mapped_column(String(32), nullable=True)

    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
        Index("ix_audit_log_chain", "writer", "chain_seq", unique=True),
        # Rows leave this index when they are sealed, so it stays a handful of entries.
        Index(
            "ix_audit_log_unsealed", "batch",
            sqlite_where=text("chain_seq IS NULL"), postgresql_where=text("chain_seq IS NULL"),
        ),
    )


class ClinicSetting(Base):
    """Clinic-wide settings shared by every workstation (per-user preferences live in QSettings)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
