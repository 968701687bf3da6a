"""SMS copies of the patient messages the scheduler queues as e-mail.

The scheduler queues one outbox row per event (channel ``email``, in the booking's own
transaction). The dispatcher, on each round, reads the rows queued since its cursor (cursors.py)
and, when SMS is on and the patient accepts SMS (consent.py), queues the same message for channel
``sms`` with the row's key ending ``:sms`` instead of ``:email``: the outbox's unique key makes the
copy exist once, however many dispatchers read the row. Rows queued while SMS was off get no copy.
"""

from __future__ import annotations

from sqlalchemy import select

from ...models import Appointment, OutboxEntry, Patient
from ..unit_of_work import OutboxMessage, UnitOfWork
from . import messages
from .consent import accepts
from .cursors import LAG, locked_cursor

SOURCE = "outbox_sms"
BATCH = 500


def sms_key(email_key: str | None, entry_id: int) -> str:
    if email_key and email_key.endswith(f":{messages.EMAIL}"):
        return email_key[: -len(messages.EMAIL)] + messages.SMS
    return f"{email_key or f'outbox:{entry_id}'}:{messages.SMS}"


def queue_sms_copies(uow: UnitOfWork, sms_on: bool) -> int:
    """Queue the SMS copies of the e-mail rows queued since the last round; how many were queued."""
    session = uow.session
    cursor = locked_cursor(session, SOURCE)
    after, queued = cursor.last_id - LAG, 0
    while True:
        rows = session.scalars(
            select(OutboxEntry).where(OutboxEntry.id > after, OutboxEntry.channel == messages.EMAIL,
                                      OutboxEntry.entity_type == "appointment")
            .order_by(OutboxEntry.id).limit(BATCH)
        ).all()
        if not rows:
            return queued
        after = rows[-1].id
        cursor.last_id = max(cursor.last_id, after)
        if not sms_on:
            continue
        ids = {int(e.entity_id) for e in rows if e.entity_id.isdigit()}
        channels: dict[int, str] = dict(session.execute(  # type: ignore[arg-type]
            select(Appointment.id, Patient.message_channels).join(Patient, Patient.id == Appointment.patient_id)
            .where(Appointment.id.in_(ids))).all()) if ids else {}
        wanted = {sms_key(e.dedupe_key, e.id): e for e in rows
                  if e.entity_id.isdigit() and accepts(channels.get(int(e.entity_id)), messages.SMS)}
        have = set(session.scalars(select(OutboxEntry.dedupe_key).where(OutboxEntry.dedupe_key.in_(list(wanted)))))
        for key, e in wanted.items():
            if key in have:
                continue
            uow.enqueue(OutboxMessage(event=e.event, channel=messages.SMS, entity_type=e.entity_type,
                                      entity_id=e.entity_id, payload=e.payload, dedupe_key=key,
                                      not_before=e.not_before))
            queued += 1
