"""The patient messages the scheduler queues, one small outbox row each.

The row says what happened and to which appointment (with the times as they were at that moment);
the dispatcher writes the text from the clinic's current settings and the patient's current e-mail
address when it sends (compose.py). So queuing costs the booking one insert and no reads.
"""

from __future__ import annotations

from datetime import datetime

from ..unit_of_work import OutboxMessage

BOOKED = "appointment.booked"
# The booking confirmation's wording for a *requested* appointment ("request received"): a template
# of its own, while the outbox row stays appointment.booked with ``requested`` in its payload.
REQUESTED = "appointment.requested"
RESCHEDULED = "appointment.rescheduled"
CANCELLED = "appointment.cancelled"
REMINDER = "appointment.reminder"
CONFIRMED = "appointment.confirmed"  # the doctor (or the desk) confirmed a requested appointment
REJECTED = "appointment.rejected"  # the doctor declined it
FOLLOW_UP = "visit.follow_up_due"  # a visit's follow-up date came and nothing is booked (follow_ups.py)
EVENTS = (BOOKED, REQUESTED, CONFIRMED, REJECTED, RESCHEDULED, CANCELLED, REMINDER, FOLLOW_UP)
# A staff member's one-time code (password_reset.py): not a patient message, no template, no SMS copy.
PASSWORD_RESET = "staff.password_reset"
EMAIL = "email"
SMS = "sms"


def template_event(event: str, payload: dict | None) -> str:
    """Which template writes a row: a requested booking's confirmation has its own wording."""
    return REQUESTED if event == BOOKED and (payload or {}).get("requested") else event


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def booked_key(appointment_id: int) -> str:
    """The booking confirmation's dedupe key: one per appointment, however often its unit is retried."""
    return f"{BOOKED_KEY_PREFIX}{appointment_id}{BOOKED_KEY_SUFFIX}"


BOOKED_KEY_PREFIX, BOOKED_KEY_SUFFIX = f"{BOOKED}:", f":{EMAIL}"


def booked(starts_at: datetime, ends_at: datetime, appointment_id: int | None = None, *,
           requested: bool = False) -> OutboxMessage:
    """The booking confirmation (with the calendar file); for a request the doctor still has to
    confirm, written as "request received". Without ``appointment_id`` (the booking statement
    writes the row with the appointment's id and key itself, booking_sql)."""
    payload: dict[str, object] = {"starts_at": _iso(starts_at), "ends_at": _iso(ends_at)}
    if requested:
        payload["requested"] = True
    return OutboxMessage(
        event=BOOKED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id or "",
        payload=payload,
        dedupe_key=booked_key(appointment_id) if appointment_id is not None else None,
    )


def rescheduled(
    appointment_id: int, version: int, old_starts_at: datetime, starts_at: datetime, ends_at: datetime
) -> OutboxMessage:
    """The new time (and the old). Keyed by the appointment's version: each move is one message."""
    return OutboxMessage(
        event=RESCHEDULED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"starts_at": _iso(starts_at), "ends_at": _iso(ends_at),
                 "old_starts_at": _iso(old_starts_at), "version": version},
        dedupe_key=f"{RESCHEDULED}:{appointment_id}:v{version}:email",
    )


def cancelled(appointment_id: int, starts_at: datetime, ends_at: datetime, by: str, reason: str) -> OutboxMessage:
    """The cancellation; an appointment is cancelled once."""
    return OutboxMessage(
        event=CANCELLED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"starts_at": _iso(starts_at), "ends_at": _iso(ends_at),
                 "by": by, "reason": reason},
        dedupe_key=f"{CANCELLED}:{appointment_id}:email",
    )


def confirmed(appointment_id: int, starts_at: datetime, ends_at: datetime) -> OutboxMessage:
    """A requested appointment confirmed; an appointment is confirmed once."""
    return OutboxMessage(
        event=CONFIRMED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"starts_at": _iso(starts_at), "ends_at": _iso(ends_at)},
        dedupe_key=f"{CONFIRMED}:{appointment_id}:email",
    )


def rejected(appointment_id: int, starts_at: datetime, ends_at: datetime, reason: str) -> OutboxMessage:
    """The doctor declined the appointment; an appointment is rejected once."""
    return OutboxMessage(
        event=REJECTED, channel=EMAIL, entity_type="appointment", entity_id=appointment_id,
        payload={"starts_at": _iso(starts_at), "ends_at": _iso(ends_at), "reason": reason},
        dedupe_key=f"{REJECTED}:{appointment_id}:email",
    )
