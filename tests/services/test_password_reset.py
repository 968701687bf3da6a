"""A forgotten staff password reset by a one-time code e-mailed through the outbox to a real SMTP
server on localhost (aiosmtpd in this process), on SQLite and PostgreSQL. The clock is the clinic's,
pinned by the tests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hms_desktop.bootstrap import Services, build_services
from hms_desktop.models import AuditEntry, OutboxEntry, PasswordResetCode
from hms_desktop.services.errors import AuthenticationFailed, ValidationError
from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.services.password_reset import (
    REFUSED_ANSWER,
    SENT_ANSWER,
    CodeRefused,
    ResetNotAvailable,
)
from tests.conftest import STAFF_PASSWORD
from tests.services.conftest import NOW, fix_clock
from tests.services.test_notifications import mail_server, use_mail_server  # noqa: F401 - the fixture

NEW_PASSWORD = "Brand-new-pass-9"


class Desk:
    """The sign-in window of a workstation: nobody signed in, the clinic's clock pinned."""

    def __init__(self, svc: Services, now: datetime = NOW) -> None:
        self.admin = svc  # the dispatcher runs on a signed-in workstation (hms notify, the admin's desk)
        self.svc = build_services(svc.db.url.render_as_string(hide_password=False))
        self.now = now
        self.svc.scheduling.clock = lambda: self.now

    def deliver(self) -> None:
        NotificationDispatcher(self.admin.units, now=lambda: self.now).run_once()


@pytest.fixture
def desk(services: Services, mail_server):  # noqa: F811 - the fixture imported above
    fix_clock(services)
    use_mail_server(services, mail_server.port)
    services.staff.add("nina", "Nina Nurse", "nurse", STAFF_PASSWORD, email="Nina.Nurse@Example.com")
    services.staff.add("rita", "Rita Reception", "receptionist", STAFF_PASSWORD)  # no e-mail address
    d = Desk(services)
    yield d
    d.svc.close()


def code_in(message) -> str:  # noqa: ANN001 - an EmailMessage
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"Your code: (\d{8})", body)
    assert found, body
    return found.group(1)


def audit_rows(svc: Services, prefix: str = "password_reset.") -> list[AuditEntry]:
    with svc.db.read() as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                    .order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


def test_the_code_from_the_delivered_mail_sets_the_password_once(desk: Desk, mail_server):  # noqa: F811
    assert desk.svc.password_reset.request_reset(" Nina ") == SENT_ANSWER
    desk.deliver()
    (msg,) = mail_server.box.messages
    assert msg["To"] == "Nina.Nurse@example.com"
    assert msg["Subject"] == "Sunrise Clinic: your password reset code"
    code = code_in(msg)
    assert "07:15 (clinic time)" in msg.get_body().get_content()  # 07:00 + 15 minutes, clinic time

    desk.svc.password_reset.confirm_reset("nina", code[:4] + " " + code[4:], NEW_PASSWORD)
    assert desk.svc.auth.sign_in("nina", NEW_PASSWORD).username == "nina"
    desk.svc.auth.sign_out()
    with pytest.raises(AuthenticationFailed):
        desk.svc.auth.sign_in("nina", STAFF_PASSWORD)

    with pytest.raises(CodeRefused) as reused:
        desk.svc.password_reset.confirm_reset("nina", code, "Another-pass-77")
    assert str(reused.value) == REFUSED_ANSWER
    assert desk.svc.auth.sign_in("nina", NEW_PASSWORD)  # the reuse changed nothing

    steps = [(r.action, r.summary) for r in audit_rows(desk.svc)]
    assert [a for a, _ in steps] == ["password_reset.requested", "password_reset.completed", "password_reset.refused"]
    assert "already used" in steps[2][1]
    every_text = " ".join(f"{r.summary} {r.changes}" for r in audit_rows(desk.svc, ""))
    assert code not in every_text
    # The outbox row sent keeps neither the code nor its text.
    with desk.svc.db.read() as session:
        (row,) = session.scalars(select(OutboxEntry).where(OutboxEntry.event == "staff.password_reset")).all()
        assert row.status == "sent" and code not in row.body and "code" not in (row.payload or {})
        (stored,) = session.scalars(select(PasswordResetCode)).all()
        assert code not in (stored.code_hash, stored.salt) and stored.ended_at is not None


def test_wrong_codes_are_refused_and_the_fifth_kills_the_code(desk: Desk, mail_server):  # noqa: F811
    desk.svc.password_reset.request_reset("nina")
    desk.deliver()
    code = code_in(mail_server.box.messages[0])
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(5):
        with pytest.raises(CodeRefused, match="not right"):
            desk.svc.password_reset.confirm_reset("nina", wrong, NEW_PASSWORD)
    with pytest.raises(CodeRefused):
        desk.svc.password_reset.confirm_reset("nina", code, NEW_PASSWORD)  # the right one, too late
    assert desk.svc.auth.sign_in("nina", STAFF_PASSWORD)
    summaries = [r.summary for r in audit_rows(desk.svc) if r.action == "password_reset.refused"]
    assert "wrong code (wrong try 1 of 5)" in summaries[0]
    assert "wrong try 5 of 5); the code no longer works" in summaries[4]
    assert "run out of tries" in summaries[5]


