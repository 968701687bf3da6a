"""The bell in each staff member's main window: what happened that concerns them, kept until read.

Every item is derived from a row that exists exactly when its change committed, and names that row
in ``source_key`` (unique per person), so a change rings once for each person however many desks
fan it out at the same moment:

* the appointment history (``appointment_events``): a booking, a request, a move, a cancellation or
  an arrival rings the appointment's doctor (unless the doctor did it), read past a cursor row
  that the fan-out locks (cursors.py);
* the visits: a follow-up due today (or in the last week, for a desk that was closed) rings the
  visit's doctor;
* a freed slot a waiting patient wants: the unit that freed it rings the receptionists
  (scheduling/freed_slots.py);
* the outbox: the dispatcher rings every active administrator in the transaction that marks a
  message failed (``ring_failed``).

The fan-out runs on whichever desk refreshes its bell first after a change (the change feed wakes
every desk); the others find nothing new past the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ...models import (
    Appointment,
    AppointmentEvent,
    AppointmentStatus,
    Doctor,
    OutboxEntry,
    Patient,
    Role,
    StaffAccount,
    StaffNotification,
    Visit,
    utcnow,
)
from ..scheduling.slot_math import fmt
from ..settings import clinic_view, clinic_zone
from ..unit_of_work import UnitOfWork, UnitsOfWork
from .cursors import LAG, locked_cursor, upsert

EVENTS_SOURCE = "appointment_events"
BATCH = 500
FOLLOW_UP_LOOKBACK = timedelta(days=7)
S = AppointmentStatus


@dataclass(frozen=True)
class BellItem:
    id: int
    kind: str  # booked, requested, moved, cancelled, arrived, follow_up, failed, slot_freed
    title: str
    detail: str
    created_at: datetime  # in the clinic's zone
    read: bool
    appointment_id: int | None
    patient_id: int | None
    outbox_id: int | None
    day: date | None  # the appointment's clinic-local day, for the Scheduler
    doctor_id: int | None = None  # a freed slot's doctor and start (in the clinic's zone)
    slot_at: datetime | None = None


@dataclass(frozen=True)
class BellView:
    unread: int
    items: tuple[BellItem, ...]


def insert_items(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bell items, each once per person (its source_key): what is already there is left alone."""
    if not rows:
        return
    session.execute(upsert(session)(StaffNotification).values(rows).on_conflict_do_nothing(
        index_elements=[StaffNotification.user_id, StaffNotification.source_key]))


def _event_item(event: AppointmentEvent) -> tuple[str, str] | None:
    """(kind, title's start) for a history row worth a doctor's attention, or None."""
    if event.action == "booked":
        return ("requested", "Appointment requested") if event.to_status == S.REQUESTED else ("booked", "New booking")
    if event.action == "walk_in":
        return "arrived", "Walk-in waiting"
    if event.action == "rescheduled":
        return "moved", "Appointment moved"
    if event.action == "status":
        return {S.CHECKED_IN.value: ("arrived", "Patient arrived"),
                S.CANCELLED.value: ("cancelled", "Appointment cancelled")}.get(event.to_status)
    return None


def fan_out_events(session: Session) -> int:
    """Ring doctors for the appointment history written since the cursor; how many items were made."""
    cursor = locked_cursor(session, EVENTS_SOURCE)  # a second desk waits here, then reads past it
    zone = clinic_zone(session)
    made, after = 0, cursor.last_id - LAG
    while True:
        rows = session.execute(
            select(AppointmentEvent, Appointment.local_day, Appointment.patient_id, Appointment.starts_at,
                   Appointment.token, Patient.given_name, Patient.family_name, Doctor.staff_account_id)
            .join(Appointment, Appointment.id == AppointmentEvent.appointment_id)
            .join(Patient, Patient.id == Appointment.patient_id)
            .join(Doctor, Doctor.id == Appointment.doctor_id)
            .where(AppointmentEvent.id > after)
            .order_by(AppointmentEvent.id).limit(BATCH)
        ).all()
        if not rows:
            return made
        keys = [f"event:{row[0].id}" for row in rows]
        rung = set(session.scalars(select(StaffNotification.source_key).where(StaffNotification.source_key.in_(keys))))
        items = []
        for event, day, patient_id, starts_at, token, given, family, account_id in rows:
            what = _event_item(event)
            if what is None or account_id is None or account_id == event.actor_id or f"event:{event.id}" in rung:
                continue
            kind, title = what
            patient = f"{given} {family}".strip()
            when = fmt(event.new_starts_at or starts_at, zone)
            by = f" by {event.actor_name}" if event.actor_name else ""
            detail = {
                "moved": f"From {fmt(event.old_starts_at, zone) if event.old_starts_at else '?'} to {when}{by}",
                "arrived": "Waiting" + (f" with token {token}" if token else "") + f"; booked for {when}",
                "cancelled": f"{when}{by}" + (f": {event.reason}" if event.reason else ""),
            }.get(kind, f"{when}{by}")
            items.append({"user_id": account_id, "source_key": f"event:{event.id}", "kind": kind,
                          "title": f"{title}: {patient}"[:300], "detail": detail[:500], "appointment_id": event.appointment_id,
                          "patient_id": patient_id, "day": day, "created_at": event.at})
        insert_items(session, items)
        made += len(items)
        after = rows[-1][0].id
        cursor.last_id = max(cursor.last_id, after)
        session.flush()


