"""The hms command, run as a real process the way an administrator or a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hms_desktop import __version__


def hms(*args: str, stdin: str = "", env_extra: dict[str, str] | None = None, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HMS_DATA_DIR": str(data_dir), "HMS_BCRYPT_ROUNDS": "4", **(env_extra or {})}
    env.pop("HMS_DATABASE_URL", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "hms_desktop", *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_version_and_help(tmp_path):
    assert hms("--version", data_dir=tmp_path).stdout.strip() == f"HMS Desktop {__version__}"
    help_text = hms("--help", data_dir=tmp_path).stdout
    for words in ("--database URL", "HMS_DATABASE_URL", "db", "user", "demo-data", "--self-test"):
        assert words in help_text


def test_admin_tasks_on_a_sqlite_file(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    up = hms("--database", db, "db", "upgrade", data_dir=tmp_path)
    assert up.returncode == 0, up.stderr
    assert "schema empty -> " in up.stdout
    again = hms("--database", db, "db", "upgrade", data_dir=tmp_path)
    assert "already at" in again.stdout
    added = hms("--database", db, "user", "add", "--username", "Asha", "--role", "receptionist",
                "--password-stdin", stdin="Desk-pass-123\n", data_dir=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "Added receptionist 'asha'" in added.stdout
    assert "Desk-pass-123" not in added.stdout + added.stderr
    weak = hms("--database", db, "user", "add", "--username", "bob", "--role", "nurse", "--password-stdin",
               stdin="short\n", data_dir=tmp_path)
    assert weak.returncode == 1 and "at least 8 characters" in weak.stderr
    demo = hms("--database", db, "demo-data", "--patients", "120", env_extra={"HMS_DATABASE_URL": "ignored://x"},
               data_dir=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "Added 120 demo patients" in demo.stdout


def test_environment_variable_chooses_the_database(tmp_path):
    path = tmp_path / "from-env.sqlite3"
    result = hms("db", "upgrade", env_extra={"HMS_DATABASE_URL": f"sqlite:///{path}"}, data_dir=tmp_path)
    assert result.returncode == 0 and path.exists()


def test_unreachable_server_is_a_sentence_not_a_traceback(tmp_path):
    result = hms("--database", "postgresql://nobody@127.0.0.1:1/hms", "db", "upgrade", data_dir=tmp_path)
    assert result.returncode == 1
    assert "Cannot reach the database server 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
def test_admin_tasks_on_postgresql(pg_server, tmp_path):
    name = pg_server.create()  # empty: the CLI builds the schema itself
    try:
        url = pg_server.url_for(name)
        assert hms("--database", url, "db", "upgrade", data_dir=tmp_path).returncode == 0
        demo = hms("--database", url, "demo-data", "--patients", "50", data_dir=tmp_path)
        assert demo.returncode == 0 and "Added 50 demo patients to PostgreSQL" in demo.stdout
    finally:
        pg_server.drop(name)


def test_self_test_starts_the_real_window(tmp_path):
    result = hms("--self-test", env_extra={"QT_QPA_PLATFORM": "offscreen"}, data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Self-test passed")
