"""Which channels a patient accepts appointment messages by: e-mail, SMS, both or none.

Stored on the patient as a comma-separated list (``"email,sms"``; ``""`` for none), recorded at
registration. The dispatcher asks ``accepts`` when it writes each message, so a consent withdrawn
after a message was queued stops it.
"""

from __future__ import annotations

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)
CHANNEL_WORDS = {EMAIL: "e-mail", SMS: "SMS"}


def parse_channels(value: object) -> tuple[str, ...] | None:
    """The channels in their fixed order, or None when the value names one that does not exist."""
    if not isinstance(value, str):
        return None
    named = {part.strip().lower() for part in value.split(",") if part.strip()}
    if not named <= set(CHANNELS):
        return None
    return tuple(c for c in CHANNELS if c in named)


def channels_problem(value: object, phone: str) -> str | None:
    """What is wrong with a patient's choice, in words for the desk; None when it can be stored."""
    channels = parse_channels(value)
    if channels is None:
        return "Choose e-mail, SMS, both, or neither."
    if SMS in channels and not phone.strip():
        return "SMS needs the patient's mobile number in Phone."
    return None


def stored_channels(value: object) -> str:
    return ",".join(parse_channels(value) or ())


def accepts(stored: str | None, channel: str) -> bool:
    return channel in (parse_channels(stored or "") or ())
