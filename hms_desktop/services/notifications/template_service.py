"""What an administrator does with the wording of patient messages: read it per event and channel,
change it (an unknown placeholder refused in plain words), go back to the default, and preview it
filled from a real appointment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ...models import Appointment, AppointmentStatus, ClinicSetting, OutboxEntry, utcnow
from ..errors import ValidationError
from ..permissions import Permission
from ..text import text_problem
from ..unit_of_work import UnitsOfWork
from . import messages
from .compose import NotSent, message_values, template_for
from .templates import STORED_KEY, MessageTemplate, default_template, fill, placeholder_problem

CHANNELS = (messages.EMAIL, messages.SMS)
SUBJECT_LIMIT, EMAIL_LIMIT, SMS_LIMIT = 300, 5000, 640

#: A preview when the clinic has no appointment yet: what the placeholders would become.
SAMPLE_VALUES = {
    "clinic": "Sunrise Clinic", "patient": "Asha Rao", "doctor": "Dr Priya Nair", "when": "Mon 07 Jan 2030 10:00",
    "zone": "Asia/Kolkata", "room": "East wing, room 12", "old_when": "Fri 04 Jan 2030 16:30",
    "contact": "please call Sunrise Clinic on +91 80 4000 1234", "clinic_phone": "+91 80 4000 1234",
    "how_to_cancel": "If you cannot come, please call Sunrise Clinic on +91 80 4000 1234 so that someone else can have the time.",
    "by": " at your request", "reason_line": "Reason: travelling\n",
}


@dataclass(frozen=True)
class TemplateRecord:
    event: str
    channel: str
    subject: str  # always "" for SMS
    body: str
    is_default: bool


@dataclass(frozen=True)
class TemplatePreview:
    subject: str
    body: str
    source: str  # which appointment filled it, in words


class TemplateService:
    def __init__(self, units: UnitsOfWork, now=utcnow) -> None:  # noqa: ANN001 - a clock
        self._units = units
        self._now = now

    def templates(self) -> list[TemplateRecord]:
        """Every event's wording for e-mail and for SMS: the clinic's own, or the default."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            return [self._record(template_for(uow.session, event, channel), event, channel)
                    for event in messages.EVENTS for channel in CHANNELS]

    @staticmethod
    def _record(template: MessageTemplate, event: str, channel: str) -> TemplateRecord:
        return TemplateRecord(event, channel, template.subject, template.body, template == default_template(event, channel))

    @staticmethod
    def _check(event: str, channel: str, subject: str, body: str) -> MessageTemplate:
        if event not in messages.EVENTS or channel not in CHANNELS:
            raise ValidationError({"event": "Choose one of the messages in the list."})
        errors = {}
        subject = subject.strip() if channel == messages.EMAIL else ""
        limit = SMS_LIMIT if channel == messages.SMS else EMAIL_LIMIT
        for name, text, most in (("subject", subject, SUBJECT_LIMIT), ("body", body, limit)):
            problem = text_problem(text, most, multiline=name == "body") or placeholder_problem(text)
            if problem:
                errors[name] = problem
        if not body.strip():
            errors["body"] = "Write the message, or restore the default."
        if channel == messages.EMAIL and not subject:
            errors["subject"] = "An e-mail needs a subject."
        if errors:
            raise ValidationError(errors)
        return MessageTemplate(subject, body)

    def save_template(self, event: str, channel: str, subject: str, body: str) -> TemplateRecord:
        """The clinic's own wording for one event and channel, used by every desk from the next message on."""
        return self._store(event, channel, lambda: self._check(event, channel, subject, body))

    def reset_template(self, event: str, channel: str) -> TemplateRecord:
        """Back to the default wording for one event and channel."""
        def default() -> None:
            if event not in messages.EVENTS or channel not in CHANNELS:
                raise ValidationError({"event": "Choose one of the messages in the list."})

        return self._store(event, channel, default)

    def _store(self, event: str, channel: str, checked: Callable[[], MessageTemplate | None]) -> TemplateRecord:
        """Store what ``checked`` returns (None: the default), checked inside the unit: permission first."""
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            template = checked()
            row = uow.session.get(ClinicSetting, STORED_KEY, with_for_update=True)
            stored = dict(row.value) if row is not None and isinstance(row.value, dict) else {}
            per_channel = dict(stored.get(channel) or {})
            old = per_channel.get(event)
            if template is None or template == default_template(event, channel):
                per_channel.pop(event, None)
            else:
                per_channel[event] = {"subject": template.subject, "body": template.body}
            stored[channel] = per_channel
            if row is None:
                uow.session.add(ClinicSetting(key=STORED_KEY, value=stored))
            else:
                row.value = stored
            what = f"{event} by {channel}"
            uow.audit("settings.message_template", entity_type="settings", entity_id=STORED_KEY,
                      summary=f"Wording of {what} " + ("set to the default" if template is None else "changed"),
                      changes={what: [old, per_channel.get(event)]})
            uow.announce("settings", "changed")
            uow.session.flush()
            return self._record(template_for(uow.session, event, channel), event, channel)

    def preview(self, event: str, channel: str, subject: str, body: str) -> TemplatePreview:
        """The wording being edited, filled from the next appointment (else the latest, else a sample)."""
        with self._units.read(Permission.SETTINGS_MANAGE) as uow:
            template = self._check(event, channel, subject, body)
            now: datetime = self._now()
            # A request's wording is shown with a requested appointment when there is one.
            wanted = [Appointment.status == AppointmentStatus.REQUESTED.value] if event == messages.REQUESTED else []
            appt = None
            for where in ([*wanted], []) if wanted else ([],):
                appt = uow.session.scalar(select(Appointment).where(Appointment.starts_at >= now, *where)
                                          .order_by(Appointment.starts_at).limit(1)) or uow.session.scalar(
                    select(Appointment).where(*where).order_by(Appointment.starts_at.desc()).limit(1))
                if appt is not None:
                    break
            values: dict[str, str] | NotSent = NotSent("no appointment")
            if appt is not None:
                entry = OutboxEntry(event=event, channel=channel, entity_type="appointment", entity_id=str(appt.id),
                                    payload={"starts_at": appt.starts_at.isoformat(), "ends_at": appt.ends_at.isoformat(),
                                             "old_starts_at": (appt.starts_at - timedelta(days=1)).isoformat(),
                                             "by": "patient", "reason": "travelling"})
                values = message_values(uow.session, entry, appt)
            if isinstance(values, NotSent):
                subject_text, body_text = fill(template, SAMPLE_VALUES, channel)
                return TemplatePreview(subject_text, body_text, "A sample appointment (the clinic has none yet).")
            subject_text, body_text = fill(template, values, channel)
            return TemplatePreview(subject_text, body_text,
                                   f"Filled from {values['patient']}'s appointment with {values['doctor']} on {values['when']}.")
