"""PostgreSQL: the server's own backups are the server admin's job (see HOW_TO); ``hms backup now``
on a PostgreSQL URL runs ``pg_dump`` in the custom format when it is installed and checks the dump
by restoring it into a scratch database, where the user may create one."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from .sqlite_backup import Verification, file_sha256

HOW_TO = """\
This clinic's data is on a PostgreSQL server. Back it up on the server:
  * every night, a dump:   pg_dump -Fc -f clinic-$(date +%F).dump DATABASE
    (restore with: createdb NEW && pg_restore -d NEW clinic-DATE.dump)
  * for point-in-time recovery, base backups with WAL archiving:
    pg_basebackup -D /backups/base -Ft -z, and archive_mode=on with an archive_command
  * keep copies off the server, and try a restore now and then.
'hms backup now' on this database runs pg_dump in the custom format, when pg_dump is installed here,
and checks the dump by restoring it into a scratch database."""


def _libpq_env(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--username", url.username or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def pg_dump_available() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


def dump(url: URL, target: Path) -> dict[str, int]:
    """``pg_dump -Fc`` of the database into ``target``; returns the row counts of the very snapshot
    dumped (counted in a transaction whose snapshot pg_dump is handed with ``--snapshot``)."""
    args, env = _libpq_env(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            names = inspect(conn).get_table_names()
            found = {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in sorted(names)}
            run = subprocess.run(
                ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target), *args, str(url.database)],
                env=env, capture_output=True, text=True, timeout=3600,
            )
            if run.returncode != 0:
                raise RuntimeError(f"pg_dump failed: {run.stderr.strip()[:300]}")
            conn.rollback()
    finally:
        engine.dispose()
    return found


def counts(url: URL) -> dict[str, int]:
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            return {n: int(conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in sorted(names)}
    finally:
        engine.dispose()


def verify_dump(url: URL, path: Path, expected: dict[str, int] | None = None) -> Verification:
    """Restore the dump into a scratch database on the same server and compare its row counts."""
    if not path.exists():
        return Verification(False, f"{path} does not exist.", "", 0)
    sha, size = file_sha256(path), path.stat().st_size
    args, env = _libpq_env(url)
    listed = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True, text=True, env=env)
    if listed.returncode != 0:
        return Verification(False, f"pg_restore cannot read the dump: {listed.stderr.strip()[:300]}", sha, size)
    scratch = f"hms_restore_check_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        except Exception as exc:  # noqa: BLE001 - no right to create databases: say so
            return Verification(True, f"dump readable; not test-restored (cannot create a scratch database: {exc})",
                                sha, size)
        try:
            run = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-d", scratch, *args, str(path)],
                                 capture_output=True, text=True, env=env, timeout=3600)
            if run.returncode != 0:
                return Verification(False, f"the test restore failed: {run.stderr.strip()[:300]}", sha, size)
            got = counts(url.set(database=scratch))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        admin.dispose()
    if expected is not None:
        wrong = [f"{t}: {got.get(t)} rows, expected {n}" for t, n in expected.items() if got.get(t) != n]
        if wrong:
            return Verification(False, "row counts after the test restore differ: " + "; ".join(wrong[:5]), sha, size, got)
    return Verification(True, "", sha, size, got)
