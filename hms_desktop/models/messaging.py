"""What a committed unit of work leaves for others: change notices and outgoing messages.

Both are written inside the transaction that made the change, so each exists exactly when (and only
if) that change committed.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ChangeLogEntry(Base):
    """SQLite's change feed: one row per announced change, read by id by other desks.

    PostgreSQL uses LISTEN/NOTIFY instead and leaves this table empty.
    """

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # schedule, patients, doctors, staff, settings, billing, records, notifications
    topic: Mapped[str] = mapped_column(String(32), default="schedule", server_default="schedule")
    kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    doctor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Which workstation process made the change, so the screen that made it need not reload twice.
    origin: Mapped[str] = mapped_column(String(32), default="", server_default="")


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for the dispatcher (or for its next attempt)
    SENT = "sent"
    FAILED = "failed"  # given up after the last attempt; an administrator sees it
    CANCELLED = "cancelled"  # no longer wanted (e.g. the appointment it reminded of was cancelled)


class OutboxEntry(Base):
    """A message to send (e-mail, SMS, in-app), queued by the unit of work that caused it.

    The dispatcher (one workstation at a time) sends pending rows and records the outcome; a
    message whose change rolled back was never written, so it can never be sent.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What happened, e.g. "appointment.booked"; templates and consent are looked up by it.
    event: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # email, sms, in_app
    recipient: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # Anything else the sender needs (ids, attachments to build), as plain JSON.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    entity_type: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    # Two writers asking for the same message (a retried unit of work, two desks) leave one row.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(1000), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)


class StaffNotification(Base):
    """One item in a staff member's bell: a booking or cancellation for a doctor, a patient who
    arrived, a follow-up due, a message that failed (for administrators). Derived from rows that
    exist exactly when their change committed (the appointment history, the outbox, the visits);
    ``source_key`` names that row, so the same change never rings twice for one person."""

    __tablename__ = "staff_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"))
    source_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))  # booked, cancelled, moved, arrived, follow_up, failed
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(String(500), default="")
    # What it refers to, for "open": an appointment (and its clinic-local day), a patient, a message.
    appointment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    patient_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outbox_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    # A slot that freed up (the waiting list): which doctor, and when it starts (UTC).
    doctor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    slot_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("source_key", "user_id", name="uq_staff_notifications_source_user"),
        Index("ix_staff_notifications_user_id", "user_id", "id"),
        # A booking looks up the freed-slot items its time covers (freed_slots.slot_filled).
        Index("ix_staff_notifications_slot", "doctor_id", "slot_at"),
    )


class NotificationCursor(Base):
    """How far the bell has read a source (the appointment history by id); one row per source,
    locked while a desk fans new rows out, so two desks never hand out the same rows twice."""

    __tablename__ = "notification_cursors"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
