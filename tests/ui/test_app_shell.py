"""The app shell through the real windows: signing out, a lock-out at the idle lock and an account
ended by an administrator all return to the sign-in window (the program keeps running, nothing of
the last session is left); the forced password change shows no clinic data; menus and tabs have
unique mnemonics; the main window and its status bar fit the screen."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QByteArray, QRect, QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from hms_desktop.ui.app import AppController
from hms_desktop.ui.common import window_fit
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.session.change_password_dialog import ChangePasswordDialog
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, add_staff, second_desk, start_app, wait_idle

NEW_PASSWORD = "Desk-own-pass-1"


def _controller(services) -> AppController:
    return start_app(services.db.url.render_as_string(hide_password=False))


def _close(controller: AppController) -> None:
    controller.runner.wait_for_idle(10_000)
    for widget in (controller.window, controller.login, controller.first_run, controller.database_dialog,
                   controller.password_dialog):
        if widget is not None and shiboken6.isValid(widget):
            widget.hide()
            widget.close()
    controller.runner.shutdown(10_000)
    if controller.services is not None:
        controller.services.close()


def _sign_in(qtbot, controller: AppController, username: str, password: str) -> None:
    login = controller.login
    assert login is not None and login.isVisible()
    qtbot.keyClicks(login.username, username)
    qtbot.keyClicks(login.password, password)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)


def _receptionist(services) -> None:
    """A receptionist who has already replaced the temporary password."""
    add_staff(services, "desk1", "receptionist")
    desk = second_desk(services, "desk1", STAFF_PASSWORD)
    desk.auth.change_own_password(STAFF_PASSWORD, NEW_PASSWORD)
    desk.close()


def _visible_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_sign_out_keeps_the_program_running_for_the_next_person(qtbot, services):
    controller = _controller(services)
    app = QApplication.instance()
    try:
        _sign_in(qtbot, controller, "admin", ADMIN_PASSWORD)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)
        window = controller.window
        window.patients_tab.new_patient()
        form = window.patients_tab.dialogs[-1]
        assert form.isVisible()
        with qtbot.assertNotEmitted(app.lastWindowClosed):
            window.sign_out_action.trigger()
            qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
        assert controller.window is None
        # Nothing of the last session is left.
        assert not any(shiboken6.isValid(w) and w.isVisible() for w in (window, form))
        assert controller.login.username.text() == ""
    finally:
        _close(controller)


def test_the_fifth_wrong_password_at_the_idle_lock_returns_to_sign_in_with_the_reason(qtbot, services):
    controller = _controller(services)
    app = QApplication.instance()
    try:
        _sign_in(qtbot, controller, "admin", ADMIN_PASSWORD)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)
        window = controller.window
        window.lock_action.trigger()
        lock = window.idle_lock.dialog
        assert lock is not None and lock.isVisible()
        said = []
        with qtbot.assertNotEmitted(app.lastWindowClosed):
            for _ in range(5):
                qtbot.keyClicks(lock.password, "not-my-password")
                qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
                wait_idle(qtbot, controller.runner)
                if window.idle_lock.locked:
                    said.append(lock.message.text())
            qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
        # Before the last attempt the lock window said how many were left.
        assert said == [
            "That password is not right. 4 more attempts before the account is locked.",
            "That password is not right. 3 more attempts before the account is locked.",
            "That password is not right. 2 more attempts before the account is locked.",
            "That password is not right. One more wrong password locks the account for 15 minutes and signs you out.",
        ]
        message = controller.login.message
        assert message.isVisible() and "locked after 5 failed sign-ins" in message.text()
        assert "You have been signed out." in message.text()
        assert controller.window is None and not (shiboken6.isValid(window) and window.isVisible())
        assert controller.services.auth.current is None
    finally:
        _close(controller)


def test_a_deactivated_account_returns_the_desk_to_sign_in_with_a_plain_message(qtbot, services):
    _receptionist(services)
    controller = _controller(services)
    try:
        _sign_in(qtbot, controller, "desk1", NEW_PASSWORD)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)
        window = controller.window
        wait_idle(qtbot, controller.runner)
        window.patients_tab.new_patient()
        form = window.patients_tab.dialogs[-1]
        member = next(m for m in services.staff.list() if m.username == "desk1")
        services.staff.set_active(member.id, member.version, False)  # the admin, at another desk
        qtbot.keyClicks(window.patients_tab.search, "asha")  # the desk's next call finds out
        qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
        assert "deactivated your account" in controller.login.message.text()
        assert controller.window is None
        assert not any(shiboken6.isValid(w) and w.isVisible() for w in (window, form))
        assert _visible_boxes() == []  # no crash dialog, no error box left over
    finally:
        _close(controller)


def test_a_role_change_also_ends_the_session(qtbot, services):
    _receptionist(services)
    controller = _controller(services)
    try:
        _sign_in(qtbot, controller, "desk1", NEW_PASSWORD)
        qtbot.waitUntil(lambda: controller.window is not None, timeout=10_000)
        wait_idle(qtbot, controller.runner)
        member = next(m for m in services.staff.list() if m.username == "desk1")
        services.staff.update(member.id, member.version, full_name=member.full_name, role="nurse")
        controller.window.patients_tab.reload()
        qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
        assert "changed your role to Nurse" in controller.login.message.text()
        assert _visible_boxes() == []
    finally:
        _close(controller)


def test_the_forced_password_change_shows_nothing_of_the_clinic_behind_it(qtbot, services):
    add_staff(services, "desk1", "receptionist")  # a temporary password set by the admin
    controller = _controller(services)
    try:
        _sign_in(qtbot, controller, "desk1", STAFF_PASSWORD)
        qtbot.waitUntil(lambda: controller.password_dialog is not None and controller.password_dialog.isVisible(),
                        timeout=10_000)
        dialog = controller.password_dialog
        assert isinstance(dialog, ChangePasswordDialog)
        assert controller.window is None
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        qtbot.keyClicks(dialog.current, STAFF_PASSWORD)
        qtbot.keyClicks(dialog.new, NEW_PASSWORD)
        qtbot.keyClicks(dialog.repeat, NEW_PASSWORD)
        qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(), timeout=10_000)
        assert not controller.window.user.must_change_password
    finally:
        _close(controller)


def test_cancelling_the_forced_password_change_returns_to_sign_in(qtbot, services):
    add_staff(services, "desk1", "receptionist")
    controller = _controller(services)
    try:
        _sign_in(qtbot, controller, "desk1", STAFF_PASSWORD)
        qtbot.waitUntil(lambda: controller.password_dialog is not None and controller.password_dialog.isVisible(),
                        timeout=10_000)
        qtbot.keyClick(controller.password_dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: controller.login is not None and controller.login.isVisible(), timeout=10_000)
        assert controller.window is None
    finally:
        _close(controller)


def _mnemonic(text: str) -> str | None:
    i = text.replace("&&", "").find("&")
    return text.replace("&&", "")[i + 1].lower() if i >= 0 else None


def test_no_mnemonic_twice_in_menus_and_tabs(qtbot, services, runner):
    """Alt+letter reaches exactly one menu or tab, and within a menu each item has its own letter."""
    window = MainWindow(services, runner, services.auth.current)  # the admin: every menu and tab
    qtbot.addWidget(window)
    top = [a.text() for a in window.menuBar().actions()] + [window.tabs.tabText(i) for i in range(window.tabs.count())]
    letters = [_mnemonic(t) for t in top]
    assert None not in letters, top
    assert len(set(letters)) == len(letters), top
    for action in window.menuBar().actions():
        items = [a.text() for a in action.menu().actions() if not a.isSeparator()]
        inner = [_mnemonic(t) for t in items if _mnemonic(t)]
        assert len(set(inner)) == len(inner), items
    wait_idle(qtbot, runner)


def test_ctrl_l_locks_while_a_dialog_is_open(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    window.patients_tab.new_patient()
    form = window.patients_tab.dialogs[-1]
    form.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    qtbot.keyClick(form.given_name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.idle_lock.locked
    window.idle_lock.unlock()
    form.reject()


def test_a_long_status_text_never_widens_the_window(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    width, least = window.width(), window.minimumSizeHint().width()
    long = "Cannot reach the database server 10.0.0.5:5432 (database 'hms'): " + "connection refused " * 40
    window.database_label.setText(long)
    window._show_status(long)
    QApplication.processEvents()
    assert window.width() == width
    assert window.minimumSizeHint().width() <= least
    assert window.database_label.toolTip() == long  # the whole text is still there to read
    assert window.database_label.elided_text().endswith("…")


@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_the_main_window_fits_its_screen_and_remembers_the_user_s_size(qtbot, services, runner, monkeypatch, size):
    # The test screen is 800x800; the screens the desks have are these (less a 30 px panel).
    screen = QRect(0, 30, size[0], size[1] - 30)
    monkeypatch.setattr(window_fit, "available", lambda widget: screen)
    # A size remembered from a bigger monitor must not overflow this one.
    big = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(big)
    big.setGeometry(QRect(0, 0, screen.width() + 800, screen.height() + 600))
    QSettings().setValue("main_window/geometry", big.saveGeometry())
    big.idle_lock.stop()
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    assert window.frameGeometry().width() <= screen.width()
    assert window.frameGeometry().height() <= screen.height()
    assert screen.contains(window.frameGeometry().topLeft())
    # A size the user chose (within the screen) is kept for next time.
    window.resize(760, 560)  # within this test screen's 800x800 too, where Qt restores it
    chosen = window.size()
    window.close()
    again = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(again)
    assert again.size() == chosen
    QSettings().setValue("main_window/geometry", QByteArray())
    wait_idle(qtbot, runner)


def assert_nothing_cut(window) -> None:
    """Every visible word-wrapped label has the height its text needs at its width."""
    QApplication.processEvents()
    layout = window.layout()
    assert window.height() >= layout.totalHeightForWidth(window.width()) - 1
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.wordWrap() and label.text():
            assert label.height() >= label.heightForWidth(label.width()), label.text()


def test_the_lock_window_grows_to_show_the_whole_message(qtbot, services, runner):
    window = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0)
    qtbot.addWidget(window)
    window.show()
    window.lock_action.trigger()
    lock = window.idle_lock.dialog
    before = lock.height()
    qtbot.keyClicks(lock.password, "not-my-password")
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert lock.message.isVisible() and lock.height() > before
    assert_nothing_cut(lock)
    window.idle_lock.unlock()


def test_the_sign_in_window_shows_a_long_message_whole(qtbot, services, runner):
    from hms_desktop.ui.session.login_dialog import LoginDialog

    services.auth.sign_out()
    login = LoginDialog(services.auth, runner, clinic_name="Test Clinic", database_description=services.db.description)
    qtbot.addWidget(login)
    login.show()
    QApplication.processEvents()
    login.show_message(
        "Cannot reach the database server 10.0.0.5:5432 (database 'hms'): connection refused (is the server "
        "running, and does its firewall let this computer in?). Nothing of yours was lost; try again in a moment."
    )
    assert_nothing_cut(login)


def test_admin_menu_opens_backups_and_audit_check(qtbot, services, runner):
    from hms_desktop.ui.backups.backups_dialog import BackupsDialog

    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    admin = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Admin")
    action = next(a for a in admin.actions() if a.text().replace("&", "").startswith("Backups and audit check"))
    action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, BackupsDialog) and w.isVisible() for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, BackupsDialog))
    wait_idle(qtbot, runner)
    dialog.reject()


def test_admin_menu_opens_patient_email(qtbot, services, runner):
    from hms_desktop.ui.notifications.patient_email_dialog import PatientEmailDialog

    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, runner)
    admin = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Admin")
    action = next(a for a in admin.actions() if a.text().replace("&", "").startswith("Patient messages"))
    action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, PatientEmailDialog) and w.isVisible()
                                for w in QApplication.topLevelWidgets()))
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PatientEmailDialog))
    wait_idle(qtbot, runner)
    assert dialog.mail_server.isEnabled(), "the settings loaded"
    dialog.reject()
