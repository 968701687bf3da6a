"""The dispatcher: sends queued messages (e-mail through the mail server, SMS through the gateway),
each exactly once as far as the server or the gateway is concerned.

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
from . import messages
from .bell import ring_failed
from .compose import NotSent, compose, compose_sms, email_message
from .follow_ups import queue_due_follow_ups
from .reminders import queue_due_reminders
from .sms import HttpSmsSender, LogSmsSender, SmsSettings, load_sms_settings, sms_sender
from .sms_copies import queue_sms_copies
from .smtp import SendFailed, SmtpSender, load_smtp_settings
from .staff_mail import compose_password_reset, forget_secret

log = logging.getLogger(__name__)

SmsSender = LogSmsSender | HttpSmsSender

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
        sms: Callable[[SmsSettings], SmsSender | None] = sms_sender,
    ) -> None:
        self._units = units
        self._sender = sender or SmtpSender()
        self._sms = sms  # the SMS sender the settings ask for (sms.sms_sender), None when SMS is off
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
        """Queue the reminders now due (reminders.py), the follow-up messages now due (follow_ups.py)
        and the SMS copies of what was queued since the last round (sms_copies.py); how many
        reminders were queued."""
        with self._units.write(Permission.NOTIFICATIONS_SEND) as uow:
            now, sms_on = self._now(), load_sms_settings(uow.session).mode != "off"
            queued = queue_due_reminders(uow, now)
            queue_due_follow_ups(uow, now, sms_on)
            uow.session.flush()
            queue_sms_copies(uow, sms_on)
            return queued

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
                       OutboxEntry.channel.in_((messages.EMAIL, messages.SMS)))
                .order_by(OutboxEntry.not_before, OutboxEntry.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if entry is None:
                return None
            send = self._email(session, entry) if entry.channel == messages.EMAIL else self._text(session, entry)
            if isinstance(send, NotSent):
                entry.status, entry.last_error = OutboxStatus.CANCELLED.value, send.reason[:1000]
                outcome = "not_sent"
            else:
                outcome = self._deliver(entry, send, now)
            if outcome != "retrying":
                forget_secret(entry)
            session.flush()
            if outcome == "failed":
                ring_failed(session, entry, now)
            if outcome in ("failed", "not_sent"):
                uow.announce("notifications", outcome, entity_id=entry.id)
            return outcome

    def _email(self, session, entry: OutboxEntry) -> Callable[[], None] | NotSent:  # noqa: ANN001 - a Session
        """How to send the row's e-mail (written now), or why it is not sent."""
        composed = (compose_password_reset(session, entry, self._now()) if entry.event == messages.PASSWORD_RESET
                    else compose(session, entry))
        if isinstance(composed, NotSent):
            return composed
        settings = load_smtp_settings(session)
        entry.recipient, entry.subject = composed.recipient, composed.subject
        entry.body = composed.body if composed.kept_body is None else composed.kept_body
        message = email_message(composed, settings.sender, message_id(entry))
        return lambda: self._sender.send(settings, message)

    def _text(self, session, entry: OutboxEntry) -> Callable[[], None] | NotSent:  # noqa: ANN001 - a Session
        """How to send the row's SMS through the gateway the settings name, or why it is not sent."""
        settings = load_sms_settings(session)
        sender = self._sms(settings)
        if sender is None:
            return NotSent("SMS is turned off (Admin: Patient messages, SMS gateway).")
        composed = compose_sms(session, entry)
        if isinstance(composed, NotSent):
            return composed
        entry.recipient, entry.subject, entry.body = composed.recipient, "", composed.text
        return lambda: sender.send(settings, composed.recipient, composed.text)

    def _deliver(self, entry: OutboxEntry, send: Callable[[], None], now: datetime) -> str:
        entry.attempts += 1
        try:
            send()
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
