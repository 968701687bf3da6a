"""Reminders a number of hours before an appointment (clinic setting ``reminder_hours``, default 24;
0 turns them off), queued by the dispatcher on each round.

One reminder per appointment and start time (the dedupe key holds the time), so an appointment moved
after its reminder was queued gets a new one for the new time, and the old one is not sent
(compose.py checks the appointment is still at that time and still on).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ...models import Appointment, AppointmentStatus, ClinicSetting, OutboxEntry
from ..unit_of_work import OutboxMessage, UnitOfWork
from . import messages

DEFAULT_REMINDER_HOURS = 24
REMINDED_STATUSES = (AppointmentStatus.REQUESTED.value, AppointmentStatus.CONFIRMED.value)


def reminder_hours(session) -> int:  # noqa: ANN001 - a Session
    row = session.get(ClinicSetting, "reminder_hours")
    value = row.value if row is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 14 else DEFAULT_REMINDER_HOURS


REMINDER_HOURS_PROBLEM = "Give a number of hours from 0 (no reminders) to 336 (two weeks)."


def reminder_hours_problem(hours: object) -> str | None:
    ok = isinstance(hours, int) and not isinstance(hours, bool) and 0 <= hours <= 24 * 14
    return None if ok else REMINDER_HOURS_PROBLEM


def write_reminder_hours(uow: UnitOfWork, hours: int) -> None:
    """Store the lead time (already checked) in the caller's unit, audited."""
    old = reminder_hours(uow.session)
    row = uow.session.get(ClinicSetting, "reminder_hours")
    if row is None:
        uow.session.add(ClinicSetting(key="reminder_hours", value=hours))
    else:
        row.value = hours
    uow.audit("settings.reminder_hours", entity_type="settings", entity_id="reminder_hours",
              summary=f"Reminders {hours} hours before an appointment" if hours else "Reminders turned off",
              changes={"reminder_hours": [old, hours]})
    uow.announce("settings", "changed")


def reminder_key(appointment_id: int, starts_at: datetime) -> str:
    return f"{messages.REMINDER}:{appointment_id}:{starts_at.isoformat()}:{messages.EMAIL}"


def queue_due_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Queue a reminder for every requested or confirmed appointment that starts within the lead time
    from ``now`` and has none yet; returns how many were queued."""
    hours = reminder_hours(uow.session)
    if hours == 0:
        return 0
    due = uow.session.execute(
        select(Appointment.id, Appointment.starts_at, Appointment.ends_at).where(
            Appointment.status.in_(REMINDED_STATUSES), Appointment.starts_at > now,
            Appointment.starts_at <= now + timedelta(hours=hours),
        )
    ).all()
    if not due:
        return 0
    keys = {reminder_key(r.id, r.starts_at): r for r in due}
    have = set(uow.session.scalars(select(OutboxEntry.dedupe_key).where(OutboxEntry.dedupe_key.in_(list(keys)))))
    queued = 0
    for key, r in keys.items():
        if key in have:
            continue
        uow.enqueue(OutboxMessage(
            event=messages.REMINDER, channel=messages.EMAIL, entity_type="appointment", entity_id=r.id,
            payload={"starts_at": r.starts_at.isoformat(), "ends_at": r.ends_at.isoformat(), "hours": hours},
            dedupe_key=key, not_before=now,
        ))
        queued += 1
    return queued
