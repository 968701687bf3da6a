"""What an administrator does with notifications: the mail server's settings, and the outbox."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ...models import ClinicSetting, OutboxEntry, OutboxStatus, utcnow
from ..contact import phone_problem, to_e164
from ..errors import ConflictError, HmsError, NotFound, ValidationError
from ..permissions import Permission
from ..settings import clinic_region, clinic_view
from ..text import text_problem
from ..unit_of_work import UnitsOfWork
from .reminders import reminder_hours as stored_reminder_hours
from .reminders import reminder_hours_problem, write_reminder_hours
from .sms import (
    HttpSmsSender,
    SmsSettings,
    load_sms_settings,
    sms_sender,
    sms_settings_problems,
    store_keyring_api_key,
)
from .smtp import (
    SECURITY,
    SendFailed,
    SmtpSender,
    SmtpSettings,
    keyring_password,
    load_smtp_settings,
    store_keyring_password,
)
from .stored import save_channel_settings


class MailNotSent(HmsError):
    """The mail server did not take a test message; the message says why in plain words."""

    title = "Mail not sent"


class SmsNotSent(HmsError):
    """The SMS gateway did not take a test message; the message says why in plain words."""

    title = "SMS not sent"


@dataclass(frozen=True)
class OutboxRecord:
    id: int
    created_at: datetime
    event: str
    channel: str
    recipient: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str
    not_before: datetime
    sent_at: datetime | None
    entity_type: str
    entity_id: str


def _record(e: OutboxEntry) -> OutboxRecord:
    return OutboxRecord(e.id, e.created_at, e.event, e.channel, e.recipient, e.subject, e.body, e.status,
                        e.attempts, e.last_error, e.not_before, e.sent_at, e.entity_type, e.entity_id)


class NotificationService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def smtp_settings(self) -> SmtpSettings:
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            return load_smtp_settings(uow.session)

    def save_smtp_settings(self, settings: SmtpSettings, password: str | None = None,
                           reminder_hours: int | None = None) -> SmtpSettings:
        """Save the mail server's settings for every desk (and, given, the reminders' lead time, in
        the same unit: both are saved or neither); a ``password`` goes to this computer's keyring,
        never to the database."""
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            settings = replace(settings, host=settings.host.strip(), username=settings.username.strip(),
                               sender=settings.sender.strip())
            errors = {}
            for name in ("host", "username", "sender", "ca_file"):
                if problem := text_problem(getattr(settings, name), 320):
                    errors[name] = problem
            if settings.security not in SECURITY:
                errors["security"] = "Choose STARTTLS, TLS or none."
            if not isinstance(settings.port, int) or not 0 < settings.port < 65536:
                errors["port"] = "The port is a number from 1 to 65535 (usually 587, or 465 for TLS)."
            if settings.ca_file and not Path(settings.ca_file).is_file():
                errors["ca_file"] = f"There is no certificate file at {settings.ca_file}."
            if settings.host and not settings.sender:
                errors["sender"] = "Give the address the clinic's messages come from."
            if reminder_hours is not None and (problem := reminder_hours_problem(reminder_hours)):
                errors["reminder_hours"] = problem
            if errors:
                raise ValidationError(errors)
            if reminder_hours is not None and reminder_hours != stored_reminder_hours(uow.session):
                write_reminder_hours(uow, reminder_hours)
            save_channel_settings(uow, "smtp", settings,
                                  f"Mail server set to {settings.host}:{settings.port} ({settings.security})",
                                  secret=password, keep_secret=store_keyring_password, secret_field="password")
            return settings

    def sms_settings(self) -> SmsSettings:
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            return load_sms_settings(uow.session)

    def save_sms_settings(self, settings: SmsSettings, api_key: str | None = None) -> SmsSettings:
        """Save the SMS settings for every desk; an ``api_key`` goes to this computer's keyring,
        never to the database."""
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            if all(isinstance(getattr(settings, n), str) for n in ("mode", "url", "api_key_header", "sender_id")):
                settings = replace(settings, mode=settings.mode.strip().lower(), url=settings.url.strip(),
                                   api_key_header=settings.api_key_header.strip(), sender_id=settings.sender_id.strip())
            errors = sms_settings_problems(settings)
            if api_key and not settings.api_key_header:
                errors["api_key_header"] = "Name the header the gateway expects the key in, e.g. X-API-Key."
            if errors:
                raise ValidationError(errors)
            where = {"off": "SMS turned off", "log": "SMS written to the log only"}.get(
                settings.mode, f"SMS through the gateway {settings.url}")
            save_channel_settings(uow, "sms", settings, where, secret=api_key, keep_secret=store_keyring_api_key,
                                  secret_field="api_key")
            return settings

    def send_test_message(self, to: str, settings: SmtpSettings | None = None, password: str | None = None,
                          sender: SmtpSender | None = None) -> str:
        """Send one short message now, straight to the mail server (not through the outbox), so an admin
        sees at once whether the settings work. ``settings``: the ones being edited (default: the saved
        ones); ``password``: one typed but not saved yet. Returns the address written to; raises
        ValidationError for a bad address and MailNotSent, in the server's words, when it refused."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            settings = settings or load_smtp_settings(uow.session)
            clinic = uow.session.get(ClinicSetting, "clinic_name")
            name = clinic.value if clinic is not None and isinstance(clinic.value, str) else "the clinic"
        try:
            to = validate_email(to.strip(), check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValidationError({"test_to": f"That is not an e-mail address ({exc})."}) from exc
        message = EmailMessage()
        message["From"], message["To"] = settings.sender, to
        message["Subject"] = "Test message from HMS Desktop"
        message.set_content(f"This is a test from {name}'s front desk. If you can read it, patients' "
                            f"appointment e-mails will reach them through {settings.host}:{settings.port}.")
        typed = password
        mailer = sender or SmtpSender(password=(lambda s: typed) if typed else keyring_password)
        try:
            mailer.send(settings, message)  # outside any transaction: a slow server holds no lock
        except SendFailed as exc:
            raise MailNotSent(exc.reason) from exc
        return to

    def send_test_sms(self, to: str, settings: SmsSettings | None = None, api_key: str | None = None) -> str:
        """Send one short SMS now, straight to the gateway (not through the outbox), like the mail
        server's test: ``settings`` the ones being edited, ``api_key`` one typed but not saved yet.
        Returns the number written to, in E.164."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            settings = settings or load_sms_settings(uow.session)
            region = clinic_region(uow.session)
            clinic = uow.session.get(ClinicSetting, "clinic_name")
            name = clinic.value if clinic is not None and isinstance(clinic.value, str) else "the clinic"
        problem = phone_problem(to, region) if to.strip() else "Type the mobile number to send the test to."
        if problem:
            raise ValidationError({"test_to": problem})
        errors = sms_settings_problems(settings)
        if errors:
            raise ValidationError(errors)
        typed = api_key
        sender = HttpSmsSender(api_key=lambda s: typed) if typed and settings.mode == "http" else sms_sender(settings)
        if sender is None:
            raise ValidationError({"mode": "SMS is off: choose \"Log only\" or an HTTP gateway first."})
        number = to_e164(to, region)
        try:
            sender.send(settings, number, f"Test from {name}'s front desk: appointment texts will reach patients.")
        except SendFailed as exc:
            raise SmsNotSent(exc.reason) from exc
        return number

    def reminder_hours(self) -> int:
        """How many hours before an appointment its reminder goes (0: no reminders)."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            return stored_reminder_hours(uow.session)

    def set_reminder_hours(self, hours: int) -> int:
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            if problem := reminder_hours_problem(hours):
                raise ValidationError({"reminder_hours": problem})
            write_reminder_hours(uow, hours)
            return hours

    def outbox(self, status: str | None = None, *, limit: int = 200) -> list[OutboxRecord]:
        """The newest queued, sent, failed or cancelled messages first, times in the clinic's zone."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            stmt = select(OutboxEntry).order_by(OutboxEntry.id.desc()).limit(max(1, min(limit, 2000)))
            if status:
                stmt = stmt.where(OutboxEntry.status == status)
            view = clinic_view(uow.session)  # times as the clinic reads them
            return [replace(r, created_at=view.local(r.created_at), sent_at=view.local(r.sent_at))
                    for r in map(_record, uow.session.scalars(stmt))]

    def send_again(self, entry_id: int) -> OutboxRecord:
        """Put a failed (or not sent) message back in the queue, with a fresh count of attempts."""
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            entry = uow.session.get(OutboxEntry, entry_id, with_for_update=True)
            if entry is None:
                raise NotFound("That message does not exist.")
            if entry.status not in (OutboxStatus.FAILED.value, OutboxStatus.CANCELLED.value):
                raise ConflictError("Only a message that failed or was not sent can be sent again.")
            old = entry.status
            entry.status, entry.attempts, entry.not_before = OutboxStatus.PENDING.value, 0, utcnow()
            uow.audit("outbox.send_again", entity_type="outbox", entity_id=entry.id,
                      summary=f"Queued message {entry.id} ({entry.event}) again", changes={"status": [old, "pending"]})
            uow.announce("notifications", "queued", entity_id=entry.id)
            uow.session.flush()
            return _record(entry)
