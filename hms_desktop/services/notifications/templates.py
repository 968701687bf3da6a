"""The words of each patient message (plain text), filled from the appointment as the clinic writes it.

``$name`` placeholders (string.Template), so an editor for administrators can later store other
wording per event without code: clinic, patient, doctor, when (in the clinic's zone), room, and how
to cancel.
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
}


# One SMS each, short enough for two messages at most; the clinic's phone for a reply.
SMS_TEMPLATES: dict[str, str] = {
    messages.BOOKED: "$clinic: your appointment with $doctor is booked for $when. $room. To cancel, $contact.",
    messages.RESCHEDULED: "$clinic: your appointment with $doctor has moved from $old_when to $when. $room.",
    messages.CANCELLED: "$clinic: your appointment with $doctor on $when is cancelled. To book again, $contact.",
    messages.REMINDER: "$clinic reminder: appointment with $doctor on $when, $room. If you cannot come, $contact.",
}


def render_sms(event: str, values: dict[str, str]) -> str:
    """The SMS text for the event, on one line."""
    return " ".join(Template(SMS_TEMPLATES[event]).safe_substitute(values).split())


def render(event: str, values: dict[str, str]) -> tuple[str, str]:
    """(subject, body) for the event. A placeholder the values lack is left as written, never an error."""
    template = DEFAULT_TEMPLATES[event]
    subject = Template(template.subject).safe_substitute(values)
    body = Template(template.body).safe_substitute(values)
    # A header carries one line: a line break in a clinic or doctor name must not start a new header.
    return " ".join(subject.split()), body
