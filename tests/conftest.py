"""Test set-up shared by every test.

Service tests run twice, on a real SQLite file and on a real PostgreSQL database. The PostgreSQL
server comes from HMS_TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust auth); each test gets
its own database, cloned from a migrated template and dropped afterwards. Without a server the
PostgreSQL half is skipped, unless HMS_REQUIRE_POSTGRES=1 (as in CI), where it fails instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

# Must be set before anything imports Qt: there is no screen in CI.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HMS_BCRYPT_ROUNDS"] = "4"
_DATA_DIR = tempfile.mkdtemp(prefix="hms-test-data-")
os.environ["HMS_DATA_DIR"] = _DATA_DIR
os.environ.pop("HMS_DATABASE_URL", None)

import pytest  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from hms_desktop.bootstrap import Services, build_services  # noqa: E402
from hms_desktop.services import migrations  # noqa: E402
from hms_desktop.services.database import Database  # noqa: E402

# Fixtures shared by test modules in several folders.
pytest_plugins = ["tests.support.memory_keyring"]

PG_SERVER_URL = os.environ.get("HMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("HMS_REQUIRE_POSTGRES") == "1"
ADMIN_PASSWORD = "Admin-pass-1"
STAFF_PASSWORD = "Staff-pass-1"


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


class PostgresServer:
    def __init__(self, url: str) -> None:
        self.url = make_url(url).set(drivername="postgresql+psycopg")
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        self.template: str | None = None

    def create(self, template: str | None = None) -> str:
        name = f"hms_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def url_for(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_SERVER_URL)
    try:
        with server.admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        message = f"PostgreSQL test server {server.url.host}:{server.url.port} unreachable: {exc}"
        if REQUIRE_PG:
            pytest.fail(message + " (HMS_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    template = server.create()
    db = Database(server.url_for(template))
    migrations.upgrade(db)
    db.dispose()
    server.template = template
    yield server
    server.drop(template)
    server.admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    migrations.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "clinic.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("pg_server")
    name = server.create(template=server.template)
    yield server.url_for(name)
    server.drop(name)


@pytest.fixture
def pg_url(pg_server: PostgresServer) -> Iterator[str]:
    """A migrated PostgreSQL database, for tests that only make sense there."""
    name = pg_server.create(template=pg_server.template)
    yield pg_server.url_for(name)
    pg_server.drop(name)


@pytest.fixture
def services(db_url: str) -> Iterator[Services]:
    """Services on a fresh database with one admin account ('admin'), signed in as that admin."""
    svc = build_services(db_url)
    svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    yield svc
    svc.close()


def add_staff(svc: Services, username: str, role: str, password: str = STAFF_PASSWORD) -> None:
    """Add an account as whoever is signed in (an admin)."""
    svc.staff.add(username, username.title(), role, password)


def second_desk(svc: Services, username: str = "admin", password: str = ADMIN_PASSWORD) -> Services:
    """Another workstation on the same database, signed in."""
    other = build_services(svc.db.url.render_as_string(hide_password=False))
    other.auth.sign_in(username, password)
    return other


@pytest.fixture(scope="session", autouse=True)
def _gui_thread_garbage_collection():
    """As in the app: cyclic garbage (which may hold Qt objects) is collected on the GUI thread only."""
    import gc

    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collector(request):
    if "qtbot" not in request.fixturenames and "qapp" not in request.fixturenames:
        yield
        return
    from PySide6.QtWidgets import QApplication

    from hms_desktop.ui.common.main_thread_gc import MainThreadGarbageCollector

    app = QApplication.instance()
    if getattr(app, "hms_gc", None) is None:
        app.hms_gc = MainThreadGarbageCollector(app)
    yield


@pytest.fixture
def runner(qtbot):  # noqa: ARG001 - qtbot makes sure a QApplication exists
    """The background worker the widgets use; stopped before the test's database goes away."""
    from hms_desktop.ui.common.worker import TaskRunner

    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown(10_000)


def wait_idle(qtbot, runner, timeout: int = 10_000) -> None:
    """Wait until every submitted service call has run and its result reached the widgets."""
    qtbot.waitUntil(lambda: not runner.busy, timeout=timeout)


def start_app(database: str):  # noqa: ANN201 - hms_desktop.ui.app.AppController
    """The app shell started as ``hms`` starts it, returned once its worker has opened the
    database (the sign-in window shows first; the first-run or Database window may replace it)."""
    import time

    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from hms_desktop.ui.app import AppController, make_application

    controller = AppController(make_application(), database)
    controller.start()
    deadline = time.monotonic() + 60
    while not controller.ready:
        assert time.monotonic() < deadline, "the database was not opened within 60 s"
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
    return controller
