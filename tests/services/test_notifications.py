"""Patient e-mails about appointments, end to end: the scheduler queues them in the booking's own
transaction, the dispatcher sends them to a real SMTP server on localhost (aiosmtpd, in this
process), on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import os
import socket
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import func, select

from hms_desktop.bootstrap import Services, build_services
from hms_desktop.models import OutboxEntry
from hms_desktop.services.errors import PermissionDenied, ValidationError
from hms_desktop.services.notifications import NotificationDispatcher, SmtpSender, SmtpSettings, retry_delay
from hms_desktop.services.notifications.service import MailNotSent
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SlotTaken
from hms_desktop.services.settings import ClinicSettings
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services.conftest import Clinic, at


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ARG002, N802 - aiosmtpd's hook
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.box = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def mail_server():
    server = MailServer(free_port())
    server.start()
    yield server
    server.stop()


def use_mail_server(svc: Services, port: int) -> None:
    svc.notifications.save_smtp_settings(
        SmtpSettings(host="127.0.0.1", port=port, security="none", sender="Sunrise Clinic <desk@sunrise.example>",
                     timeout_seconds=5)
    )
    settings = svc.settings.get()
    from dataclasses import replace

    svc.settings.update(replace(settings, clinic_name="Sunrise Clinic", clinic_phone="+91 80 4000 1234"))


def patient_with_email(svc: Services, given: str = "Asha", family: str = "Rao", email: str = "asha.rao@example.com") -> int:
    return svc.patients.register(
        PatientInput(given_name=given, family_name=family, sex="female", date_of_birth=date(1985, 3, 1), email=email)
    ).id


def outbox_rows(svc: Services) -> list[OutboxEntry]:
    with svc.db.read() as session:
        rows = list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
        session.expunge_all()
        return rows


def attachment(msg: EmailMessage) -> Calendar:
    parts = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar file attached"
    assert parts[0].get_filename() == "appointment.ics"
    return Calendar.from_ical(parts[0].get_content() if isinstance(parts[0].get_content(), bytes)
                              else parts[0].get_content().encode())


def test_booking_confirmation_arrives_with_patient_doctor_clinic_time_and_a_valid_ics(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    patient = patient_with_email(svc)
    appt = svc.scheduling.book(patient, clinic.doctor.id, at(10, 15))

    summary = NotificationDispatcher(svc.units).run_once()

    assert (summary.sent, summary.failed, summary.retrying) == (1, 0, 0)
    assert len(mail_server.box.messages) == 1
    msg = mail_server.box.messages[0]
    assert msg["To"] == "asha.rao@example.com"
    assert "Sunrise Clinic" in msg["From"]
    assert msg["Subject"] == "Your appointment at Sunrise Clinic on Mon 07 Jan 2030 10:15"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Asha Rao," in body
    assert "Dr Priya Nair" in body
    # 10:15 in the clinic's zone (Asia/Kolkata), which is 04:45 UTC: the text says the clinic's time.
    assert "Mon 07 Jan 2030 10:15 (Asia/Kolkata)" in body
    assert "East wing, room 12" in body
    assert "+91 80 4000 1234" in body and "cannot come" in body

    cal = attachment(msg)
    assert str(cal["method"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2030, 1, 7, 4, 45, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2030, 1, 7, 5, 0, tzinfo=UTC)  # one 15-minute slot
    assert str(event["location"]) == "East wing, room 12"
    assert str(event["uid"]).startswith(f"appointment-{appt.id}@")

    (row,) = outbox_rows(svc)
    assert (row.status, row.attempts, row.recipient) == ("sent", 1, "asha.rao@example.com")
    assert row.sent_at is not None
    # Sent once: another run finds nothing to do.
    assert NotificationDispatcher(svc.units).run_once().handled == 0
    assert len(mail_server.box.messages) == 1


def test_reschedule_and_cancellation_messages_follow_the_appointment(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    patient = patient_with_email(svc)
    appt = svc.scheduling.book(patient, clinic.doctor.id, at(10))
    dispatcher = NotificationDispatcher(svc.units)
    assert dispatcher.run_once().sent == 1
    svc.scheduling.reschedule(appt.id, at(11))
    svc.visits.cancel(appt.id, "Feeling better", by="patient")

    assert dispatcher.run_once().sent == 2
    booked, moved, cancelled = mail_server.box.messages
    assert "10:00" in booked["Subject"]
    moved_body = moved.get_body(preferencelist=("plain",)).get_content()
    assert "moved from Mon 07 Jan 2030 10:00 to Mon 07 Jan 2030 11:00" in moved_body
    (moved_event,) = attachment(moved).walk("VEVENT")
    assert moved_event.decoded("dtstart") == at(11).astimezone(UTC)
    assert int(moved_event["sequence"]) >= 1
    cancelled_body = cancelled.get_body(preferencelist=("plain",)).get_content()
    assert "cancelled at your request" in cancelled_body and "Reason: Feeling better" in cancelled_body
    assert "on Mon 07 Jan 2030 11:00" in cancelled_body
    cancel_cal = attachment(cancelled)
    assert str(cancel_cal["method"]) == "CANCEL"
    uids = {str(next(iter(attachment(m).walk("VEVENT")))["uid"]) for m in (booked, moved, cancelled)}
    assert len(uids) == 1, "one calendar entry, updated and then cancelled"


def test_a_booking_cancelled_before_its_confirmation_went_out_gets_only_the_cancellation(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    appt = svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(10))
    svc.visits.cancel(appt.id, "Booked by mistake", by="clinic")

    summary = NotificationDispatcher(svc.units).run_once()

    assert (summary.sent, summary.not_sent) == (1, 1)
    (msg,) = mail_server.box.messages
    assert "is cancelled" in msg["Subject"]
    assert "cancelled by the clinic" in msg.get_body(preferencelist=("plain",)).get_content()
    booked = next(r for r in outbox_rows(svc) if r.event == "appointment.booked")
    assert booked.status == "cancelled" and "cancelled before its confirmation" in booked.last_error


def test_a_patient_without_e_mail_gets_no_message_and_the_reason_is_kept(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    svc.scheduling.book(clinic.patients[0], clinic.doctor.id, at(9))  # registered without an address

    summary = NotificationDispatcher(svc.units).run_once()

    assert (summary.sent, summary.not_sent) == (0, 1)
    assert mail_server.box.messages == []
    (row,) = outbox_rows(svc)
    assert row.status == "cancelled" and row.last_error == "The patient has no e-mail address."


def test_a_refused_booking_queues_nothing_and_each_booking_queues_one_message(clinic: Clinic):
    svc = clinic.svc
    first, second = patient_with_email(svc), patient_with_email(svc, "Ravi", "Iyer", "ravi@example.com")
    svc.scheduling.book(first, clinic.doctor.id, at(9, 30))
    with pytest.raises(SlotTaken):
        svc.scheduling.book(second, clinic.doctor.id, at(9, 30))
    rows = outbox_rows(svc)
    assert [(r.event, r.entity_type, r.status) for r in rows] == [("appointment.booked", "appointment", "pending")]
    assert rows[0].dedupe_key == f"appointment.booked:{rows[0].entity_id}:email"


def test_a_mail_server_that_is_down_leaves_the_message_queued_and_it_goes_once_when_back(clinic: Clinic):
    svc = clinic.svc
    server = MailServer(free_port())  # nothing listens on this port yet
    use_mail_server(svc, server.port)
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(12))
    now = datetime.now(UTC)
    clock = [now]
    dispatcher = NotificationDispatcher(svc.units, now=lambda: clock[0])

    assert dispatcher.run_once().retrying == 1
    (row,) = outbox_rows(svc)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "Could not reach the mail server 127.0.0.1" in row.last_error
    assert row.not_before >= now + retry_delay(1) - timedelta(seconds=1)
    assert dispatcher.run_once().handled == 0, "not tried again before its time"

    server.start()
    try:
        assert dispatcher.run_once().handled == 0, "still waiting for its time"
        clock[0] = now + retry_delay(1) + timedelta(seconds=1)
        assert dispatcher.run_once().sent == 1
        assert dispatcher.run_once().handled == 0
        clock[0] += timedelta(days=1)
        assert dispatcher.run_once().handled == 0
        assert len(server.box.messages) == 1
        (row,) = outbox_rows(svc)
        assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    finally:
        server.stop()


def test_after_the_last_attempt_the_message_fails_with_the_reason_and_can_be_sent_again(clinic: Clinic, mail_server):
    svc = clinic.svc
    down_port = free_port()
    use_mail_server(svc, down_port)
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(16))
    clock = [datetime.now(UTC)]
    dispatcher = NotificationDispatcher(svc.units, now=lambda: clock[0], max_attempts=3)
    outcomes = []
    for _ in range(3):
        outcomes.append(dispatcher.send_next())
        clock[0] += timedelta(hours=2)
    assert outcomes == ["retrying", "retrying", "failed"]
    assert dispatcher.run_once().handled == 0
    (failed,) = svc.notifications.outbox("failed")
    assert failed.attempts == 3 and "Could not reach the mail server" in failed.last_error

    use_mail_server(svc, mail_server.port)
    again = svc.notifications.send_again(failed.id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert dispatcher.run_once().sent == 1
    assert len(mail_server.box.messages) == 1


def _dispatching_desk(url: str, barrier, results) -> None:  # noqa: ANN001
    svc = build_services(url)
    try:
        svc.identity.act_as_system()
        dispatcher = NotificationDispatcher(svc.units)
        barrier.wait(timeout=60)
        summary = dispatcher.run_once()
        results.put((summary.sent, summary.handled))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))
    finally:
        svc.close()


@pytest.mark.postgres
def test_three_dispatcher_processes_on_one_postgresql_database_send_each_message_once(pg_url, mail_server):
    svc = build_services(pg_url)
    try:
        from tests.conftest import ADMIN_PASSWORD
        from tests.services.conftest import fix_clock, make_doctor

        svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        fix_clock(svc)
        doctor = make_doctor(svc)
        use_mail_server(svc, mail_server.port)
        starts = [at(9, 15 * i) if i < 4 else at(10 + (i - 4) // 4, 15 * ((i - 4) % 4)) for i in range(12)]
        starts += [at(16, 20 * i) if i < 3 else at(17 + (i - 3) // 3, 20 * ((i - 3) % 3)) for i in range(9)]
        for i, start in enumerate(starts):
            svc.scheduling.book(patient_with_email(svc, "Pat", f"Number{i}", f"pat{i}@example.com"), doctor.id, start)
        with svc.db.read() as session:
            queued = session.scalar(select(func.count()).select_from(OutboxEntry))
        assert queued == len(starts) == 21

        ctx = multiprocessing.get_context("spawn")
        barrier, results = ctx.Barrier(3), ctx.Queue()
        procs = [ctx.Process(target=_dispatching_desk, args=(pg_url, barrier, results)) for _ in range(3)]
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert all(o[0] != "error" for o in outcomes), outcomes
        assert sum(o[0] for o in outcomes) == 21

        received = [m["To"] for m in mail_server.box.messages]
        assert sorted(received) == sorted(f"pat{i}@example.com" for i in range(21)), "each exactly once"
        assert len({m["Message-ID"] for m in mail_server.box.messages}) == 21
        assert {r.status for r in outbox_rows(svc)} == {"sent"}
    finally:
        svc.close()


def test_the_smtp_password_is_refused_a_place_in_the_database(clinic: Clinic):
    settings = clinic.svc.notifications.save_smtp_settings(
        SmtpSettings(host="mail.example", port=587, username="desk", sender="desk@example.com")
    )
    assert settings == clinic.svc.notifications.smtp_settings()
    assert "password" not in SmtpSettings.__dataclass_fields__
    assert ClinicSettings().clinic_name  # the clinic's name the messages fall back to


def test_hms_notify_run_once_sends_the_queue_from_the_command_line(clinic: Clinic, mail_server, tmp_path):
    import os
    import subprocess
    import sys

    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(11, 30))
    svc.scheduling.book(clinic.patients[1], clinic.doctor.id, at(11, 45))  # no address
    url = svc.db.url.render_as_string(hide_password=False)
    env = {**os.environ, "HMS_DATA_DIR": str(tmp_path), "HMS_BCRYPT_ROUNDS": "4"}
    env.pop("HMS_DATABASE_URL", None)

    def run_once() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hms_desktop", "--database", url, "notify", "run", "--once"],
                              capture_output=True, text=True, env=env, timeout=120)

    done = run_once()
    assert done.returncode == 0, done.stderr
    assert "1 sent, 0 to try again later, 0 failed, 1 not sent" in done.stdout
    assert [m["To"] for m in mail_server.box.messages] == ["asha.rao@example.com"]
    again = run_once()
    assert "0 sent" in again.stdout and len(mail_server.box.messages) == 1


def test_each_move_is_its_own_message(clinic: Clinic):
    svc = clinic.svc
    appt = svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(9))
    svc.scheduling.reschedule(appt.id, at(10))
    svc.scheduling.reschedule(appt.id, at(11))
    rows = outbox_rows(svc)
    assert [r.event for r in rows] == ["appointment.booked", "appointment.rescheduled", "appointment.rescheduled"]
    assert len({r.dedupe_key for r in rows}) == 3
    assert [r.payload["starts_at"] for r in rows[1:]] == [at(10).astimezone(UTC).isoformat(),
                                                          at(11).astimezone(UTC).isoformat()]


class _CrashAfter(SmtpSender):
    """Dies (like a killed process) right after the server took the ``n``-th message, before the
    dispatcher could commit that it was sent."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.count = n, 0

    def send(self, settings, message) -> None:  # noqa: ANN001
        super().send(settings, message)
        self.count += 1
        if self.count == self.n:
            os._exit(17)


