"""The outbox sent from an open desk: a message queued at another desk reaches a real SMTP server on
localhost through the main window's timer, and signing out gives the dispatch lock up."""

from __future__ import annotations

from sqlalchemy import text

from hms_desktop.services.permissions import Permission
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.notifications import desk_dispatch
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import Clinic, at, clinic  # noqa: F401 - the fixture
from tests.services.test_dispatch_lock import DISPATCH_LOCK_KEY, HOLDERS
from tests.services.test_notifications import mail_server, outbox_rows, patient_with_email, use_mail_server

__all__ = ["mail_server"]  # the fixture, imported to be used here


def test_a_message_queued_at_another_desk_is_sent_by_the_windows_timer(qtbot, clinic: Clinic, runner, mail_server,  # noqa: F811 - the fixture
                                                                     monkeypatch):
    monkeypatch.setattr(desk_dispatch, "FIRST_ROUND_MS", 100)
    monkeypatch.setattr(desk_dispatch, "ROUND_MS", 300)
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    window = MainWindow(svc, runner, svc.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    assert window.desk_dispatch is not None

    other = second_desk(svc)
    try:
        other.scheduling.book(patient_with_email(other), clinic.doctor.id, at(10, 15))
    finally:
        other.close()
    # Sent, and marked sent (the commit follows the server's "OK").
    qtbot.waitUntil(lambda: [row.status for row in outbox_rows(svc)] == ["sent"], timeout=15_000)
    assert [m["To"] for m in mail_server.box.messages] == ["asha.rao@example.com"]

    window.close()  # what signing out does to the window
    assert desk_dispatch.dispatch_runner().wait_for_idle(10_000)
    if not svc.db.is_sqlite:
        with svc.db.read() as session:
            assert session.execute(text(f"SELECT count(*) {HOLDERS}"), {"key": DISPATCH_LOCK_KEY}).scalar() == 0
    # A booking after this desk signed out stays queued: its timer stopped (two periods waited).
    svc.scheduling.book(patient_with_email(svc, "Ravi", "Kumar", "ravi@example.com"), clinic.doctor.id, at(11))
    qtbot.wait(700)
    assert [row.status for row in outbox_rows(svc)] == ["sent", "pending"]
    assert len(mail_server.box.messages) == 1


def test_a_desk_without_the_send_permission_does_not_dispatch(qtbot, clinic: Clinic, runner):  # noqa: F811 - the fixture
    svc = clinic.svc
    add_staff(svc, "rita", "receptionist")
    desk = second_desk(svc, "rita", STAFF_PASSWORD)
    try:
        assert not desk.auth.current.can(Permission.NOTIFICATIONS_SEND)
        window = MainWindow(desk, runner, desk.auth.current, idle_lock_minutes=0)
        qtbot.addWidget(window)
        assert window.desk_dispatch is None
        window.close()
        wait_idle(qtbot, runner)
    finally:
        desk.close()
