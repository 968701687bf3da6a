"""The ``.ics`` attachment (RFC 5545, made with icalendar): the appointment as a calendar event.

A booking is a REQUEST, a move the same event with a higher SEQUENCE, a cancellation a CANCEL, all
with one UID per appointment, so a calendar program updates the one entry it already has.
"""

from __future__ import annotations

from datetime import UTC, datetime


def appointment_uid(appointment_id: int, clinic: str) -> str:
    slug = "".join(ch for ch in clinic.lower() if ch.isalnum()) or "clinic"
    return f"appointment-{appointment_id}@{slug}.hms-desktop"


def appointment_ics(
    *, appointment_id: int, clinic: str, summary: str, location: str, description: str,
    starts_at: datetime, ends_at: datetime, sequence: int = 0, cancelled: bool = False, stamp: datetime | None = None,
) -> bytes:
    from icalendar import Calendar, Event  # about 0.1 s to import: at the first message, not at start-up

    cal = Calendar()
    cal.add("prodid", "-//HMS Desktop//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", appointment_uid(appointment_id, clinic))
    event.add("dtstamp", (stamp or datetime.now(UTC)).astimezone(UTC))
    # UTC in the file: every calendar program shows it in its own zone, no VTIMEZONE needed.
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    event.add("description", description)
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