def _crashing_desk(url: str, n: int) -> None:
    svc = build_services(url)
    svc.identity.act_as_system()
    NotificationDispatcher(svc.units, _CrashAfter(n)).run_once()


def test_a_dispatcher_killed_mid_batch_and_restarted_repeats_at_most_the_one_message_in_flight(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    for i in range(5):
        svc.scheduling.book(patient_with_email(svc, "Pat", f"Crash{i}", f"crash{i}@example.com"),
                            clinic.doctor.id, at(9, 15 * i) if i < 4 else at(10))
    url = svc.db.url.render_as_string(hide_password=False)

    proc = multiprocessing.get_context("spawn").Process(target=_crashing_desk, args=(url, 3))
    proc.start()
    proc.join(timeout=120)
    assert proc.exitcode == 17, "the dispatcher died after the third message was handed over"
    assert len(mail_server.box.messages) == 3
    assert [r.status for r in outbox_rows(svc)] == ["sent", "sent", "pending", "pending", "pending"]

    assert NotificationDispatcher(svc.units).run_once().sent == 3
    received = [m["To"] for m in mail_server.box.messages]
    # The third went twice (the server had it when the process died, the commit never came), with
    # the same Message-ID so a mail program can tell; every other message went exactly once.
    assert sorted(received) == sorted([f"crash{i}@example.com" for i in range(5)] + ["crash2@example.com"])
    third = [m["Message-ID"] for m in mail_server.box.messages if m["To"] == "crash2@example.com"]
    assert len(third) == 2 and third[0] == third[1]
    assert {r.status for r in outbox_rows(svc)} == {"sent"}
    assert NotificationDispatcher(svc.units).run_once().handled == 0


def test_a_reminder_is_queued_at_the_lead_time_not_before_and_not_for_a_cancelled_appointment(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    assert svc.notifications.reminder_hours() == 24
    svc.notifications.set_reminder_hours(6)
    with pytest.raises(ValidationError):
        svc.notifications.set_reminder_hours(-1)
    kept = svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(10))  # 04:30 UTC
    dropped = svc.scheduling.book(patient_with_email(svc, "Ravi", "Iyer", "ravi@example.com"), clinic.doctor.id, at(10, 15))
    svc.visits.cancel(dropped.id, "Travelling", by="patient")
    clock = [at(10).astimezone(UTC) - timedelta(hours=6, seconds=1)]
    dispatcher = NotificationDispatcher(svc.units, now=lambda: clock[0])
    dispatcher.run_once()  # the confirmations and the cancellation
    before = len(mail_server.box.messages)

    assert dispatcher.queue_reminders() == 0, "one second before the lead time: nothing yet"
    clock[0] += timedelta(seconds=1)
    assert dispatcher.run_once().sent == 1
    (reminder,) = mail_server.box.messages[before:]
    assert reminder["To"] == "asha.rao@example.com"
    assert reminder["Subject"] == "Reminder: your appointment at Sunrise Clinic on Mon 07 Jan 2030 10:00"
    assert "Dr Priya Nair" in reminder.get_body(preferencelist=("plain",)).get_content()
    clock[0] += timedelta(hours=1)
    assert dispatcher.run_once().handled == 0, "one reminder per appointment"
    reminders = [r for r in outbox_rows(svc) if r.event == "appointment.reminder"]
    assert [(r.entity_id, r.status) for r in reminders] == [(str(kept.id), "sent")]


def test_a_reminder_queued_before_a_move_is_not_sent_and_the_new_time_gets_its_own(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    appt = svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(12))
    clock = [at(12).astimezone(UTC) - timedelta(hours=23)]
    dispatcher = NotificationDispatcher(svc.units, now=lambda: clock[0])
    assert dispatcher.queue_reminders() == 1
    svc.scheduling.reschedule(appt.id, at(12, 15))
    summary = dispatcher.run_once()  # confirmation, move, old reminder dropped, new reminder
    assert (summary.sent, summary.not_sent) == (3, 1)
    subjects = [m["Subject"] for m in mail_server.box.messages]
    assert subjects[-1] == "Reminder: your appointment at Sunrise Clinic on Mon 07 Jan 2030 12:15"
    assert not any("12:00" in s and s.startswith("Reminder") for s in subjects)


def test_a_test_message_goes_straight_to_the_server_and_bad_input_is_told_in_words(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    assert svc.notifications.send_test_message(" Admin@Sunrise.example ") == "Admin@sunrise.example"
    assert [m["Subject"] for m in mail_server.box.messages] == ["Test message from HMS Desktop"]
    assert "Sunrise Clinic" in mail_server.box.messages[0].get_content()
    assert outbox_rows(svc) == [], "a test message is not a patient message: nothing queued"
    with pytest.raises(ValidationError) as bad:
        svc.notifications.send_test_message("not an address")
    assert "not an e-mail address" in bad.value.fields["test_to"]
    down = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", sender="desk@sunrise.example",
                        timeout_seconds=2)
    with pytest.raises(MailNotSent, match=f"Could not reach the mail server 127.0.0.1:{down.port}"):
        svc.notifications.send_test_message("admin@sunrise.example", settings=down)
    assert len(mail_server.box.messages) == 1


def test_only_who_manages_settings_may_send_a_test_message(clinic: Clinic, mail_server):
    use_mail_server(clinic.svc, mail_server.port)
    add_staff(clinic.svc, "desk1", "receptionist")
    desk = second_desk(clinic.svc, "desk1", STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            desk.notifications.send_test_message("admin@sunrise.example")
    finally:
        desk.close()
    assert mail_server.box.messages == []


def test_the_mail_server_and_the_reminders_lead_time_are_saved_together_or_not_at_all(clinic: Clinic, tmp_path):
    svc = clinic.svc
    good = SmtpSettings(host="127.0.0.1", port=2525, security="none", sender="desk@sunrise.example")
    with pytest.raises(ValidationError) as refused:
        svc.notifications.save_smtp_settings(good, reminder_hours=999)
    assert "336" in refused.value.fields["reminder_hours"]
    assert svc.notifications.smtp_settings().host == "", "a bad lead time saves no server either"
    with pytest.raises(ValidationError):
        svc.notifications.save_smtp_settings(replace(good, ca_file=str(tmp_path / "missing.pem")), reminder_hours=6)
    assert svc.notifications.reminder_hours() == 24, "a bad server saves no lead time either"

    svc.notifications.save_smtp_settings(good, reminder_hours=6)
    assert (svc.notifications.smtp_settings().port, svc.notifications.reminder_hours()) == (2525, 6)
    actions = [e.action for e in svc.audit.recent() if e.action.startswith("settings.")]
    assert actions[:2] == ["settings.smtp", "settings.reminder_hours"]
