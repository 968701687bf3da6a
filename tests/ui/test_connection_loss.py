"""A lost database connection is reported in plain words; what was saved stays saved."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import text

from hms_desktop.bootstrap import build_services
from hms_desktop.services.errors import DatabaseUnavailable
from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.patients.patients_tab import PatientsTab
from tests.conftest import ADMIN_PASSWORD, wait_idle

pytestmark = pytest.mark.postgres


def _kill_connections(pg_server, name: str) -> None:
    with pg_server.admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
            {"n": name},
        )


def test_dropped_connections_are_replaced_transparently(pg_server, pg_url):
    services = build_services(pg_url)
    try:
        services.staff.create_first_admin("admin", "Admin", ADMIN_PASSWORD)
        services.auth.sign_in("admin", ADMIN_PASSWORD)
        services.patients.register(PatientInput(given_name="Kept", family_name="Safe", date_of_birth=date(1970, 1, 1)))
        _kill_connections(pg_server, services.db.url.database)
        # The unit's first statement finds the dead connection and it is replaced: the desk sees nothing.
        assert [p.full_name for p in services.patients.search("kept").rows] == ["Kept Safe"]
    finally:
        services.close()


def test_a_connection_idle_in_the_pool_is_pinged_and_replaced_if_dropped(pg_server, pg_url, monkeypatch):
    from hms_desktop.services import database

    services = build_services(pg_url)
    try:
        services.staff.create_first_admin("admin", "Admin", ADMIN_PASSWORD)
        services.auth.sign_in("admin", ADMIN_PASSWORD)
        _kill_connections(pg_server, services.db.url.database)
        # Not through a unit of work (whose first statement would find it): the dispatch lock and
        # the backups take a connection straight from the pool, and rely on the ping.
        monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
        with services.db.engine.connect() as conn:
            assert conn.execute(text("SELECT 1")).scalar() == 1
    finally:
        services.close()


def test_server_gone_gives_a_sentence_and_the_window_survives(pg_server, qtbot, runner):
    name = pg_server.create(template=pg_server.template)
    services = build_services(pg_server.url_for(name))
    try:
        services.staff.create_first_admin("admin", "Admin", ADMIN_PASSWORD)
        user = services.auth.sign_in("admin", ADMIN_PASSWORD)
        saved = services.patients.register(PatientInput(given_name="Kept", family_name="Safe", date_of_birth=date(1970, 1, 1)))
        tab = PatientsTab(services.patients, runner, user)
        qtbot.addWidget(tab)
        tab.show()
        pg_server.drop(name)  # as if the server lost the database (or the network went)
        with pytest.raises(DatabaseUnavailable) as err:
            services.patients.search("kept")
        assert f"Cannot reach the database server {pg_server.url.host}:{pg_server.url.port}" in str(err.value)
        assert "does not exist" in str(err.value)
        tab.reload()
        wait_idle(qtbot, runner)
        boxes = [b for b in tab.findChildren(QMessageBox) if b.isVisible()]
        assert boxes and "Cannot reach the database server" in boxes[0].text()
        assert "Cannot reach the database server" in tab.status.text()
        # A search is a read: nothing was meant to be saved, so the message does not say so.
        assert "Nothing was saved" not in boxes[0].text() and "Nothing was saved" not in tab.status.text()
        # A save that fails does say it.
        with pytest.raises(DatabaseUnavailable, match="Nothing was saved by the last action"):
            services.patients.register(PatientInput(given_name="Lost", family_name="Write",
                                                    date_of_birth=date(1970, 1, 1)))
        assert saved.id  # nothing to corrupt: the failed read wrote nothing
    finally:
        runner.wait_for_idle()
        services.close()
        pg_server.drop(name)
