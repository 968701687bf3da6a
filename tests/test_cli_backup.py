"""``hms backup ...`` and ``hms audit verify`` run as real processes on a real SQLite file."""

from __future__ import annotations

import re
import sqlite3

from tests.test_cli import hms


def test_backup_list_verify_restore_and_audit_verify(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    data = tmp_path / "data"
    run = lambda *a, stdin="": hms("--database", str(db), *a, stdin=stdin, data_dir=data)  # noqa: E731
    assert run("demo-data", "--patients", "30").returncode == 0

    now = run("backup", "now")
    assert now.returncode == 0, now.stderr
    assert "verified" in now.stdout and "NOT" not in now.stdout
    path = re.search(r"to (\S+\.sqlite3)", now.stdout).group(1)

    listed = run("backup", "list")
    assert path in listed.stdout and "verified" in listed.stdout

    drill = run("backup", "verify", "--restore-test", path)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "30 patients" in drill.stdout and "intact" in drill.stdout

    ok = run("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout

    with sqlite3.connect(db) as conn:
        victim = conn.execute("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 1").fetchone()[0]
        conn.execute("UPDATE audit_log SET summary = 'edited' WHERE id = ?", (victim,))
    bad = run("audit", "verify")
    assert bad.returncode == 1
    assert f"audit row {victim} was changed" in bad.stdout

    # Restoring the backup (taken before the edit) asks first; "no" changes nothing.
    refused = run("backup", "restore", path, stdin="no\n")
    assert refused.returncode == 1 and "Nothing was changed" in refused.stdout
    assert run("audit", "verify").returncode == 1
    restored = run("backup", "restore", path, stdin="restore\n")
    assert restored.returncode == 0, restored.stderr
    assert "The data it replaced is in" in restored.stdout
    assert run("audit", "verify").returncode == 0


def test_a_damaged_backup_file_fails_verify(tmp_path):
    db = tmp_path / "clinic.sqlite3"
    data = tmp_path / "data"
    assert hms("--database", str(db), "demo-data", "--patients", "5", data_dir=data).returncode == 0
    now = hms("--database", str(db), "backup", "now", data_dir=data)
    path = re.search(r"to (\S+\.sqlite3)", now.stdout).group(1)
    raw = bytearray(open(path, "rb").read())
    raw[100:400] = b"\xff" * 300
    open(path, "wb").write(bytes(raw))
    checked = hms("--database", str(db), "backup", "verify", path, data_dir=data)
    assert checked.returncode == 1 and "NOT verified" in checked.stdout


def test_db_copy_checks_every_table_and_refuses_a_non_empty_target(tmp_path):
    source, target, data = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3", tmp_path / "data"
    assert hms("--database", str(source), "demo-data", "--patients", "12", data_dir=data).returncode == 0
    first = hms("db", "copy", "--from", str(source), "--to", str(target), data_dir=data)
    assert first.returncode == 0, first.stderr
    assert "every table's row count and checksum match" in first.stdout
    assert re.search(r"patients\s+12 ->\s+12 .* ok", first.stdout)
    again = hms("db", "copy", "--from", str(source), "--to", str(target), data_dir=data)
    assert again.returncode == 1 and "not empty" in again.stderr
