"""Backups on real files: consistent while another process writes, verified (flipped bytes are
caught), kept by the retention rules exactly, restored exactly with a backup of what was replaced,
test-restored into a scratch file; PostgreSQL dumped with pg_dump and test-restored."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from hms_desktop.bootstrap import build_services
from hms_desktop.services.backups import BackupSettings
from hms_desktop.services.backups.pg_backup import pg_dump_available
from hms_desktop.services.backups.sqlite_backup import table_counts, take_backup, verify_backup
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, second_desk
from tests.services.conftest import make_patients


@pytest.fixture
def sqlite_clinic(tmp_path, sqlite_template):
    import shutil

    path = tmp_path / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    svc = build_services(f"sqlite:///{path}")
    svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    svc.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups")))
    yield svc
    svc.close()


def _names(svc) -> set[str]:
    return {f"{p.given_name} {p.family_name}" for p in svc.patients.search("", limit=1000).rows}


def _keep_writing(url: str, stop, started) -> None:
    svc = build_services(url)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    i = 0
    while not stop.is_set():
        svc.patients.register(PatientInput(given_name="Busy", family_name=f"Writer{i}", date_of_birth=date(1990, 1, 1)))
        i += 1
        if i == 3:
            started.set()
    svc.close()


def test_a_backup_taken_while_another_process_writes_is_consistent(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    make_patients(svc, 200)
    ctx = multiprocessing.get_context("spawn")
    stop, started = ctx.Event(), ctx.Event()
    writer = ctx.Process(target=_keep_writing, args=(str(svc.db.url), stop, started))
    writer.start()
    try:
        assert started.wait(60)
        target = tmp_path / "during.sqlite3"
        # One page per step, so the copy takes many steps with the other process writing between them.
        counts = take_backup(svc.db.sqlite_path, target, pages=1, sleep=0.001)
    finally:
        stop.set()
        writer.join(60)
    check = verify_backup(target, counts)
    assert check.ok, check.reason
    with sqlite3.connect(svc.db.sqlite_path) as live:
        now = table_counts(live)
    # The copy is one moment's snapshot: the writer went on after it...
    assert now["patients"] > counts["patients"] >= 203
    # ...and within the copy everything agrees: each patient's creation has its audit row.
    with sqlite3.connect(target) as copy:
        patients = copy.execute("SELECT count(*) FROM patients").fetchone()[0]
        created = copy.execute("SELECT count(*) FROM audit_log WHERE action = 'patient.created'").fetchone()[0]
    assert patients == created == counts["patients"]


def test_backup_now_is_verified_and_logged(sqlite_clinic):
    svc = sqlite_clinic
    make_patients(svc, 5)
    entry = svc.backups.backup_now()
    assert entry.verified, entry.why_not
    assert Path(entry.path).exists() and entry.size == Path(entry.path).stat().st_size
    assert len(entry.sha256) == 64
    log = svc.backups.history()
    assert log[0].path == entry.path and log[0].verified
    assert svc.backups.backups() == [Path(entry.path)]


def test_flipped_bytes_are_reported_unverified(sqlite_clinic):
    svc = sqlite_clinic
    make_patients(svc, 50)
    entry = svc.backups.backup_now()
    path = Path(entry.path)
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 64):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    check = svc.backups.verify(path)
    assert not check.ok
    assert check.reason  # in words: damaged, unreadable or changed since it was taken
    drill = svc.backups.restore_test(path, path.parent / "scratch.sqlite3")
    assert not drill.ok


def test_a_changed_but_valid_backup_is_caught_by_its_recorded_hash(sqlite_clinic):
    svc = sqlite_clinic
    entry = svc.backups.backup_now()
    with sqlite3.connect(entry.path) as conn:
        conn.execute("UPDATE staff_accounts SET full_name = 'Someone Else'")
    check = svc.backups.verify(Path(entry.path))
    assert not check.ok and "SHA-256" in check.reason


def test_retention_keeps_exactly_the_configured_copies(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    svc.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups"), daily=3, weekly=2, monthly=2))
    first = datetime(2026, 1, 1, 12, 0)
    for day in range(60):  # 2026-01-01 .. 2026-03-01 (a Sunday), one backup a day
        svc.backups.backup_now("daily", when=first + timedelta(days=day))
    kept = {p.name.split("-")[1] for p in svc.backups.backups()}
    # Daily: Mar 1, Feb 28, Feb 27. Weekly: week 9 (Mar 1), week 8 (Sun Feb 22). Monthly: Mar 1, Feb 28.
    assert kept == {"20260301", "20260228", "20260227", "20260222"}


def test_a_second_folder_gets_a_verified_copy(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    second = tmp_path / "usb"
    svc.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups"), second_folder=str(second)))
    entry = svc.backups.backup_now()
    assert entry.copies == (str(second / Path(entry.path).name),)
    assert verify_backup(Path(entry.copies[0])).sha256 == entry.sha256


def test_a_second_folder_that_cannot_be_written_is_logged_in_words(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    svc.backups.save_settings(BackupSettings(folder=str(tmp_path / "backups"), second_folder=str(blocker / "hms")))
    entry = svc.backups.backup_now()
    assert entry.verified and entry.copies == ()
    second = next(e for e in svc.backups.history() if e.reason == "second copy")
    assert not second.verified and "cannot be written" in second.why_not


def test_settings_refuse_bad_values_in_plain_words(sqlite_clinic):
    with pytest.raises(ValidationError) as err:
        sqlite_clinic.backups.save_settings(BackupSettings(folder="relative/path", daily=-1))
    assert set(err.value.fields) == {"folder", "daily"}


def test_restore_brings_back_exactly_the_backup_and_keeps_what_it_replaced(sqlite_clinic):
    svc = sqlite_clinic
    make_patients(svc, 3, prefix="Before")
    backed_up = _names(svc)
    entry = svc.backups.backup_now()
    make_patients(svc, 2, prefix="After")
    replaced = _names(svc)
    assert replaced > backed_up
    before = svc.backups.restore(Path(entry.path))
    assert _names(svc) == backed_up
    # What the restore replaced is in its own verified backup.
    assert before.verified and before.reason == "before restore"
    other = build_services(f"sqlite:///{before.path}")
    try:
        other.auth.sign_in("admin", ADMIN_PASSWORD)
        assert _names(other) == replaced
    finally:
        other.close()
    assert svc.audit.verify_chain().ok
    assert svc.backups.history()[0].kind == "restore"


def test_restore_waits_until_the_other_desks_have_signed_out(sqlite_clinic):
    svc = sqlite_clinic
    entry = svc.backups.backup_now()
    make_patients(svc, 2, prefix="Kept")
    names = _names(svc)
    other = second_desk(svc)
    try:
        with pytest.raises(ValidationError) as err:
            svc.backups.restore(Path(entry.path))
        assert "Another desk is signed in" in str(err.value.fields) and "nothing was changed" in str(err.value.fields)
        assert _names(svc) == names
    finally:
        other.auth.sign_out()
        other.close()
    svc.backups.restore(Path(entry.path))  # once the other desk has signed out
    assert _names(svc) < names and svc.audit.verify_chain().ok


def test_restore_refuses_a_damaged_backup_and_changes_nothing(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    make_patients(svc, 2)
    names = _names(svc)
    bad = tmp_path / "backups" / "clinic-20260101-120000-000000.sqlite3"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(b"not a database" * 100)
    with pytest.raises(ValidationError) as err:
        svc.backups.restore(bad)
    assert "Nothing was changed" in str(err.value.fields)
    assert _names(svc) == names


def test_restore_drill_upgrades_and_opens_the_copy(sqlite_clinic, tmp_path):
    svc = sqlite_clinic
    make_patients(svc, 4)
    entry = svc.backups.backup_now()
    drill = svc.backups.restore_test(Path(entry.path), tmp_path / "drill.sqlite3")
    assert drill.ok, drill.message
    assert drill.patients == 4 and drill.audit_rows > 4
    from hms_desktop.services import migrations

    assert drill.schema == migrations.shipped_head()


@pytest.mark.postgres
@pytest.mark.skipif(not pg_dump_available(), reason="pg_dump is not installed")
def test_postgresql_backup_is_a_dump_checked_by_a_test_restore(pg_url, tmp_path):
    svc = build_services(pg_url)
    try:
        svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        svc.backups.save_settings(BackupSettings(folder=str(tmp_path)))
        make_patients(svc, 5)
        entry = svc.backups.backup_now()
        assert entry.verified, entry.why_not
        assert entry.path.endswith(".dump") and entry.size > 0
        path = Path(entry.path)
        data = bytearray(path.read_bytes())
        for offset in range(len(data) // 2, len(data) // 2 + 200):
            data[offset] ^= 0xFF
        path.write_bytes(bytes(data))
        assert not svc.backups.verify(path).ok
        with pytest.raises(ValidationError):
            svc.backups.restore(path)
    finally:
        svc.close()



def test_the_daily_backup_is_taken_when_due_by_any_signed_in_desk(sqlite_clinic):
    from datetime import datetime, timedelta

    from tests.conftest import STAFF_PASSWORD, add_staff, second_desk

    svc = sqlite_clinic
    add_staff(svc, "rita", "receptionist")
    desk = second_desk(svc, "rita", STAFF_PASSWORD)
    try:
        morning = datetime(2030, 1, 7, 8, 0)
        first = desk.backups.backup_if_due(now=morning)
        assert first is not None and first.verified and first.reason == "scheduled"
        assert desk.backups.backup_if_due(now=morning + timedelta(hours=5)) is None  # not due again yet
        assert desk.backups.backup_if_due(now=morning + timedelta(days=1)) is not None  # the next morning
        assert len(svc.backups.backups()) == 2
        svc.backups.save_settings(BackupSettings(folder=svc.backups.settings().folder, schedule="off"))
        assert desk.backups.backup_if_due(now=morning + timedelta(days=3)) is None
    finally:
        desk.close()
