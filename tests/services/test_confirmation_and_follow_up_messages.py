"""The doctor's confirmation or rejection of a requested appointment, and the patient's "time for
your follow-up" message, end to end on SQLite and PostgreSQL: queued by the change (or by the
dispatcher's round on a clock the test controls), sent to a real SMTP server on localhost (aiosmtpd)
and a recording SMS gateway, consent respected, each once."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from hms_desktop.services.clinical import NotesInput
from hms_desktop.services.notifications import HttpSmsSender, NotificationDispatcher
from hms_desktop.services.notifications.messages import CONFIRMED, FOLLOW_UP, REJECTED, REQUESTED
from hms_desktop.services.patients import PatientInput
from tests.services.conftest import TODAY, Ward, at
from tests.services.test_notifications import attachment, mail_server, outbox_rows, use_mail_server  # noqa: F401
from tests.services.test_sms import NUMBER, Gateway, gateway, http_settings  # noqa: F401


def dispatcher(svc, clock: list[datetime]) -> NotificationDispatcher:  # noqa: ANN001
    return NotificationDispatcher(svc.units, now=lambda: clock[0],
                                  sms=lambda s: HttpSmsSender(api_key=lambda _s: "k") if s.mode == "http" else None)


def register(svc, given: str, channels: str = "email,sms", phone: str = NUMBER) -> int:  # noqa: ANN001
    return svc.patients.register(PatientInput(
        given_name=given, family_name="Rao", sex="female", date_of_birth=date(1985, 3, 1), phone=phone,
        email=f"{given.lower()}@example.com", message_channels=channels)).id


def body(msg) -> str:  # noqa: ANN001 - an EmailMessage
    return msg.get_body(preferencelist=("plain",)).get_content()


def test_the_doctor_confirming_a_request_writes_to_the_patient_by_e_mail_and_sms_once(ward: Ward, mail_server, gateway: Gateway):  # noqa: F811 - the fixtures
    svc = ward.admin
    use_mail_server(svc, mail_server.port)
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    asha = register(svc, "Asha")
    request = svc.scheduling.book(asha, ward.doctor_id, at(11), confirmed=False)
    at_once = svc.scheduling.book(register(svc, "Ravi", phone="+919812345679"), ward.doctor_id, at(11, 15))
    clock = [datetime.now(UTC)]
    dispatcher(svc, clock).run_once()  # both bookings' messages
    # The request is "received", the booking made at once "booked", by e-mail and SMS.
    subjects = sorted(m["Subject"].strip() for m in mail_server.box.messages)
    assert subjects == ["Request received: an appointment at Sunrise Clinic on Mon 07 Jan 2030 11:00",
                        "Your appointment at Sunrise Clinic on Mon 07 Jan 2030 11:15"]
    asked = next(m for m in mail_server.box.messages if m["Subject"].strip().startswith("Request received"))
    assert "We have received your request for an appointment with Dr Priya Nair" in body(asked)
    assert "is booked for" not in body(asked)
    texts = sorted(json.loads(r["body"])["text"] for r in gateway.requests)
    assert texts[0].startswith("Sunrise Clinic: request received for an appointment with Dr Priya Nair on "
                               "Mon 07 Jan 2030 11:00. We will confirm it.")
    assert texts[1].startswith("Sunrise Clinic: your appointment with Dr Priya Nair is booked for Mon 07 Jan 2030 11:15")
    mail_server.box.messages.clear()
    gateway.requests.clear()

    ward.doctor.visits.confirm(request.id, expected_version=request.version)
    clock[0] = datetime.now(UTC)
    summary = dispatcher(svc, clock).run_once()

    assert (summary.sent, summary.failed) == (2, 0)
    (msg,) = mail_server.box.messages
    assert msg["To"] == "asha@example.com"
    assert msg["Subject"].strip() == "Confirmed: your appointment at Sunrise Clinic on Mon 07 Jan 2030 11:00"
    assert "Dr Priya Nair has confirmed your appointment at Sunrise Clinic on Mon 07 Jan 2030 11:00 (Asia/Kolkata)" in body(msg)
    assert "East wing, room 12" in body(msg) and "+91 80 4000 1234" in body(msg)
    assert list(msg.iter_attachments()) == [], "the booking's calendar file already holds the time"
    (text,) = gateway.requests
    assert json.loads(text["body"])["text"].startswith(
        "Sunrise Clinic: Dr Priya Nair has confirmed your appointment on Mon 07 Jan 2030 11:00")
    # An appointment confirmed when it was booked gets no second message, and nothing goes twice.
    assert dispatcher(svc, clock).run_once().handled == 0
    confirmations = [r for r in outbox_rows(svc) if r.event == CONFIRMED]
    assert sorted((r.entity_id, r.channel, r.status) for r in confirmations) == [
        (str(request.id), "email", "sent"), (str(request.id), "sms", "sent")]
    assert str(at_once.id) not in {r.entity_id for r in confirmations}


def test_the_doctor_rejecting_a_request_says_why_and_takes_back_the_calendar_entry(ward: Ward, mail_server):  # noqa: F811 - the fixture
    svc = ward.admin
    use_mail_server(svc, mail_server.port)
    request = svc.scheduling.book(register(svc, "Asha", channels="email"), ward.doctor_id, at(12), confirmed=False)
    assert dispatcher(svc, [datetime.now(UTC)]).run_once().sent == 1  # the booking's message
    ward.doctor.visits.reject(request.id, "On leave that morning", expected_version=request.version)

    assert dispatcher(svc, [datetime.now(UTC)]).run_once().sent == 1
    booked, rejected = mail_server.box.messages
    assert booked["Subject"].strip() == "Request received: an appointment at Sunrise Clinic on Mon 07 Jan 2030 12:00"
    assert rejected["Subject"].strip() == "Your appointment request at Sunrise Clinic for Mon 07 Jan 2030 12:00 could not be accepted"
    assert "Dr Priya Nair cannot see you at Sunrise Clinic on Mon 07 Jan 2030 12:00" in body(rejected)
    assert "Reason: On leave that morning" in body(rejected)
    cancel = attachment(rejected)
    assert str(cancel["method"]) == "CANCEL"
    uids = {str(next(iter(attachment(m).walk("VEVENT")))["uid"]) for m in (booked, rejected)}
    assert len(uids) == 1, "the rejection cancels the entry the booking's file made"
    assert [r.status for r in outbox_rows(svc) if r.event == REJECTED] == ["sent"]


def test_the_new_messages_have_default_wording_per_channel_and_a_preview(ward: Ward):
    templates = ward.admin.message_templates
    shown = {(t.event, t.channel): t for t in templates.templates()}
    for event in (REQUESTED, CONFIRMED, REJECTED, FOLLOW_UP):
        assert shown[(event, "email")].is_default and shown[(event, "email")].subject
        assert shown[(event, "sms")].is_default and shown[(event, "sms")].body
    preview = templates.preview(CONFIRMED, "sms", "", shown[(CONFIRMED, "sms")].body)
    assert preview.body.startswith("HMS Clinic: Dr Priya Nair has confirmed your appointment on Mon 07 Jan 2030 10:00")
    follow = templates.preview(FOLLOW_UP, "email", shown[(FOLLOW_UP, "email")].subject, shown[(FOLLOW_UP, "email")].body)
    assert "Dr Priya Nair asked to see you again around Mon 07 Jan 2030" in follow.body
    # A request's wording is previewed with a requested appointment (the ward's own one is confirmed).
    request = ward.receptionist.scheduling.book(ward.patient_id, ward.doctor_id, at(11), confirmed=False)
    asked = templates.preview(REQUESTED, "email", shown[(REQUESTED, "email")].subject, shown[(REQUESTED, "email")].body)
    assert asked.subject == f"Request received: an appointment at HMS Clinic on {request.local_start:%a %d %b %Y} 11:00"
    assert "We have received your request for an appointment with Dr Priya Nair" in asked.body
    again = templates.preview(CONFIRMED, "sms", "", shown[(CONFIRMED, "sms")].body)
    assert again.body == preview.body, "other events still preview with the next appointment"
    saved = templates.save_template(FOLLOW_UP, "sms", "", "$patient: see $doctor around $follow_up_on")
    assert not saved.is_default


def _visit_with_follow_up(ward: Ward, patient_id: int, hour: int, due: date) -> int:
    appt = ward.receptionist.scheduling.book(patient_id, ward.doctor_id, at(hour))
    ward.receptionist.visits.check_in(appt.id)
    visit = ward.doctor.clinical.open_for_appointment(appt.id)
    ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput(complaint="cough", follow_up_on=due))
    return visit.id


def test_a_follow_up_message_goes_on_its_day_once_by_the_accepted_channels_unless_a_visit_is_booked(
        ward: Ward, mail_server, gateway: Gateway):  # noqa: F811 - the fixtures
    svc = ward.admin
    use_mail_server(svc, mail_server.port)
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    svc.notifications.set_reminder_hours(0)  # only the follow-ups, not the bookings' reminders
    due = TODAY + timedelta(days=3)
    asha = register(svc, "Asha", channels="email")
    nobody = register(svc, "Meera", channels="", phone="+919812345670")
    booked = register(svc, "Ravi", channels="email,sms", phone="+919812345679")
    wanted = _visit_with_follow_up(ward, asha, 11, due)
    _visit_with_follow_up(ward, nobody, 12, due)
    _visit_with_follow_up(ward, booked, 16, due)
    ward.receptionist.scheduling.book(booked, ward.doctor_id, at(10, day=due))  # the follow-up, already booked
    clock = [datetime.now(UTC)]
    dispatcher(svc, clock).run_once()  # the bookings' messages
    mail_server.box.messages.clear()
    gateway.requests.clear()

    clock[0] = at(0, day=due).astimezone(UTC) - timedelta(seconds=1)  # one second before the day
    assert dispatcher(svc, clock).run_once().handled == 0
    assert [r for r in outbox_rows(svc) if r.event == FOLLOW_UP] == []

    clock[0] += timedelta(seconds=1)
    assert dispatcher(svc, clock).run_once().sent == 1
    (msg,) = mail_server.box.messages
    assert msg["To"] == "asha@example.com" and msg["Subject"] == "Time for your follow-up visit at Sunrise Clinic"
    assert "Dr Priya Nair asked to see you again around Thu 10 Jan 2030 for a follow-up visit." in body(msg)
    assert gateway.requests == [], "Asha accepts only e-mail; Ravi has his follow-up booked"

    clock[0] += timedelta(days=2)  # later rounds, and a second dispatcher, queue nothing again
    assert dispatcher(svc, clock).run_once().handled == 0
    assert NotificationDispatcher(svc.units, now=lambda: clock[0]).queue_reminders() == 0
    rows = [r for r in outbox_rows(svc) if r.event == FOLLOW_UP]
    assert [(r.entity_id, r.channel, r.status) for r in rows] == [(str(wanted), "email", "sent")]


def test_a_follow_up_message_is_texted_and_dropped_when_the_visit_is_booked_before_it_goes(ward: Ward, gateway: Gateway):  # noqa: F811 - the fixture
    svc = ward.admin
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    svc.notifications.set_reminder_hours(0)
    due = TODAY + timedelta(days=1)
    texted = register(svc, "Asha", channels="sms")
    late = register(svc, "Ravi", channels="sms", phone="+919812345679")
    _visit_with_follow_up(ward, texted, 11, due)
    _visit_with_follow_up(ward, late, 12, due)
    clock = [at(8, day=due).astimezone(UTC)]
    runner = dispatcher(svc, clock)
    runner.queue_reminders()
    gateway.requests.clear()
    # Ravi's follow-up is booked after his message was queued and before it went.
    ward.receptionist.scheduling.book(late, ward.doctor_id, at(17, day=due))
    summary = runner.run_once()
    follow_ups = {r.entity_id: r for r in outbox_rows(svc) if r.event == FOLLOW_UP}
    assert len(follow_ups) == 2 and summary.not_sent >= 1
    texts = [json.loads(r["body"]) for r in gateway.requests]
    assert [t["text"] for t in texts if "follow-up" in t["text"]] == [
        "HMS Clinic: Dr Priya Nair asked to see you again around Tue 08 Jan 2030. To book a follow-up visit, please contact HMS Clinic."]
    dropped = next(r for r in follow_ups.values() if r.status == "cancelled")
    assert dropped.last_error == "A follow-up appointment is already booked."
