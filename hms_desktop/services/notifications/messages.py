"""The patient messages the scheduler queues, one small outbox row each.

The row says what happened and to which appointment (with the times as they were at that moment);
the dispatcher writes the text from the clinic's current settings and the patient's current e-mail
address when it sends (compose.py). So queuing costs the booking one insert and no reads.
"""

from __future__ import annotations

from datetime import datetime

from ..unit_of_work import OutboxMessage

BOOKED = "appointment.booked"
RESCHEDULED = "appointment.rescheduled"
CANCELLED = "appointment.cancelled"
EVENTS = (BOOKED, RESCHEDULED, CANCELLED)
EMAIL = "email"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def booked(appointment_id: int, starts_at: datetime, ends_at: datetime) -> OutboxMessage:
    """The booking confirmation (with the calendar file). One per appointment, however often the
    unit that booked it is retried."""
    return OutboxMessage(
        event=BOOKED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"appointment_id": appointment_id, "starts_at": _iso(starts_at), "ends_at": _iso(ends_at)},
        dedupe_key=f"{BOOKED}:{appointment_id}:email",
    )


def rescheduled(
    appointment_id: int, version: int, old_starts_at: datetime, starts_at: datetime, ends_at: datetime
) -> OutboxMessage:
    """The new time (and the old). Keyed by the appointment's version: each move is one message."""
    return OutboxMessage(
        event=RESCHEDULED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"appointment_id": appointment_id, "starts_at": _iso(starts_at), "ends_at": _iso(ends_at),
                 "old_starts_at": _iso(old_starts_at), "version": version},
        dedupe_key=f"{RESCHEDULED}:{appointment_id}:v{version}:email",
    )


def cancelled(appointment_id: int, starts_at: datetime, ends_at: datetime, by: str, reason: str) -> OutboxMessage:
    """The cancellation; an appointment is cancelled once."""
    return OutboxMessage(
        event=CANCELLED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"appointment_id": appointment_id, "starts_at": _iso(starts_at), "ends_at": _iso(ends_at),
                 "by": by, "reason": reason},
        dedupe_key=f"{CANCELLED}:{appointment_id}:email",
    )
