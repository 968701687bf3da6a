""""Forgot password?" on the sign-in window, through real clicks and keys: the code goes through
the outbox to a real SMTP server on localhost and is typed back from the delivered e-mail."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt

from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.services.password_reset import REFUSED_ANSWER, SENT_ANSWER
from hms_desktop.ui.session.login_dialog import LoginDialog
from tests.conftest import STAFF_PASSWORD, second_desk, wait_idle
from tests.services.test_notifications import mail_server, use_mail_server  # noqa: F401 - the fixture

NEW_PASSWORD = "Fresh-password-42"


def test_a_code_by_e_mail_sets_a_new_password_from_the_sign_in_window(qtbot, services, runner, mail_server):  # noqa: F811
    use_mail_server(services, mail_server.port)
    services.staff.add("nina", "Nina Nurse", "nurse", STAFF_PASSWORD, email="nina@example.com")
    admin_desk = second_desk(services)  # where the dispatcher runs
    services.auth.sign_out()
    login = LoginDialog(services.auth, runner, clinic_name="Test Clinic",
                        database_description=services.db.description, resets=services.password_reset)
    qtbot.addWidget(login)
    login.show()
    qtbot.keyClicks(login.username, "nina")
    qtbot.mouseClick(login.forgot_button, Qt.MouseButton.LeftButton)
    dialog = login.forgot_dialog
    assert dialog is not None and dialog.isVisible() and dialog.username.text() == "nina"

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.message.text() == SENT_ANSWER
    NotificationDispatcher(admin_desk.units).run_once()
    (msg,) = mail_server.box.messages
    code = re.search(r"Your code: (\d{8})", msg.get_body().get_content()).group(1)

    qtbot.keyClicks(dialog.code, "00000000" if code != "00000000" else "11111111")
    qtbot.keyClicks(dialog.new, NEW_PASSWORD)
    qtbot.keyClicks(dialog.repeat, NEW_PASSWORD + "x")
    qtbot.mouseClick(dialog.set_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.text("repeat") == "The two new passwords are not the same."
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert dialog.message.text() == REFUSED_ANSWER and dialog.isVisible()  # the wrong code; nothing lost
    assert dialog.new.text() == NEW_PASSWORD

    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.set_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert login.message.text() == "Your new password is set. Sign in with it."
    assert login.username.text() == "nina"

    qtbot.keyClicks(login.password, NEW_PASSWORD)
    with qtbot.waitSignal(login.signed_in, timeout=10_000) as signal:
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert signal.args[0].username == "nina"
    admin_desk.close()


def test_without_resets_the_sign_in_window_offers_no_link(qtbot, services, runner):
    services.auth.sign_out()
    login = LoginDialog(services.auth, runner, clinic_name="Test Clinic", database_description=services.db.description)
    qtbot.addWidget(login)
    assert not hasattr(login, "forgot_button")