def fan_out_follow_ups(session: Session, now: datetime) -> int:
    """Ring each doctor for the follow-ups due today (or missed in the last week) not rung yet."""
    today = now.astimezone(clinic_zone(session)).date()
    rows = session.execute(
        select(Visit.id, Visit.follow_up_on, Visit.patient_id, Patient.given_name, Patient.family_name,
               Doctor.staff_account_id)
        .join(Patient, Patient.id == Visit.patient_id)
        .join(Doctor, Doctor.id == Visit.doctor_id)
        .where(Visit.follow_up_on <= today, Visit.follow_up_on >= today - FOLLOW_UP_LOOKBACK,
               Doctor.staff_account_id.is_not(None))
    ).all()
    if not rows:
        return 0
    keys = {f"follow_up:{r.id}:{r.follow_up_on.isoformat()}": r for r in rows}
    have = set(tuple(r) for r in session.execute(select(StaffNotification.user_id, StaffNotification.source_key)
                               .where(StaffNotification.source_key.in_(list(keys)))).all())
    items = [{"user_id": r.staff_account_id, "source_key": key, "kind": "follow_up",
              "title": f"Follow-up due: {r.given_name} {r.family_name}".strip()[:300],
              "detail": "Due today" if r.follow_up_on == today else f"Was due on {r.follow_up_on:%a %d %b %Y}",
              "patient_id": r.patient_id, "day": r.follow_up_on, "created_at": now}
             for key, r in keys.items() if (r.staff_account_id, key) not in have]
    insert_items(session, items)
    return len(items)


def ring_failed(session: Session, entry: OutboxEntry, now: datetime) -> None:
    """Ring every active administrator about a message that failed for good (the dispatcher's unit)."""
    admins = session.scalars(select(StaffAccount.id).where(StaffAccount.role == Role.ADMIN.value,
                                                           StaffAccount.active.is_(True))).all()
    key = f"outbox.failed:{entry.id}:{now.isoformat()}"
    insert_items(session, [{"user_id": admin, "source_key": key, "kind": "failed",
                       "title": f"Message not sent: {entry.subject or entry.event}"[:300],
                       "detail": f"To {entry.recipient or 'the patient'}: {entry.last_error}"[:500],
                       "outbox_id": entry.id, "created_at": now} for admin in admins])


def _item(n: StaffNotification, local: Callable[[datetime], datetime]) -> BellItem:
    return BellItem(n.id, n.kind, n.title, n.detail, local(n.created_at), n.read_at is not None,
                    n.appointment_id, n.patient_id, n.outbox_id, n.day, n.doctor_id,
                    local(n.slot_at) if n.slot_at is not None else None)


class BellService:
    """Each signed-in person's own bell: anyone signed in may read and mark their own items only."""

    def __init__(self, units: UnitsOfWork, now: Callable[[], datetime] = utcnow) -> None:
        self._units = units
        self.now = now

    def refresh(self, limit: int = 50) -> BellView:
        """Ring whatever is new for anyone (fan-out), then the newest items of the signed-in person
        and how many of all theirs are unread."""
        with self._units.write() as uow:
            fan_out_events(uow.session)
            fan_out_follow_ups(uow.session, self.now())
            return self._view(uow, limit)

    def _view(self, uow: UnitOfWork, limit: int) -> BellView:
        session, me = uow.session, uow.actor.id
        unread = session.scalar(select(func.count()).select_from(StaffNotification).where(
            StaffNotification.user_id == me, StaffNotification.read_at.is_(None))) or 0
        rows = session.scalars(select(StaffNotification).where(StaffNotification.user_id == me)
                               .order_by(StaffNotification.id.desc()).limit(max(1, min(limit, 500))))
        view = clinic_view(session)
        return BellView(unread, tuple(_item(n, view.local) for n in rows))  # type: ignore[arg-type]

    def mark_read(self, ids: Sequence[int] | None = None, limit: int = 50) -> BellView:
        """Mark these items (all unread ones when ``ids`` is None) read; only the person's own. Not
        audited: it changes nothing of the clinic's, only what this person's bell shows."""
        with self._units.write() as uow:
            stmt = update(StaffNotification).where(StaffNotification.user_id == uow.actor.id,
                                                   StaffNotification.read_at.is_(None))
            if ids is not None:
                stmt = stmt.where(StaffNotification.id.in_([int(i) for i in ids]))
            uow.session.execute(stmt.values(read_at=utcnow()))
            return self._view(uow, limit)
