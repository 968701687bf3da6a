"""The dispatcher: sends queued messages, each exactly once as far as the mail server is concerned.

One message per transaction: the row is claimed (PostgreSQL ``FOR UPDATE SKIP LOCKED``, so several
dispatchers share the queue without taking the same row; SQLite: the write lock of ``BEGIN
IMMEDIATE``, so one at a time), handed to the mail server, and marked sent in that same transaction.
A crash between the server's "OK" and the commit leaves the row pending and it goes again: at worst
one message repeats (with the same Message-ID), none is lost, and a row marked sent never goes again.

A failure that may pass (server down, a 4xx answer) counts an attempt and sets ``not_before`` later
(one minute, doubling, at most an hour); after ``max_attempts``, or at once for a permanent refusal,
the row is FAILED with the reason, for an administrator to see and send again.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ...models import OutboxEntry, OutboxStatus, utcnow
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from .bell import ring_failed
from .compose import Composed, NotSent, compose, email_message
from .reminders import queue_due_reminders
from .smtp import SendFailed, SmtpSender, load_smtp_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed try: 1, 2, 4 ... minutes, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


@dataclass
class DispatchSummary:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    not_sent: int = 0  # no longer wanted, or no address to send to

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.not_sent


def message_id(entry: OutboxEntry) -> str:
    """The same Message-ID however often the row is tried, so a repeat is recognisable."""
    digest = hashlib.sha256(f"{entry.id}:{entry.dedupe_key}:{entry.created_at}".encode()).hexdigest()[:16]
    return f"<outbox-{entry.id}-{digest}@hms-desktop>"


class NotificationDispatcher:
    def __init__(
        self,
        units: UnitsOfWork,
        sender: SmtpSender | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self._units = units
        self._sender = sender or SmtpSender()
        self._now = now
        self.max_attempts = max_attempts

    def run_once(self, limit: int = 200) -> DispatchSummary:
        """Send what is due now, up to ``limit`` messages; returns what happened to them."""
        summary = DispatchSummary()
        self.queue_reminders()
        while summary.handled < limit:
            outcome = self.send_next()
            if outcome is None:
                break
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        return summary

    def queue_reminders(self) -> int:
        """Queue the reminders now due (reminders.py); how many were queued."""
        with self._units.write(Permission.NOTIFICATIONS_SEND) as uow:
            return queue_due_reminders(uow, self._now())

    def run_forever(self, poll_seconds: float = 10.0, should_stop: Callable[[], bool] = lambda: False) -> None:
        while not should_stop():
            summary = self.run_once()
            if summary.handled:
                log.info("Outbox: %s", summary)
            else:
                time.sleep(poll_seconds)

    def send_next(self) -> str | None:
        """Claim, send and mark one due message in one transaction; the outcome's name, or None
        when nothing is due (or every due row is being sent by another dispatcher)."""
        with self._units.write(Permission.NOTIFICATIONS_SEND) as uow:
            session = uow.session
            now = self._now()
            entry = session.scalar(
                select(OutboxEntry)
                .where(OutboxEntry.status == OutboxStatus.PENDING.value, OutboxEntry.not_before <= now,
                       OutboxEntry.channel == "email")
                .order_by(OutboxEntry.not_before, OutboxEntry.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if entry is None:
                return None
            settings = load_smtp_settings(session)
            composed = compose(session, entry)
            if isinstance(composed, NotSent):
                entry.status, entry.last_error = OutboxStatus.CANCELLED.value, composed.reason[:1000]
                outcome = "not_sent"
            else:
                outcome = self._deliver(entry, composed, settings, now)
            session.flush()
            if outcome == "failed":
                ring_failed(session, entry, now)
            if outcome in ("failed", "not_sent"):
                uow.announce("notifications", outcome, entity_id=entry.id)
            return outcome

    def _deliver(self, entry: OutboxEntry, composed: Composed, settings, now: datetime) -> str:  # noqa: ANN001
        entry.recipient, entry.subject, entry.body = composed.recipient, composed.subject, composed.body
        entry.attempts += 1
        try:
            self._sender.send(settings, email_message(composed, settings.sender, message_id(entry)))
        except SendFailed as exc:
            entry.last_error = exc.reason[:1000]
            if exc.permanent or entry.attempts >= self.max_attempts:
                entry.status = OutboxStatus.FAILED.value
                log.warning("Outbox message %s failed for good: %s", entry.id, exc.reason)
                return "failed"
            entry.not_before = now + retry_delay(entry.attempts)
            log.info("Outbox message %s not sent (attempt %s), next try at %s: %s",
                     entry.id, entry.attempts, entry.not_before, exc.reason)
            return "retrying"
        entry.status, entry.sent_at, entry.last_error = OutboxStatus.SENT.value, now, ""
        return "sent"
