"""The outbox sent from an open desk: a message queued at another desk reaches a real SMTP server on
localhost through the main window's timer, and signing out gives the dispatch lock up."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from hms_desktop.services.permissions import Permission
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.notifications import desk_dispatch
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import Clinic, at, clinic  # noqa: F401 - the fixture
from tests.services.test_dispatch_lock import DISPATCH_LOCK_KEY, HOLDERS
from tests.services.test_notifications import mail_server, outbox_rows, patient_with_email, use_mail_server

__all__ = ["mail_server"]  # the fixture, imported to be used here


def _sending_window(qtbot, svc, runner, port: int, monkeypatch) -> MainWindow:  # noqa: ANN001
    """An administrator's main window whose dispatch timer runs fast, sending to ``port``."""
    monkeypatch.setattr(desk_dispatch, "FIRST_ROUND_MS", 100)
    monkeypatch.setattr(desk_dispatch, "ROUND_MS", 300)
    use_mail_server(svc, port)
    window = MainWindow(svc, runner, svc.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    return window


def test_a_message_queued_at_another_desk_is_sent_by_the_windows_timer(qtbot, clinic: Clinic, runner, mail_server,  # noqa: F811 - the fixture
                                                                     monkeypatch):
    svc = clinic.svc
    window = _sending_window(qtbot, svc, runner, mail_server.port, monkeypatch)
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
        assert _holders(svc) == 0, "signing out gives the dispatch lock up"
    # A booking after this desk signed out stays queued: its timer stopped (two periods waited).
    svc.scheduling.book(patient_with_email(svc, "Ravi", "Kumar", "ravi@example.com"), clinic.doctor.id, at(11))
    qtbot.wait(700)
    assert [row.status for row in outbox_rows(svc)] == ["sent", "pending"]
    assert len(mail_server.box.messages) == 1


def test_every_role_s_desk_takes_its_turn_at_sending(qtbot, clinic: Clinic, runner):  # noqa: F811 - the fixture
    # Sending the clinic's queued messages is not the person's privilege: a front desk with only a
    # receptionist signed in sends them too.
    svc = clinic.svc
    add_staff(svc, "rita", "receptionist")
    desk = second_desk(svc, "rita", STAFF_PASSWORD)
    try:
        assert desk.auth.current.can(Permission.NOTIFICATIONS_SEND)
        window = MainWindow(desk, runner, desk.auth.current, idle_lock_minutes=0)
        qtbot.addWidget(window)
        assert window.desk_dispatch is not None
        window.close()
        wait_idle(qtbot, runner)
    finally:
        desk.close()


def test_a_locked_desk_stops_sending_and_gives_the_lock_up_until_it_is_unlocked(qtbot, clinic: Clinic, runner,  # noqa: F811 - the fixture
                                                                               mail_server, monkeypatch):
    svc = clinic.svc
    window = _sending_window(qtbot, svc, runner, mail_server.port, monkeypatch)
    pg = not svc.db.is_sqlite
    if pg:
        qtbot.waitUntil(lambda: _holders(svc) == 1, timeout=10_000)

    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock the workstation
    assert window.idle_lock.locked
    assert desk_dispatch.dispatch_runner().wait_for_idle(10_000)
    assert not window.desk_dispatch.timer.isActive()
    if pg:
        assert _holders(svc) == 0, "a desk nobody is at must leave sending to another"
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(10, 15))
    qtbot.wait(700)
    assert [row.status for row in outbox_rows(svc)] == ["pending"]

    dialog = window.idle_lock.dialog
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.idle_lock.locked, timeout=10_000)
    qtbot.waitUntil(lambda: [row.status for row in outbox_rows(svc)] == ["sent"], timeout=15_000)
    assert len(mail_server.box.messages) == 1
    window.close()
    assert desk_dispatch.dispatch_runner().wait_for_idle(10_000)



def _holders(svc) -> int:  # noqa: ANN001 - Services
    with svc.db.read() as session:
        return session.execute(text(f"SELECT count(*) {HOLDERS}"), {"key": DISPATCH_LOCK_KEY}).scalar()
