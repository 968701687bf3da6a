"""From a queued row to the message that goes out: the e-mail (recipient, subject, text and calendar
file) or the SMS (number and text).

Written when the dispatcher sends, from the clinic's settings and the patient's address, phone
and consent as they are then: a patient who does not accept a channel (consent.py) is not written
to by it, and the row keeps the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from ...models import Appointment, AppointmentStatus, ClinicSetting, Doctor, OutboxEntry, Patient, Visit
from ..scheduling.slot_math import fmt
from ..settings import ClinicSettings, clinic_zone
from . import messages
from .calendar_file import appointment_ics
from .consent import CHANNEL_WORDS, accepts
from .follow_ups import follow_up_booked
from .templates import STORED_KEY, MessageTemplate, default_template, fill, stored_template


@dataclass(frozen=True)
class Composed:
    recipient: str
    subject: str
    body: str
    ics: bytes | None
    ics_method: str = "REQUEST"
    kept_body: str | None = None  # what the outbox row keeps instead of the body, when that holds a secret


@dataclass(frozen=True)
class NotSent:
    """The message is no longer wanted or cannot be written; the reason is kept on the row."""

    reason: str


def clinic_setting(session: Session, key: str, default: str) -> str:
    row = session.get(ClinicSetting, key)
    return row.value if row is not None and isinstance(row.value, str) and row.value.strip() else default


def _moment(text: Any) -> datetime:
    return datetime.fromisoformat(str(text))


@dataclass(frozen=True)
class ComposedSms:
    recipient: str  # E.164
    text: str


@dataclass(frozen=True)
class _Context:
    appointment: Appointment | None  # None for a follow-up message (it is about a visit)
    patient: Patient
    doctor: Doctor
    values: dict[str, str]
    starts_at: datetime
    ends_at: datetime


def _context(session: Session, entry: OutboxEntry, channel: str) -> _Context | NotSent:
    """What every channel's message is written from, or why it is not sent any more."""
    if entry.event not in messages.EVENTS or entry.channel != channel:
        return NotSent(f"No sender for {entry.event} by {entry.channel}.")
    if entry.event == messages.FOLLOW_UP:
        return _follow_up_context(session, entry, channel)
    payload = entry.payload or {}
    appt = session.get(Appointment, int(entry.entity_id or 0))
    if appt is None:
        return NotSent("The appointment no longer exists.")
    patient = session.get(Patient, appt.patient_id)
    doctor = session.get(Doctor, appt.doctor_id)
    if patient is None or doctor is None:
        return NotSent("The patient or the doctor no longer exists.")
    if entry.event in (messages.BOOKED, messages.CONFIRMED) and appt.status in (AppointmentStatus.CANCELLED,
                                                                              AppointmentStatus.REJECTED):
        return NotSent("The appointment was cancelled before its confirmation went out.")
    if entry.event == messages.REMINDER:
        if appt.status not in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED):
            return NotSent("The appointment is no longer on; no reminder is needed.")
        if appt.starts_at != _moment(payload["starts_at"]):
            return NotSent("The appointment has moved; the reminder for its new time goes instead.")
    if not accepts(patient.message_channels, channel):
        return NotSent(f"The patient does not accept appointment messages by {CHANNEL_WORDS[channel]}.")
    values = message_values(session, entry, appt)
    if isinstance(values, NotSent):
        return values
    return _Context(appt, patient, doctor, values, _moment(payload["starts_at"]), _moment(payload["ends_at"]))


def _follow_up_context(session: Session, entry: OutboxEntry, channel: str) -> _Context | NotSent:
    """A follow-up message: still wanted only while the visit asks for that day and nothing is booked."""
    visit = session.get(Visit, int(entry.entity_id or 0))
    if visit is None:
        return NotSent("The visit no longer exists.")
    due = (entry.payload or {}).get("follow_up_on")
    if visit.follow_up_on is None or visit.follow_up_on.isoformat() != due:
        return NotSent("The doctor changed the follow-up date; the message for the new date goes instead.")
    if follow_up_booked(session, visit):
        return NotSent("A follow-up appointment is already booked.")
    patient = session.get(Patient, visit.patient_id)
    doctor = session.get(Doctor, visit.doctor_id)
    if patient is None or doctor is None:
        return NotSent("The patient or the doctor no longer exists.")
    if not accepts(patient.message_channels, channel):
        return NotSent(f"The patient does not accept appointment messages by {CHANNEL_WORDS[channel]}.")
    values = _common_values(session, patient, doctor)
    day = f"{visit.follow_up_on:%a %d %b %Y}"
    values.update({"when": day, "follow_up_on": day, "old_when": "", "by": "", "reason_line": ""})
    return _Context(None, patient, doctor, values, entry.created_at, entry.created_at)


