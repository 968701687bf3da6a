"""SMS through the dispatcher, on SQLite and PostgreSQL, to a real HTTP gateway on 127.0.0.1 that
records each request: consent decides who gets one, a gateway that fails is tried again later with
the e-mail's backoff, and no message goes twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from hms_desktop.models import OutboxEntry
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.notifications import HttpSmsSender, NotificationDispatcher, retry_delay
from hms_desktop.services.patients import PatientInput
from tests.services.conftest import Clinic, at
from tests.services.test_sms import NUMBER, Gateway, gateway, http_settings  # noqa: F401 - the fixture

KEY = "gateway-key"


def dispatcher(svc, clock: list[datetime]) -> NotificationDispatcher:  # noqa: ANN001
    return NotificationDispatcher(svc.units, now=lambda: clock[0], max_attempts=3,
                                  sms=lambda s: HttpSmsSender(api_key=lambda _s: KEY) if s.mode == "http" else None)


def patient(svc, channels: str, given: str = "Asha", phone: str = NUMBER) -> int:  # noqa: ANN001
    return svc.patients.register(PatientInput(
        given_name=given, family_name="Rao", sex="female", date_of_birth=date(1985, 3, 1), phone=phone,
        email=f"{given.lower()}@example.com", message_channels=channels)).id


def sms_rows(svc) -> list[OutboxEntry]:  # noqa: ANN001
    with svc.db.read() as session:
        rows = list(session.scalars(select(OutboxEntry).where(OutboxEntry.channel == "sms").order_by(OutboxEntry.id)))
        session.expunge_all()
        return rows


def test_a_booking_texts_only_the_patients_who_accept_sms(clinic: Clinic, gateway: Gateway):  # noqa: F811 - the fixture
    svc = clinic.svc
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    both = patient(svc, "email,sms", "Asha")
    patient_email_only = patient(svc, "email", "Ravi", "+919812345679")
    svc.scheduling.book(both, clinic.doctor.id, at(10))
    svc.scheduling.book(patient_email_only, clinic.doctor.id, at(11))
    clock = [datetime.now(UTC)]
    summary = dispatcher(svc, clock).run_once()
    # Two e-mails (no mail server: retrying) and one SMS, sent.
    assert (summary.sent, summary.retrying) == (1, 2)
    (request,) = gateway.requests
    body = json.loads(request["body"])
    assert body["to"] == NUMBER and body["from"] == "Sunrise"
    assert body["text"].startswith("HMS Clinic: your appointment with Dr Priya Nair is booked for Mon 07 Jan 2030 10:00")
    assert request["headers"]["X-API-Key"] == KEY
    (row,) = sms_rows(svc)
    assert (row.status, row.recipient, row.dedupe_key) == ("sent", NUMBER, f"appointment.booked:{row.entity_id}:sms")

    # Another round, or a second dispatcher, sends nothing again.
    assert dispatcher(svc, clock).run_once().sent == 0
    assert len(gateway.requests) == 1


def test_a_gateway_that_fails_is_tried_again_later_and_the_message_goes_once(clinic: Clinic, gateway: Gateway):  # noqa: F811 - the fixture
    svc = clinic.svc
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    svc.scheduling.book(patient(svc, "sms"), clinic.doctor.id, at(10))
    gateway.status = 503
    clock = [datetime.now(UTC)]
    first = dispatcher(svc, clock)
    assert first.run_once().retrying == 1
    (row,) = sms_rows(svc)
    assert row.attempts == 1 and "503" in row.last_error
    assert row.not_before.astimezone(UTC) == pytest.approx(clock[0] + retry_delay(1), abs=timedelta(seconds=1))
    assert first.run_once().handled == 0, "not before its time"

    gateway.status = 200
    clock[0] += retry_delay(1) + timedelta(seconds=1)
    assert first.run_once().sent == 1
    assert dispatcher(svc, clock).run_once().handled == 0
    assert len(gateway.requests) == 2 and sms_rows(svc)[0].status == "sent"


def test_a_consent_withdrawn_after_queuing_stops_the_sms_and_sms_off_queues_none(clinic: Clinic, gateway: Gateway):  # noqa: F811 - the fixture
    svc = clinic.svc
    svc.notifications.save_sms_settings(http_settings(gateway.url))
    pid = patient(svc, "sms")
    svc.scheduling.book(pid, clinic.doctor.id, at(10))
    clock = [datetime.now(UTC)]
    dispatcher(svc, clock).queue_reminders()  # the copy is queued
    record = svc.patients.get(pid)
    svc.patients.update(pid, record.version, PatientInput(given_name="Asha", family_name="Rao", sex="female",
                                                          date_of_birth=record.date_of_birth, phone=NUMBER,
                                                          message_channels=""))
    dispatcher(svc, clock).run_once()
    assert gateway.requests == []
    (row,) = sms_rows(svc)
    assert row.status == "cancelled" and "does not accept appointment messages by SMS" in row.last_error

    svc.notifications.save_sms_settings(http_settings(gateway.url).__class__(mode="off"))
    svc.scheduling.book(patient(svc, "sms", "Meera", "+919812345670"), clinic.doctor.id, at(11))
    dispatcher(svc, clock).run_once()
    assert len(sms_rows(svc)) == 1, "no copy while SMS is off"


def test_consent_is_recorded_with_the_patient_and_sms_needs_a_phone(clinic: Clinic):
    svc = clinic.svc
    pid = patient(svc, "sms,email")
    assert svc.patients.get(pid).message_channels == "email,sms"
    with pytest.raises(ValidationError) as refused:
        svc.patients.register(PatientInput(given_name="No", family_name="Phone", sex="male", message_channels="sms",
                                           date_of_birth=date(1990, 1, 1)))
    assert "mobile number" in refused.value.fields["message_channels"]
    with pytest.raises(ValidationError) as unknown:
        svc.patients.register(PatientInput(given_name="Carrier", family_name="Pigeon", sex="male",
                                           message_channels="pigeon", date_of_birth=date(1990, 1, 1)))
    assert "e-mail, SMS, both, or neither" in unknown.value.fields["message_channels"]
    none = patient(svc, "", "Nina")
    assert svc.patients.get(none).message_channels == ""
