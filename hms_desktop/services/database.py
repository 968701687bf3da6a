"""The database connection: engine, units of work, and turning driver errors into plain words.

One user action is one unit of work: ``with db.write() as session:`` commits when the block ends and
rolls back if it raises. Reads use ``db.read()``, which never writes.
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.orm import Session, sessionmaker

from .errors import Contention, DatabaseUnavailable, EnvironmentProblem

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# PostgreSQL's codes for "your transaction lost a tie with another one; run it again":
# deadlock_detected and serialization_failure.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
CONTENTION_ATTEMPTS = 4


def retry_on_contention(method: Callable[P, R]) -> Callable[P, R]:
    """Run a whole unit of work again when the database aborted it to break a tie between desks.

    Each attempt is a fresh transaction (the aborted one was rolled back, nothing of it is kept), so
    the method must open its own ``db.write()`` and have no side effects outside the database.
    After the last attempt the user sees Contention's plain message.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                return method(*args, **kwargs)
            except Contention:
                if attempt == CONTENTION_ATTEMPTS:
                    raise
                log.info("%s: contention, attempt %d of %d", method.__qualname__, attempt, CONTENTION_ATTEMPTS)
                # A little random back-off so the desks that tied do not tie again.
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return wrapper


def normalise_url(raw: str) -> URL:
    """Accept what a person would type: a file path, ``sqlite:///...`` or ``postgresql://...``."""
    raw = raw.strip()
    if "://" not in raw:
        return URL.create("sqlite", database=str(Path(raw).expanduser().resolve()))
    url = make_url(raw)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        # We ship psycopg 3 only; "postgresql://" would otherwise ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"Unsupported database {url.get_backend_name()!r}: use a SQLite file or PostgreSQL.")
    return url


def describe_url(url: URL) -> str:
    """Where the data lives, for the status bar: a file path, or host/database. Never the password."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database}"
    host = url.host or "localhost"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {host}{port}/{url.database or ''}"


class Database:
    def __init__(self, url: str | URL, *, pool_size: int = 5) -> None:
        self.url = normalise_url(url) if isinstance(url, str) else url
        self.dialect = self.url.get_backend_name()
        self.engine = self._create_engine(pool_size)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def description(self) -> str:
        return describe_url(self.url)

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None

    def _create_engine(self, pool_size: int) -> Engine:
        if self.is_sqlite:
            path = self.sqlite_path
            if path is None or str(path) == ":memory:":
                raise ValueError("HMS needs a SQLite file, not an in-memory database.")
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, connect_args={"timeout": 15, "check_same_thread": False}, pool_size=pool_size)
            _install_sqlite_hooks(engine)
            return engine
        return create_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": 5,
                "application_name": "hms-desktop",
                # PostgreSQL's default random_page_cost (4) assumes spinning disks: it made a scan of
                # all 200,000 patients look cheaper than 3,000 index lookups for a name search (60 ms
                # against 6 ms; bench/patients.py). 1.1 is the usual value for SSDs and for data that
                # fits in memory, as a clinic's does.
                "options": "-c random_page_cost=1.1",
            },
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._translate_errors(), self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A unit of work that commits on success. On SQLite it takes the write lock up front
        (``BEGIN IMMEDIATE``) so check-then-write sequences cannot interleave between desks."""
        with self._translate_errors(), self._sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={"hms_sqlite_begin": "BEGIN IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def check_connection(self) -> None:
        """Raise DatabaseUnavailable with a plain reason if the database cannot be reached."""
        with self._translate_errors(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES:
                raise Contention(
                    "Another workstation was saving the same records at the same moment, and this "
                    "change could not be saved. Nothing was changed; please try again."
                ) from exc
            if isinstance(exc, (OperationalError, SAInterfaceError)) or exc.connection_invalidated:
                raise self.explain(exc) from exc
            raise

    def explain(self, exc: DBAPIError) -> EnvironmentProblem:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        lower = reason.lower()
        if self.is_sqlite:
            if "locked" in lower or "busy" in lower:
                return EnvironmentProblem(
                    "The database file is busy with another program. Please try again in a moment."
                )
            if "disk" in lower and "full" in lower:
                return EnvironmentProblem("The disk holding the database is full. Nothing was saved.")
            if "unable to open" in lower or "readonly" in lower or "read-only" in lower:
                return DatabaseUnavailable(
                    f"Cannot open the database file {self.sqlite_path}: {reason}. "
                    "Check that the folder exists and that you may write to it."
                )
            return DatabaseUnavailable(f"The database file {self.sqlite_path} cannot be used: {reason}.")
        host = self.url.host or "localhost"
        port = self.url.port or 5432
        if "password authentication" in lower or "no password" in lower:
            why = "the server refused the user name or password"
        elif "does not exist" in lower:
            why = reason
        elif "refused" in lower:
            why = "nothing is accepting connections there (is the server running?)"
        elif "timeout" in lower or "timed out" in lower:
            why = "the server did not answer in time"
        elif "could not translate host name" in lower or "name or service not known" in lower:
            why = "that host name is unknown"
        else:
            why = reason
        return DatabaseUnavailable(
            f"Cannot reach the database server {host}:{port} (database '{self.url.database}'): {why}. "
            "Nothing was saved by the last action."
        )


def _install_sqlite_hooks(engine: Engine) -> None:
    # pysqlite begins transactions lazily and on its own terms; take over so that we can
    # say BEGIN IMMEDIATE for writes (the documented SQLAlchemy recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(conn.get_execution_options().get("hms_sqlite_begin", "BEGIN"))