def test_an_expired_code_is_refused(desk: Desk, mail_server):  # noqa: F811
    desk.svc.password_reset.request_reset("nina")
    desk.deliver()
    code = code_in(mail_server.box.messages[0])
    desk.now = NOW + timedelta(minutes=15)
    with pytest.raises(CodeRefused, match="for 15 minutes"):
        desk.svc.password_reset.confirm_reset("nina", code, NEW_PASSWORD)
    assert audit_rows(desk.svc)[-1].summary == "Password reset refused for 'nina': the code has expired"
    assert desk.svc.auth.sign_in("nina", STAFF_PASSWORD)


def test_a_code_not_sent_before_it_expires_is_never_sent(desk: Desk, mail_server):  # noqa: F811
    desk.svc.password_reset.request_reset("nina")
    desk.now = NOW + timedelta(minutes=16)  # the mail server was unreachable all that time
    desk.deliver()
    assert mail_server.box.messages == []
    with desk.svc.db.read() as session:
        row = session.scalar(select(OutboxEntry).where(OutboxEntry.event == "staff.password_reset"))
        assert row.status == "cancelled" and row.last_error == "The code expired before it could be sent."
        assert "code" not in (row.payload or {})


def test_unknown_names_and_accounts_without_mail_get_the_same_answer_and_no_mail(desk: Desk, mail_server):  # noqa: F811
    assert desk.svc.password_reset.request_reset("nobody") == SENT_ANSWER
    assert desk.svc.password_reset.request_reset("rita") == SENT_ANSWER
    desk.deliver()
    assert mail_server.box.messages == []
    for name in ("nobody", "rita"):
        with pytest.raises(CodeRefused) as refused:
            desk.svc.password_reset.confirm_reset(name, "12345678", NEW_PASSWORD)
        assert str(refused.value) == REFUSED_ANSWER
    reasons = [r.summary for r in audit_rows(desk.svc)]
    assert reasons == [
        "Password reset code not sent for 'nobody': unknown user name",
        "Password reset code not sent for 'rita': the account has no e-mail address",
        "Password reset refused for 'nobody': unknown user name",
        "Password reset refused for 'rita': no code was sent",
    ]


def test_a_new_code_replaces_the_old_and_requests_are_rate_limited(desk: Desk, mail_server):  # noqa: F811
    for _ in range(4):
        assert desk.svc.password_reset.request_reset("nina") == SENT_ANSWER
    desk.deliver()
    assert len(mail_server.box.messages) == 3  # the fourth request within the hour sent nothing
    first, _, last = (code_in(m) for m in mail_server.box.messages)
    with pytest.raises(CodeRefused):
        desk.svc.password_reset.confirm_reset("nina", first, NEW_PASSWORD)
    desk.svc.password_reset.confirm_reset("nina", last, NEW_PASSWORD)
    assert "3 codes already sent in the last hour" in audit_rows(desk.svc)[3].summary
    desk.now = NOW + timedelta(hours=1, minutes=1)
    desk.svc.password_reset.request_reset("nina")
    desk.deliver()
    assert len(mail_server.box.messages) == 4


def test_the_password_rules_apply_and_a_locked_account_is_unlocked(desk: Desk, mail_server):  # noqa: F811
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            desk.svc.auth.sign_in("nina", "wrong-password")
    desk.svc.password_reset.request_reset("nina")
    desk.deliver()
    code = code_in(mail_server.box.messages[0])
    with pytest.raises(ValidationError) as short:
        desk.svc.password_reset.confirm_reset("nina", code, "short")
    assert short.value.fields == {"new_password": "Use at least 8 characters."}
    desk.svc.password_reset.confirm_reset("nina", code, NEW_PASSWORD)  # the refused password cost no try
    assert desk.svc.auth.sign_in("nina", NEW_PASSWORD).username == "nina"
    assert audit_rows(desk.svc)[-1].summary.endswith("(lock cleared)")


def test_without_a_mail_server_the_answer_says_to_ask_an_administrator(services: Services):
    with pytest.raises(ResetNotAvailable, match="Ask an administrator"):
        services.password_reset.request_reset("admin")


def test_staff_e_mail_addresses_are_checked_and_changed_with_the_account(services: Services):
    with pytest.raises(ValidationError) as bad:
        services.staff.add("omar", "Omar", "doctor", STAFF_PASSWORD, email="omar@")
    assert "does not look like an e-mail address" in bad.value.fields["email"]
    member = services.staff.add("omar", "Omar", "doctor", STAFF_PASSWORD)
    assert member.email == ""
    member = services.staff.update(member.id, member.version, full_name="Omar", role="doctor",
                                   email=" omar@Example.com ")
    assert member.email == "omar@example.com"
    kept = services.staff.update(member.id, member.version, full_name="Omar K", role="doctor")
    assert kept.email == "omar@example.com"
