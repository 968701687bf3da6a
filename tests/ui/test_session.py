"""Sign-in, idle lock, sign-out and the start-up journey, through the real widgets."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from hms_desktop.ui.app import AppController
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.session.idle_lock import IdleLock, LockDialog
from hms_desktop.ui.session.login_dialog import LoginDialog
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, add_staff, start_app, wait_idle


def login_dialog(qtbot, services, runner) -> LoginDialog:
    services.auth.sign_out()
    dialog = LoginDialog(services.auth, runner, clinic_name="Test Clinic", database_description=services.db.description)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_wrong_password_then_right_one(qtbot, services, runner):
    dialog = login_dialog(qtbot, services, runner)
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, "guess-again")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert dialog.message.text() == "The user name or password is not right."
    assert dialog.password.text() == ""
    assert services.auth.current is None
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].username == "admin"
    assert services.auth.current.username == "admin"


def test_lock_out_message_after_five_failures(qtbot, services, runner):
    dialog = login_dialog(qtbot, services, runner)
    qtbot.keyClicks(dialog.username, "admin")
    for _ in range(5):
        qtbot.keyClicks(dialog.password, "wrong-password")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        wait_idle(qtbot, runner)
    assert "locked after 5 failed sign-ins" in dialog.message.text()
    assert "15 minutes" in dialog.message.text()


def test_idle_workstation_locks_keeps_unsaved_input_and_unlocks_with_password(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    window.patients_tab.new_patient()
    form = window.patients_tab.dialogs[-1]
    qtbot.keyClicks(form.given_name, "Half-typed")
    window.idle_lock.set_timeout_ms(100)
    qtbot.waitUntil(lambda: window.idle_lock.locked, timeout=5000)
    lock = window.idle_lock.dialog
    assert isinstance(lock, LockDialog) and lock.isVisible()
    covers = [w for w in window.findChildren(QWidget) if w.objectName() == "lockOverlay"]
    assert covers and all(c.isVisible() for c in covers)
    qtbot.keyClick(lock, Qt.Key.Key_Escape)  # Escape does not open it
    assert window.idle_lock.locked
    qtbot.keyClicks(lock.password, "not-my-password")
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert lock.message.text() == "That password is not right. 4 more attempts before the account is locked."
    assert window.idle_lock.locked
    window.idle_lock.set_timeout_ms(0)  # no re-lock while the test finishes
    qtbot.keyClicks(lock.password, ADMIN_PASSWORD)
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.idle_lock.locked, timeout=10_000)
    assert form.isVisible() and form.given_name.text() == "Half-typed"
    assert not any(shiboken6.isValid(c) and c.isVisible() for c in covers)


def test_ctrl_l_locks_now(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    window.lock_action.trigger()
    assert window.idle_lock.locked
    window.idle_lock.unlock()


def test_receptionist_sees_only_what_the_role_allows(qtbot, services, runner):
    add_staff(services, "desk1", "receptionist")
    services.auth.sign_out()
    user = services.auth.sign_in("desk1", STAFF_PASSWORD)
    window = MainWindow(services, runner, user)
    qtbot.addWidget(window)
    tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert tabs == ["Patients", "Scheduler", "Billing", "Doctors", "Queues", "Dashboard", "Reports"]  # no Staff or Audit log
    assert window.user_label.text() == "Signed in: Desk1 (Receptionist)"
    assert window.database_label.text() == f"Database: {services.db.description}"
    assert "Admin" not in [a.text().replace("&", "") for a in window.menuBar().actions()]
    wait_idle(qtbot, runner)


def _controller(qtbot, database: str) -> AppController:
    return start_app(database)


def _close(controller: AppController) -> None:
    controller.runner.wait_for_idle(10_000)
    for widget in (controller.window, controller.login, controller.first_run, controller.database_dialog):
        if widget is not None and shiboken6.isValid(widget):
            widget.close()
    if controller.services is not None:
        controller.services.close()


def test_first_run_creates_the_admin_loads_demo_data_and_opens_the_window(qtbot, tmp_path):
    controller = _controller(qtbot, f"sqlite:///{tmp_path / 'new-clinic.sqlite3'}")
    try:
        first = controller.first_run
        assert first is not None and first.isVisible()
        qtbot.keyClicks(first.full_name, "Grace Admin")
        qtbot.keyClicks(first.username, "grace")
        qtbot.keyClicks(first.password, "Grace-pass-1")
        qtbot.keyClicks(first.repeat, "Grace-pass-1")
        qtbot.mouseClick(first.demo, Qt.MouseButton.LeftButton)
        first.demo_count.setValue(300)
        qtbot.mouseClick(first.buttons.buttons()[0], Qt.MouseButton.LeftButton)
        # Demo sign-ins for each role, with their temporary passwords, shown once.
        qtbot.waitUntil(lambda: first.accounts.isVisible(), timeout=30_000)
        shown = first.accounts.text()
        for username in ("demo.doctor", "demo.reception", "demo.nurse"):
            assert username in shown
        assert "only this once" in shown
        import re

        from hms_desktop.bootstrap import build_services

        password = re.search(r"demo\.nurse</b></td><td><tt>([^<]+)</tt>", shown).group(1)
        desk = build_services(controller.services.db.url.render_as_string(hide_password=False))
        try:
            assert desk.auth.sign_in("demo.nurse", password).must_change_password  # the one shown works
        finally:
            desk.close()
        assert controller.window is None
        qtbot.mouseClick(first.buttons.button(first.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=20_000)
        window = controller.window
        assert window.user_label.text() == "Signed in: Grace Admin (Admin)"
        assert str(tmp_path / "new-clinic.sqlite3") in window.database_label.text()
        qtbot.waitUntil(lambda: window.patients_tab.status.text() == "300 patients", timeout=10_000)
        assert len(controller.services.doctors.search()) == 12  # and demo doctors with their hours
    finally:
        _close(controller)


def test_unreachable_server_is_explained_and_another_database_can_be_chosen(qtbot, tmp_path):
    controller = _controller(qtbot, "postgresql://nobody@127.0.0.1:1/hms")
    try:
        dialog = controller.database_dialog
        assert dialog is not None and dialog.isVisible()
        problem = dialog.problem_label.text()
        assert problem.startswith("Cannot reach the database server 127.0.0.1:1 (database 'hms')")
        assert "is the server running?" in problem
        qtbot.mouseClick(dialog.local, Qt.MouseButton.LeftButton)
        dialog.path.setText(str(tmp_path / "fallback.sqlite3"))
        dialog.remember.setChecked(False)
        dialog._connect()
        qtbot.waitUntil(lambda: controller.first_run is not None and controller.first_run.isVisible())
        assert "fallback.sqlite3" in controller.services.db.description
    finally:
        _close(controller)


def test_sign_out_returns_to_the_login_window(qtbot, services, tmp_path):
    url = services.db.url.render_as_string(hide_password=False)
    controller = _controller(qtbot, url)
    try:
        login = controller.login
        assert login is not None and login.isVisible()
        qtbot.keyClicks(login.username, "admin")
        qtbot.keyClicks(login.password, ADMIN_PASSWORD)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)
        controller.window.sign_out_action.trigger()
        qtbot.waitUntil(lambda: controller.window is None and controller.login is not None and controller.login.isVisible(),
                        timeout=10_000)
        controller.runner.wait_for_idle(10_000)  # the sign-out's audit row is written on the worker
        assert controller.services.auth.current is None
        actions = [e.action for e in services.audit.recent(action_prefix="sign")][:2]
        assert actions == ["signout", "signin.ok"]
    finally:
        _close(controller)


def _sign_in_at(qtbot, controller) -> None:
    login = controller.login
    qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
    login = controller.login
    login.password.clear()
    login.username.clear()
    qtbot.keyClicks(login.username, "admin")
    qtbot.keyClicks(login.password, ADMIN_PASSWORD)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)


# The app backs up SQLite clinics only (a PostgreSQL server's backups are the server's).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_last_desk_to_sign_out_takes_the_backup(qtbot, services, tmp_path):
    """Signing out through the menu: not while another desk is signed in, then yes when it has left."""
    from hms_desktop.services.backups import BackupSettings, backup_log
    from tests.conftest import second_desk

    folder = tmp_path / "backups"
    services.backups.save_settings(BackupSettings(folder=str(folder)))
    services.auth.sign_out()  # the fixture's own desk leaves: only the GUI desk and `other` are in
    controller = _controller(qtbot, services.db.url.render_as_string(hide_password=False))
    other = second_desk(services)
    try:
        _sign_in_at(qtbot, controller)
        controller.window.sign_out_action.trigger()
        qtbot.waitUntil(lambda: controller.window is None, timeout=10_000)
        controller.runner.wait_for_idle(10_000)
        assert [e for e in backup_log.read(folder) if e.reason == "sign-out"] == []
        _sign_in_at(qtbot, controller)
        other.auth.sign_out(when_last_out=other.backups.backup_at_sign_out)  # the GUI desk is still in
        controller.window.sign_out_action.trigger()
        qtbot.waitUntil(lambda: controller.window is None, timeout=10_000)
        controller.runner.wait_for_idle(20_000)
        assert [e.verified for e in backup_log.read(folder) if e.reason == "sign-out"] == [True]
    finally:
        other.close()
        _close(controller)


def test_idle_lock_ignores_input_while_nobody_is_signed_in(qtbot, services, runner):
    services.auth.sign_out()
    lock = IdleLock(services.auth, runner, 0)
    lock.lock()
    assert not lock.locked
    lock.stop()


def test_a_doctor_lands_on_today_s_list(qtbot, services, runner):
    add_staff(services, "drnair", "doctor")
    services.auth.sign_out()
    user = services.auth.sign_in("drnair", STAFF_PASSWORD)
    window = MainWindow(services, runner, user)
    qtbot.addWidget(window)
    tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert tabs == ["Today", "Patients", "Scheduler", "Doctors", "Dashboard", "Reports"]  # Reports: their own figures
    assert window.tabs.currentWidget() is window.queues_tab
    wait_idle(qtbot, runner)
    window.close()


def test_hidden_tabs_load_nothing_until_they_are_shown(qtbot, services, runner):
    """The worker is shared: a Scheduler nobody opened must not queue work ahead of the patients."""
    from tests.services.conftest import make_doctor

    make_doctor(services)
    calls = []
    original = services.scheduling.day_view
    services.scheduling.day_view = lambda *a, **kw: calls.append("day_view") or original(*a, **kw)
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    assert calls == []
    window.tabs.setCurrentWidget(window.scheduler_tab)
    qtbot.waitUntil(lambda: "day_view" in calls and not runner.busy)
    window.close()


def test_the_back_office_tabs_are_built_when_first_shown_in_their_place(qtbot, services, runner):
    from hms_desktop.ui.audit.audit_tab import AuditTab
    from hms_desktop.ui.billing.billing_tab import BillingTab
    from hms_desktop.ui.staff.staff_tab import StaffTab

    window = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    labels = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert window.findChildren(StaffTab) == [] and window.findChildren(AuditTab) == []
    assert window.findChildren(BillingTab) == []
    # Alt and the tab's letter, as a person switches: the Staff tab is built where its page was.
    index = labels.index("&Staff")
    qtbot.keyClick(window.tabs, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(window.tabs.currentWidget(), StaffTab))
    assert window.tabs.indexOf(window.tabs.currentWidget()) == index
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == labels
    qtbot.waitUntil(lambda: window.staff_tab.model.rowCount() > 0)  # type: ignore[union-attr]
    # Asked for by code (a dashboard figure, "Bill this visit"): built then, the same one after.
    billing = window.billing_tab
    assert isinstance(billing, BillingTab) and window.billing_tab is billing
    assert window.tabs.indexOf(billing) == labels.index("&Billing")
    assert window.findChildren(AuditTab) == []  # still not shown, still not built
    window.close()
