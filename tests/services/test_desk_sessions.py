"""The backup at the sign-out of the last person of the day (SQLite): two desks on one database
file, each its own Services; the desk sessions table says who is still signed in."""

from __future__ import annotations

import multiprocessing
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from hms_desktop.bootstrap import build_services
from hms_desktop.models import DeskSession, utcnow
from hms_desktop.services import desk_sessions
from hms_desktop.services.backups import BackupSettings, backup_log
from hms_desktop.services.backups.sqlite_backup import verify_backup
from tests.conftest import ADMIN_PASSWORD, add_staff, second_desk


@pytest.fixture
def first_desk(tmp_path, sqlite_template):
    path = tmp_path / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    svc = build_services(f"sqlite:///{path}")
    svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    svc.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups")))
    add_staff(svc, "rita", "receptionist", "Rita-pass-12")
    yield svc
    svc.close()


def _sign_out_backups(folder: Path) -> list:
    return [e for e in backup_log.read(folder) if e.reason == "sign-out"]


def _leave(svc) -> None:
    svc.auth.sign_out(when_last_out=svc.backups.backup_at_sign_out)


def test_the_first_desk_out_takes_no_backup_the_last_one_does(first_desk, tmp_path):
    folder = tmp_path / "backups"
    other = second_desk(first_desk, "rita", "Rita-pass-12")
    try:
        assert first_desk.auth.other_desks_signed_in() == 1
        _leave(first_desk)
        assert _sign_out_backups(folder) == []
        _leave(other)  # a receptionist is the last one out: the backup is taken all the same
        taken = _sign_out_backups(folder)
        assert len(taken) == 1 and taken[0].verified
        assert verify_backup(Path(taken[0].path)).ok
        assert Path(taken[0].path).parent == folder
    finally:
        other.close()


def test_a_desk_whose_heartbeat_stopped_does_not_block_the_backup(first_desk, tmp_path):
    crashed = second_desk(first_desk, "rita", "Rita-pass-12")
    crashed_desk = crashed.identity.desk_id
    crashed.close()  # gone without signing out, like a desk that lost power
    with first_desk.db.write() as session:
        session.execute(update(DeskSession).where(DeskSession.desk_id == crashed_desk)
                        .values(last_seen_at=utcnow() - desk_sessions.STALE_AFTER - timedelta(seconds=1)))
    assert first_desk.auth.other_desks_signed_in() == 0
    _leave(first_desk)
    assert [e.verified for e in _sign_out_backups(tmp_path / "backups")] == [True]


def test_a_heartbeat_keeps_a_quiet_desk_counted(first_desk, tmp_path):
    other = second_desk(first_desk, "rita", "Rita-pass-12")
    try:
        with first_desk.db.write() as session:
            session.execute(update(DeskSession).where(DeskSession.desk_id == other.identity.desk_id)
                            .values(last_seen_at=utcnow() - desk_sessions.STALE_AFTER - timedelta(seconds=1)))
        other.auth.heartbeat()
        _leave(first_desk)
        assert _sign_out_backups(tmp_path / "backups") == []
    finally:
        other.close()


@pytest.mark.parametrize("settings", [BackupSettings(schedule="off"), BackupSettings(at_last_sign_out=False)],
                         ids=["schedule off", "option off"])
def test_no_backup_at_sign_out_when_the_admin_turned_it_off(first_desk, tmp_path, settings):
    folder = tmp_path / "backups"
    first_desk.backups.save_settings(BackupSettings(**{**settings.__dict__, "folder": str(folder)}))
    _leave(first_desk)
    assert _sign_out_backups(folder) == []


def test_sign_out_ends_the_desk_session(first_desk):
    desk = first_desk.identity.desk_id
    first_desk.auth.sign_out()
    with first_desk.db.read() as session:
        row = session.execute(select(DeskSession.ended_at, DeskSession.username)
                              .where(DeskSession.desk_id == desk)).one()
    assert row.ended_at is not None and row.username == "admin"


def _desk_process(url: str, password_user: tuple[str, str], ready, go) -> None:
    svc = build_services(url)
    svc.auth.sign_in(*password_user)
    ready.set()
    go.wait(30)
    _leave(svc)
    svc.close()


def test_two_desks_signing_out_at_once_leave_exactly_one_backup(first_desk, tmp_path):
    """Two processes sign out together: the write lock orders them, the second sees the first gone."""
    folder = tmp_path / "backups"
    url = first_desk.db.url.render_as_string(hide_password=False)
    _leave(first_desk)  # alone: one backup
    ctx = multiprocessing.get_context("spawn")
    go = ctx.Event()
    readies, procs = [], []
    for who in (("admin", ADMIN_PASSWORD), ("rita", "Rita-pass-12")):
        ready = ctx.Event()
        proc = ctx.Process(target=_desk_process, args=(url, who, ready, go))
        proc.start()
        readies.append(ready)
        procs.append(proc)
    for ready in readies:
        assert ready.wait(60)
    go.set()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    assert [e.verified for e in _sign_out_backups(folder)] == [True, True]


def test_0009_adds_the_desk_sessions_to_a_database_holding_data(db_url):
    """Down to 0008 (the table gone), then up again: the patients stay, sign-in records a desk."""
    from alembic import command
    from sqlalchemy import inspect

    from hms_desktop.services import migrations
    from tests.services.conftest import make_patients

    svc = build_services(db_url)
    try:
        svc.staff.create_first_admin("admin", "Admin", ADMIN_PASSWORD)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        make_patients(svc, 12)
        svc.auth.sign_out()
        command.downgrade(migrations.alembic_config(svc.db), "0008")
        svc.db.dispose()
        assert "desk_sessions" not in inspect(svc.db.engine).get_table_names()
        assert migrations.needs_upgrade(svc.db)
        migrations.upgrade(svc.db, backup=False)
        assert migrations.current_revision(svc.db) == migrations.head_revision(svc.db)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        assert svc.patients.count() == 12
        assert svc.auth.other_desks_signed_in() == 0
        with svc.db.read() as session:
            assert session.scalar(select(DeskSession.username)) == "admin"
    finally:
        svc.close()
