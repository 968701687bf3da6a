"""The PyInstaller bundle (dist/hms/) starts and does its admin tasks without the source tree.

Slow and opt-in: build first, then run with HMS_TEST_BUNDLE=1.

    scripts/build_bundle.sh
    HMS_TEST_BUNDLE=1 .venv/bin/pytest -q tests/test_bundle.py
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hms_desktop import __version__
from hms_desktop.paths import migrations_dir

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "dist" / "hms"
EXE = BUNDLE / ("hms.exe" if sys.platform == "win32" else "hms")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("HMS_TEST_BUNDLE") != "1", reason="set HMS_TEST_BUNDLE=1 to test dist/hms/"),
]


@pytest.fixture(scope="module")
def exe() -> Path:
    if not EXE.exists():
        pytest.fail(f"{EXE} does not exist: build it first with scripts/build_bundle.sh")
    return EXE


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: a throw-away data directory, no database chosen, no screen."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("HMS_", "PYTHON"))}
    data = tmp_path / "data"
    data.mkdir()
    environment.update(HMS_DATA_DIR=str(data), HMS_BCRYPT_ROUNDS="4", QT_QPA_PLATFORM="offscreen")
    return environment


def run(command: list[str | Path], env: dict[str, str], stdin: str = "", timeout: float = 180) -> str:
    # Run outside the checkout, so that nothing can be picked up from the source tree by accident.
    done = subprocess.run(
        [str(c) for c in command], input=stdin, capture_output=True, text=True, env=env,
        cwd=env["HMS_DATA_DIR"], timeout=timeout,
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(migrations_dir())).get_current_head()


def test_version(exe: Path, env: dict[str, str]) -> None:
    assert run([exe, "--version"], env).strip() == f"HMS Desktop {__version__}"


def test_admin_tasks_on_a_new_sqlite_file(exe: Path, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "clinic.sqlite3"
    head = head_revision()

    out = run([exe, "--database", db, "db", "upgrade"], env)
    assert f"SQLite file {db}: schema empty -> {head}" in out
    assert run([exe, "--database", db, "db", "current"], env).strip() == head
    assert "already at" in run([exe, "--database", db, "db", "upgrade"], env)

    out = run([exe, "--database", db, "user", "add", "--username", "asha", "--role", "admin", "--password-stdin"],
              env, stdin="Admin-pass-1\n")
    assert "Added admin 'asha'" in out

    out = run([exe, "--database", db, "demo-data", "--patients", "50"], env)
    assert out.startswith("Added 50 demo patients to SQLite file")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM patients").fetchone() == (50,)
        assert conn.execute("SELECT username, role FROM staff_accounts").fetchall() == [("asha", "admin")]


def test_database_comes_from_the_environment(exe: Path, env: dict[str, str], tmp_path: Path) -> None:
    db = tmp_path / "from-env.sqlite3"
    env["HMS_DATABASE_URL"] = f"sqlite:///{db}"
    run([exe, "db", "upgrade"], env)
    assert run([exe, "db", "current"], env).strip() == head_revision()
    assert not (Path(env["HMS_DATA_DIR"]) / "hms.sqlite3").exists()


def test_demo_patients_match_the_source_tree(exe: Path, env: dict[str, str], tmp_path: Path) -> None:
    """hms.spec leaves out Faker locales we do not use; Faker would silently fall back to en_US if one
    we use were missing. Same seed, same patients: the bundle's Faker is the source tree's."""
    columns = "given_name, family_name, sex, phone, email, address"
    rows = {}
    for name, command in (("bundle", [exe]), ("source", [sys.executable, "-m", "hms_desktop"])):
        db = tmp_path / f"{name}.sqlite3"
        source_env = dict(env, PYTHONPATH=str(REPO)) if name == "source" else env
        run([*command, "--database", db, "demo-data", "--patients", "200", "--seed", "7"], source_env)
        with sqlite3.connect(db) as conn:
            rows[name] = conn.execute(f"SELECT {columns} FROM patients ORDER BY id").fetchall()
    assert len(rows["bundle"]) == 200
    assert rows["bundle"] == rows["source"]
    # Every locale in demo_data.LOCALES produced names; Chinese, Arabic and Greek among them.
    families = " ".join(r[1] for r in rows["bundle"])
    assert any("\u4e00" <= c <= "\u9fff" for c in families)


@pytest.mark.postgres
def test_postgresql_upgrade_uses_the_bundled_driver(exe: Path, env: dict[str, str], pg_server) -> None:
    name = pg_server.create()
    try:
        url = pg_server.url_for(name).replace("postgresql+psycopg://", "postgresql://")
        out = run([exe, "--database", url, "db", "upgrade"], env)
        assert f"schema empty -> {head_revision()}" in out
    finally:
        pg_server.drop(name)


def test_self_test_brings_up_the_main_window(exe: Path, env: dict[str, str]) -> None:
    out = run([exe, "--self-test"], env)
    assert out.startswith("Self-test passed"), out
    assert "Qt platform offscreen" in out


@pytest.mark.skipif(not shutil.which("xvfb-run"), reason="needs xvfb-run")
def test_self_test_on_an_x11_screen(exe: Path, env: dict[str, str]) -> None:
    """The xcb platform plugin and the libraries it needs made it into the bundle (hms.spec prunes
    Qt plugins and their dependencies; offscreen alone would not notice a missing X11 library)."""
    env["QT_QPA_PLATFORM"] = "xcb"
    out = run(["xvfb-run", "--auto-servernum", exe, "--self-test"], env)
    assert "Qt platform xcb" in out, out


def test_bundle_leaves_out_what_we_do_not_use(exe: Path) -> None:
    internal = BUNDLE / "_internal"
    names = {p.name for p in internal.rglob("*")}
    assert not any(n.startswith("psycopg2") for n in names)
    assert not any(n.startswith(("tkinter", "_tkinter", "libtk", "libtcl")) for n in names)
    qt_libs = {n for n in names if n.startswith(("libQt6", "Qt6")) or (n.startswith("Qt") and n.endswith((".so", ".pyd")))}
    unused = ("WebEngine", "3D", "Quick", "Qml", "Multimedia", "Bluetooth", "Charts", "Designer", "NetworkAuth",
              "Positioning", "Sensors", "SerialPort", "WebSockets")
    assert not [n for n in qt_libs if any(u in n for u in unused)]
    assert (internal / "migrations" / "env.py").is_file()
    assert (internal / "resources").is_dir()
