"""The Database window and the remembered connection: a password never reaches the settings file
or a log line (keyring, else a private ~/.pgpass), TLS is offered and the status bar says whether
the connection is encrypted; after a failed start the window shows what failed and says when it
tried again. Against the real PostgreSQL server (which has no TLS here: the "not encrypted" path)."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import datetime

import keyring
import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy.engine import make_url

from hms_desktop import config
from hms_desktop.ui.app import AppController
from hms_desktop.ui.session.database_dialog import DatabaseDialog
from tests.conftest import ADMIN_PASSWORD, start_app, wait_idle

SECRET = "Pg-secret-8472"


@pytest.fixture
def no_keyring(tmp_path, monkeypatch):
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    yield tmp_path / "pgpass"
    keyring.set_keyring(previous)


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HMS_DATA_DIR", str(tmp_path / "data"))
    yield tmp_path / "data" / "workstation.json"
    monkeypatch.delenv("HMS_DATABASE_URL", raising=False)


def _with_password(pg_url: str, **query: str) -> str:
    url = make_url(pg_url).set(password=SECRET)
    if query:
        url = url.update_query_dict(query)
    return url.render_as_string(hide_password=False)


def test_a_remembered_password_goes_to_the_keyring_not_the_settings_file(pg_url, settings_file, memory_keyring, caplog):
    caplog.set_level(logging.DEBUG)
    url = _with_password(pg_url, sslmode="disable")
    config.save_database_url(url)
    saved = settings_file.read_text(encoding="utf-8")
    assert SECRET not in saved
    assert json.loads(saved)["database_url"] == make_url(url)._replace(password=None).render_as_string(hide_password=False)
    assert list(memory_keyring.entries.values()) == [SECRET]
    choice = config.resolve_database(None)
    assert choice.source == "saved choice" and make_url(choice.url).password == SECRET
    assert SECRET not in caplog.text


def test_without_a_keyring_the_password_goes_to_a_private_pgpass_and_it_connects(pg_url, settings_file, no_keyring):
    from hms_desktop.services.database import Database

    url = _with_password(pg_url, sslmode="disable")
    config.save_database_url(url)
    assert SECRET not in settings_file.read_text(encoding="utf-8")
    assert stat.S_IMODE(os.stat(no_keyring).st_mode) == 0o600
    parsed = make_url(pg_url)
    assert f"{parsed.host}:{parsed.port}:{parsed.database}:{parsed.username}:{SECRET}" in no_keyring.read_text()
    # Saved again (a new password): one line per database, not two.
    config.save_database_url(_with_password(pg_url).replace(SECRET, SECRET + "x"))
    assert len(no_keyring.read_text().splitlines()) == 1
    db = Database(config.resolve_database(None).url)
    try:
        db.check_connection()
    finally:
        db.dispose()


def test_the_status_says_whether_the_connection_is_encrypted(pg_url, tmp_path):
    from hms_desktop.services.database import Database

    pg = Database(_with_password(pg_url, sslmode="disable"))
    local = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert pg.connection_security() == "not encrypted"
        assert local.connection_security() == "local file, nothing crosses the network"
    finally:
        pg.dispose()
        local.dispose()


def test_the_database_window_offers_tls_and_the_url_carries_sslmode(qtbot, tmp_path):
    dialog = DatabaseDialog(problem=None, current="SQLite file x", url=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.remember.isChecked()  # not remembered unless asked
    qtbot.mouseClick(dialog.shared, Qt.MouseButton.LeftButton)
    modes = [dialog.sslmode.itemData(i) for i in range(dialog.sslmode.count())]
    assert modes == ["disable", "prefer", "require", "verify-full"]
    dialog.sslmode.setCurrentIndex(modes.index("verify-full"))
    assert dialog.ca_file.isEnabled()
    dialog._connect()
    assert dialog.chosen_url is None and "CA certificate" in dialog.problem_label.text()
    dialog.ca_file.setText(str(tmp_path / "clinic-ca.pem"))
    dialog._connect()
    query = make_url(dialog.chosen_url).query
    assert query["sslmode"] == "verify-full" and query["sslrootcert"] == str(tmp_path / "clinic-ca.pem")


def _controller(url: str) -> AppController:
    return start_app(url)


def _close(controller: AppController) -> None:
    controller.runner.wait_for_idle(10_000)
    for widget in (controller.window, controller.login, controller.first_run, controller.database_dialog):
        if widget is not None and shiboken6.isValid(widget):
            widget.hide()
            widget.close()
    controller.runner.shutdown(10_000)
    if controller.services is not None:
        controller.services.close()


def test_start_up_window_shows_what_failed_and_says_when_it_tried_again(qtbot, settings_file):
    controller = _controller("postgresql://nobody@127.0.0.1:1/clinicdb?sslmode=require")
    try:
        dialog = controller.database_dialog
        assert dialog is not None and dialog.isVisible()
        assert (dialog.host.text(), dialog.port.value(), dialog.database.text(), dialog.user.text()) == (
            "127.0.0.1", 1, "clinicdb", "nobody")
        assert dialog.sslmode.currentData() == "require"
        assert dialog.shared.isChecked() and not dialog.remember.isChecked()
        assert "Nothing was saved" not in dialog.problem_label.text()
        retry = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Try again")
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: controller.database_dialog is not dialog and controller.database_dialog.isVisible())
        again = controller.database_dialog.problem_label.text()
        assert again.startswith("Still not reachable (tried again at ")
        stamp = again.split("at ", 1)[1][:8]
        assert abs((datetime.now() - datetime.combine(datetime.now().date(),
                    datetime.strptime(stamp, "%H:%M:%S").time())).total_seconds()) < 60
        assert "Nothing was saved" not in again
        assert controller.database_dialog.host.text() == "127.0.0.1"
    finally:
        _close(controller)


def test_connecting_with_remember_keeps_the_password_out_of_the_file_and_shows_not_encrypted(
    qtbot, pg_url, settings_file, memory_keyring, caplog
):
    caplog.set_level(logging.DEBUG)
    parsed = make_url(pg_url)
    # Start with a database that cannot be reached, then fill the window in as a person would.
    controller = _controller("postgresql://nobody@127.0.0.1:1/nothing")
    try:
        dialog = controller.database_dialog
        for field, value in ((dialog.host, parsed.host), (dialog.database, parsed.database),
                             (dialog.user, parsed.username), (dialog.password, SECRET)):
            field.clear()
            qtbot.keyClicks(field, value)
        dialog.port.setValue(parsed.port)
        dialog.sslmode.setCurrentIndex(dialog.sslmode.findData("disable"))
        qtbot.mouseClick(dialog.remember, Qt.MouseButton.LeftButton)
        dialog._connect()
        qtbot.waitUntil(lambda: controller.first_run is not None and controller.first_run.isVisible(), timeout=20_000)
        assert make_url(str(controller.services.db.url)).query["sslmode"] == "disable"
        saved = settings_file.read_text(encoding="utf-8")
        assert SECRET not in saved and "sslmode=disable" in saved
        assert list(memory_keyring.entries.values()) == [SECRET]
        # Create the admin in the service and sign in, to see the status bar.
        controller.first_run.hide()
        controller.services.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
        user = controller.services.auth.sign_in("admin", ADMIN_PASSWORD)
        controller.open_main_window(user)
        wait_idle(qtbot, controller.runner)
        qtbot.waitUntil(lambda: "not encrypted" in controller.window.database_label.text())
        assert SECRET not in caplog.text
    finally:
        _close(controller)


def test_tls_required_against_a_server_without_it_is_refused_in_plain_words(pg_url):
    from hms_desktop.services.database import Database
    from hms_desktop.services.errors import DatabaseUnavailable

    db = Database(_with_password(pg_url, sslmode="require"))
    try:
        assert make_url(str(db.url)).query["sslmode"] == "require"
        with pytest.raises(DatabaseUnavailable) as err:  # this test server has TLS switched off
            db.check_connection()
        assert "SSL" in err.value.message and "Nothing was saved" not in err.value.message
        assert SECRET not in err.value.message
    finally:
        db.dispose()
