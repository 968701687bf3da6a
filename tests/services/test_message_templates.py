"""The wording of patient messages, edited per event and channel, on SQLite and PostgreSQL: an
unknown placeholder refused in plain words, a preview from a real appointment, the clinic's wording
used by the next message that goes out, and the default back on request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hms_desktop.services.errors import ValidationError
from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.services.notifications.messages import BOOKED, REMINDER
from tests.services.conftest import Clinic, at
from tests.services.test_notifications import mail_server, patient_with_email, use_mail_server  # noqa: F401


def test_an_unknown_placeholder_or_a_lone_dollar_is_refused_in_words_and_nothing_is_saved(clinic: Clinic):
    templates = clinic.svc.message_templates
    with pytest.raises(ValidationError) as unknown:
        templates.save_template(BOOKED, "email", "Booked at $clinic", "Dear $patiant, see you $when.")
    assert unknown.value.fields["body"].startswith("There is no placeholder $patiant. Use one of: $clinic, $patient")
    with pytest.raises(ValidationError) as dollar:
        templates.save_template(BOOKED, "sms", "", "Fee: 500 $ at $clinic")
    assert "write $$ for a dollar sign" in dollar.value.fields["body"]
    with pytest.raises(ValidationError) as no_subject:
        templates.save_template(BOOKED, "email", " ", "Dear $patient")
    assert no_subject.value.fields["subject"] == "An e-mail needs a subject."
    assert all(t.is_default for t in templates.templates())


def test_the_preview_is_filled_from_a_real_appointment(clinic: Clinic):
    svc = clinic.svc
    empty = svc.message_templates.preview(REMINDER, "sms", "", "Hi $patient, $doctor at $when")
    assert empty.body == "Hi Asha Rao, Dr Priya Nair at Mon 07 Jan 2030 10:00" and "sample" in empty.source
    svc.scheduling.book(patient_with_email(svc, "Ravi", "Kumar", "ravi@example.com"), clinic.doctor.id, at(16))
    shown = svc.message_templates.preview(REMINDER, "sms", "", "Hi $patient,\n$doctor at $when in $room")
    assert shown.body == "Hi Ravi Kumar, Dr Priya Nair at Mon 07 Jan 2030 16:00 in East wing, room 12"
    assert shown.source == "Filled from Ravi Kumar's appointment with Dr Priya Nair on Mon 07 Jan 2030 16:00."


def test_the_clinics_wording_goes_out_with_the_next_message_and_the_default_comes_back(clinic: Clinic, mail_server):  # noqa: F811
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    saved = svc.message_templates.save_template(BOOKED, "email", "See you at $clinic, $patient",
                                                "Dear $patient,\n$doctor expects you on $when.\n$how_to_cancel")
    assert not saved.is_default
    actions = [e.action for e in svc.audit.recent()]
    assert actions[0] == "settings.message_template"
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(10))
    NotificationDispatcher(svc.units, now=lambda: datetime.now(UTC)).run_once()
    (message,) = mail_server.box.messages
    assert message["Subject"] == "See you at Sunrise Clinic, Asha Rao"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").startswith(
        "Dear Asha Rao,\nDr Priya Nair expects you on Mon 07 Jan 2030 10:00.\nIf you cannot come, please call")

    back = svc.message_templates.reset_template(BOOKED, "email")
    assert back.is_default and back.subject == "Your appointment at $clinic on $when"
    others = [t for t in svc.message_templates.templates() if (t.event, t.channel) != (BOOKED, "email")]
    assert len(others) == 15 and all(t.is_default for t in others)  # 8 events, e-mail and SMS
