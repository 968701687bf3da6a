"""The words of each patient message (plain text), filled from the appointment as the clinic writes it.

``$name`` placeholders (string.Template): the defaults here, or the clinic's own wording per event
and channel (e-mail, SMS) that an administrator writes in Admin: Patient messages, Templates, kept
in the ``message_templates`` clinic setting. An unknown placeholder is refused when saved
(``placeholder_problem``), so a message never goes out with a ``$typo`` in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from . import messages


@dataclass(frozen=True)
class MessageTemplate:
    subject: str
    body: str


DEFAULT_TEMPLATES: dict[str, MessageTemplate] = {
    messages.BOOKED: MessageTemplate(
        subject="Your appointment at $clinic on $when",
        body=(
            "Dear $patient,\n\n"
            "Your appointment with $doctor at $clinic is booked for $when ($zone).\n"
            "Where: $room\n\n"
            "The attached calendar file adds it to your calendar.\n\n"
            "$how_to_cancel\n\n"
            "$clinic\n"
        ),
    ),
    messages.REQUESTED: MessageTemplate(
        subject="Request received: an appointment at $clinic on $when",
        body=(
            "Dear $patient,\n\n"
            "We have received your request for an appointment with $doctor at $clinic on $when ($zone).\n"
            "$doctor will confirm it, and we will write again when they do.\n"
            "Where: $room\n\n"
            "The attached calendar file holds the time in your calendar.\n\n"
            "$how_to_cancel\n\n"
            "$clinic\n"
        ),
    ),
    messages.RESCHEDULED: MessageTemplate(
        subject="Your appointment at $clinic has moved to $when",
        body=(
            "Dear $patient,\n\n"
            "Your appointment with $doctor at $clinic has moved from $old_when to $when ($zone).\n"
            "Where: $room\n\n"
            "The attached calendar file updates your calendar.\n\n"
            "$how_to_cancel\n\n"
            "$clinic\n"
        ),
    ),
    messages.CANCELLED: MessageTemplate(
        subject="Your appointment at $clinic on $when is cancelled",
        body=(
            "Dear $patient,\n\n"
            "Your appointment with $doctor at $clinic on $when ($zone) has been cancelled$by.\n"
            "$reason_line\n"
            "To book another time, $contact.\n\n"
            "$clinic\n"
        ),
    ),
    messages.REMINDER: MessageTemplate(
        subject="Reminder: your appointment at $clinic on $when",
        body=(
            "Dear $patient,\n\n"
            "This is a reminder of your appointment with $doctor at $clinic on $when ($zone).\n"
            "Where: $room\n\n"
            "$how_to_cancel\n\n"
            "$clinic\n"
        ),
    ),
    messages.CONFIRMED: MessageTemplate(
        subject="Confirmed: your appointment at $clinic on $when",
        body=(
            "Dear $patient,\n\n"
            "$doctor has confirmed your appointment at $clinic on $when ($zone).\n"
            "Where: $room\n\n"
            "$how_to_cancel\n\n"
            "$clinic\n"
        ),
    ),
    messages.REJECTED: MessageTemplate(
        subject="Your appointment request at $clinic for $when could not be accepted",
        body=(
            "Dear $patient,\n\n"
            "We are sorry: $doctor cannot see you at $clinic on $when ($zone), so the appointment "
            "you asked for is not booked.\n"
            "$reason_line\n"
            "To find another time, $contact.\n\n"
            "$clinic\n"
        ),
    ),
    messages.FOLLOW_UP: MessageTemplate(
        subject="Time for your follow-up visit at $clinic",
        body=(
            "Dear $patient,\n\n"
            "$doctor asked to see you again around $follow_up_on for a follow-up visit.\n"
            "To book a time, $contact.\n\n"
            "$clinic\n"
        ),
    ),
}


# One SMS each, short enough for two messages at most; the clinic's phone for a reply.
SMS_TEMPLATES: dict[str, str] = {
    messages.BOOKED: "$clinic: your appointment with $doctor is booked for $when. $room. To cancel, $contact.",
    messages.REQUESTED: "$clinic: request received for an appointment with $doctor on $when. "
                        "We will confirm it. To cancel, $contact.",
    messages.RESCHEDULED: "$clinic: your appointment with $doctor has moved from $old_when to $when. $room.",
    messages.CANCELLED: "$clinic: your appointment with $doctor on $when is cancelled. To book again, $contact.",
    messages.REMINDER: "$clinic reminder: appointment with $doctor on $when, $room. If you cannot come, $contact.",
    messages.CONFIRMED: "$clinic: $doctor has confirmed your appointment on $when, $room. To cancel, $contact.",
    messages.REJECTED: "$clinic: sorry, $doctor cannot see you on $when; the appointment is not booked. To find another time, $contact.",
    messages.FOLLOW_UP: "$clinic: $doctor asked to see you again around $follow_up_on. To book a follow-up visit, $contact.",
}

#: Every placeholder a message may use, with what it becomes (for the editor's help and its checks).
PLACEHOLDERS: dict[str, str] = {
    "clinic": "the clinic's name", "patient": "the patient's name", "doctor": "the doctor's name",
    "when": "the appointment's day and time, in the clinic's zone", "zone": "the clinic's time zone",
    "room": "where (the doctor's room, or the clinic)", "old_when": "the time before a move",
    "contact": "\"please call <clinic> on <phone>\"", "clinic_phone": "the clinic's phone number",
    "how_to_cancel": "a sentence on how to cancel", "by": "\" at your request\" or \" by the clinic\"",
    "reason_line": "\"Reason: ...\" and a line break, when a reason was given",
    "follow_up_on": "the day the doctor asked to see the patient again (follow-up messages)",
}
STORED_KEY = "message_templates"  # the clinic_settings row: {"email": {event: {subject, body}}, "sms": ...}


def default_template(event: str, channel: str) -> MessageTemplate:
    if channel == messages.SMS:
        return MessageTemplate("", SMS_TEMPLATES[event])
    return DEFAULT_TEMPLATES[event]


def stored_template(stored: object, event: str, channel: str) -> MessageTemplate | None:
    """The clinic's own wording for the event and channel, from the stored row's value; None: the default."""
    entry = stored.get(channel, {}).get(event) if isinstance(stored, dict) and isinstance(stored.get(channel), dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
        return None
    subject = entry.get("subject", "")
    return MessageTemplate(subject if isinstance(subject, str) else "", entry["body"])


def placeholder_problem(text: str) -> str | None:
    """Why the text cannot be a template, in plain words; None when every placeholder is known."""
    for match in Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if match.group("invalid") is not None:
            return "A $ must start a placeholder such as $patient; write $$ for a dollar sign."
        if name is not None and name not in PLACEHOLDERS:
            return f"There is no placeholder ${name}. Use one of: " + ", ".join(f"${p}" for p in PLACEHOLDERS) + "."
    return None


def fill(template: MessageTemplate, values: dict[str, str], channel: str = messages.EMAIL) -> tuple[str, str]:
    """(subject, body) with the values put in. A subject, and an SMS, are one line: a line break in a
    clinic or doctor name must not start a new header or split a text."""
    subject = " ".join(Template(template.subject).safe_substitute(values).split())
    body = Template(template.body).safe_substitute(values)
    return subject, " ".join(body.split()) if channel == messages.SMS else body