def _common_values(session: Session, patient: Patient, doctor: Doctor) -> dict[str, str]:
    zone = clinic_zone(session)
    clinic = clinic_setting(session, "clinic_name", ClinicSettings.clinic_name)
    phone = clinic_setting(session, "clinic_phone", "")
    contact = f"please call {clinic} on {phone}" if phone else f"please contact {clinic}"
    return {
        "clinic": clinic, "patient": f"{patient.given_name} {patient.family_name}".strip(),
        "doctor": doctor.full_name, "zone": zone.key,
        "room": doctor.location or clinic, "contact": contact, "clinic_phone": phone,
        "how_to_cancel": f"If you cannot come, {contact} so that someone else can have the time.",
    }


def message_values(session: Session, entry: OutboxEntry, appt: Appointment) -> dict[str, str] | NotSent:
    """What each placeholder (templates.PLACEHOLDERS) becomes for this row and appointment."""
    payload = entry.payload or {}
    patient = session.get(Patient, appt.patient_id)
    doctor = session.get(Doctor, appt.doctor_id)
    if patient is None or doctor is None:
        return NotSent("The patient or the doctor no longer exists.")
    zone = clinic_zone(session)
    starts_at = _moment(payload["starts_at"])
    return {
        **_common_values(session, patient, doctor), "when": fmt(starts_at, zone),
        "follow_up_on": f"{starts_at.astimezone(zone):%a %d %b %Y}",
        "old_when": fmt(_moment(payload["old_starts_at"]), zone) if "old_starts_at" in payload else "",
        "by": {"patient": " at your request", "clinic": " by the clinic"}.get(str(payload.get("by", "")), ""),
        "reason_line": f"Reason: {payload['reason']}\n" if payload.get("reason") else "",
    }


def compose(session: Session, entry: OutboxEntry) -> Composed | NotSent:
    context = _context(session, entry, messages.EMAIL)
    if isinstance(context, NotSent):
        return context
    address = (context.patient.email or "").strip()
    if not address:
        return NotSent("The patient has no e-mail address.")
    try:
        address = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        return NotSent(f"The patient's e-mail address is not valid: {exc}")
    appt, values, payload = context.appointment, context.values, entry.payload or {}
    subject, body = fill(template_for(session, messages.template_event(entry.event, payload), messages.EMAIL), values)
    # A rejection takes back the calendar entry the booking's file made, like a cancellation.
    cancelled = entry.event in (messages.CANCELLED, messages.REJECTED)
    if appt is None or entry.event in (messages.REMINDER, messages.CONFIRMED):
        return Composed(address, subject, body, None)  # the booking's calendar file already holds the time
    clinic = values["clinic"]
    ics = appointment_ics(
        appointment_id=appt.id, clinic=clinic, summary=f"{clinic}: appointment with {context.doctor.full_name}",
        location=values["room"], description=body, starts_at=context.starts_at, ends_at=context.ends_at,
        sequence=appt.version if cancelled else int(payload.get("version", 0) or 0),
        cancelled=cancelled, stamp=entry.created_at,
    )
    return Composed(address, subject, body, ics, "CANCEL" if cancelled else "REQUEST")


def compose_sms(session: Session, entry: OutboxEntry) -> ComposedSms | NotSent:
    """The SMS: a short text to the patient's phone (stored in E.164), if they accept SMS."""
    context = _context(session, entry, messages.SMS)
    if isinstance(context, NotSent):
        return context
    number = (context.patient.phone or "").strip()
    if not number:
        return NotSent("The patient has no phone number.")
    template = template_for(session, messages.template_event(entry.event, entry.payload), messages.SMS)
    return ComposedSms(number, fill(template, context.values, messages.SMS)[1])


def template_for(session: Session, event: str, channel: str) -> MessageTemplate:
    """The clinic's wording for the event and channel (Admin: Patient messages, Templates), else the default."""
    row = session.get(ClinicSetting, STORED_KEY)
    return stored_template(row.value if row is not None else None, event, channel) or default_template(event, channel)


def email_message(composed: Composed, sender: str, message_id: str) -> EmailMessage:
    """The MIME message: plain text, and the calendar file attached as ``appointment.ics``."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = composed.recipient
    msg["Subject"] = composed.subject
    msg["Message-ID"] = message_id
    msg.set_content(composed.body)
    if composed.ics is not None:
        msg.add_attachment(composed.ics, maintype="text", subtype="calendar", filename="appointment.ics",
                           params={"method": composed.ics_method})
    return msg
