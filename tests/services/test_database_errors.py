"""Driver errors that are the environment's fault reach the desk in plain words, sorted by their
SQLite result code or PostgreSQL SQLSTATE; a connection SQLite left read-only is not kept."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from hms_desktop.models import ClinicSetting
from hms_desktop.services.database import Database
from hms_desktop.services.errors import DatabaseUnavailable, EnvironmentProblem
from hms_desktop.services.identity import Identity
from hms_desktop.services.unit_of_work import UnitsOfWork

NOBODY = 65534


def _write_setting(units: UnitsOfWork, key: str) -> None:
    with units.write(anonymous=True) as uow:
        uow.session.add(ClinicSetting(key=key, value=1))


def _read_only_then_writable(path: str, results) -> None:  # runs in a child process
    try:
        if os.geteuid() == 0:
            # Root may write any file; as nobody the file's mode decides, as it does for a clerk.
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        db = Database(f"sqlite:///{path}")
        units = UnitsOfWork(db, Identity())
        os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        try:
            _write_setting(units, "while_read_only")
            results.put(("read-only write", "saved"))
        except EnvironmentProblem as exc:
            results.put(("read-only write", type(exc).__name__, exc.message))
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        outcomes = []
        for n in range(3):  # every pooled connection must have been thrown away, not only one
            try:
                _write_setting(units, f"writable_again_{n}")
                outcomes.append("saved")
            except EnvironmentProblem as exc:
                outcomes.append(exc.message)
        results.put(("writable again", outcomes))
        db.dispose()
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the test
        results.put(("crashed", repr(exc)))


def test_a_sqlite_file_that_was_read_only_can_be_saved_to_again_without_a_restart(sqlite_template: Path):
    # Not under tmp_path: pytest keeps that in a folder only its owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="hms-read-only-"))
    path = folder / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    if os.geteuid() == 0:
        for p in (folder, path):
            os.chown(p, NOBODY, NOBODY)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_read_only_then_writable, args=(str(path), results))
    child.start()
    try:
        got = [results.get(timeout=60) for _ in range(2)]
    finally:
        child.join(10)
        shutil.rmtree(folder, ignore_errors=True)
    assert got[0][:2] == ("read-only write", "DatabaseUnavailable"), got
    assert "read-only" in got[0][2] and "Nothing was saved" in got[0][2]
    assert got[1] == ("writable again", ["saved", "saved", "saved"]), got


@pytest.mark.postgres
def test_a_server_that_cannot_be_reached_is_told_in_plain_words_and_a_read_never_claims_nothing_was_saved():
    # Port 1 on this machine: nothing listens, so the connection is refused at once.
    db = Database("postgresql://postgres@127.0.0.1:1/hms")
    units = UnitsOfWork(db, Identity())
    try:
        with pytest.raises(DatabaseUnavailable) as reading, units.read(anonymous=True) as uow:
            uow.session.get(ClinicSetting, "x")
        with pytest.raises(DatabaseUnavailable) as writing:
            _write_setting(units, "x")
    finally:
        db.dispose()
    assert "127.0.0.1:1" in reading.value.message and "is the server running?" in reading.value.message
    assert "Nothing was saved" not in reading.value.message
    assert "Nothing was saved by the last action" in writing.value.message


def test_a_sqlite_file_that_is_not_a_database_says_so(tmp_path: Path):
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"These are a receptionist's notes, not a database. " * 100)
    db = Database(f"sqlite:///{path}")
    units = UnitsOfWork(db, Identity())
    try:
        with pytest.raises(DatabaseUnavailable, match="damaged or is not an HMS database"):
            _write_setting(units, "x")
    finally:
        db.dispose()
