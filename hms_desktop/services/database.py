"""The database connection: the engine, transactions, and driver errors sorted into "the
environment's fault" (told in plain words) and everything else.

Services never open transactions here themselves: every service call goes through a unit of work
(``services/unit_of_work.py``), which uses ``write()`` and ``read()``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.orm import Session, sessionmaker

from .errors import Contention, DatabaseUnavailable, EnvironmentProblem

log = logging.getLogger(__name__)

# PostgreSQL's codes for "your transaction lost a tie with another one; run it again":
# deadlock_detected and serialization_failure.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})

# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out (a server
# restart or a firewall may have dropped it meanwhile). One used more recently is not: a unit of
# work's first statement tells whether it still works, and a dropped one is replaced before the
# unit goes on (Database.read/write ``first``). A ping per call was one round trip in 5 of a lookup.
IDLE_PING_SECONDS = 30.0
_READ_OPTIONS = {"isolation_level": "AUTOCOMMIT"}


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
            _install_sqlite_hooks(engine, path)
            return engine
        engine = create_engine(
            self.url,
            pool_size=pool_size,
            max_overflow=pool_size,
            # The connection used last is handed out first: a desk's calls keep to one warm
            # connection, and the others idle (and are pinged when next used, IDLE_PING_SECONDS).
            pool_use_lifo=True,
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
        _install_idle_ping(engine)
        return engine

    @contextmanager
    def read(self, first: Callable[[Session], object] | None = None) -> Iterator[Session]:
        """A transaction that only reads. Only the unit of work calls this and ``write``.

        ``first`` runs before the block (the unit of work's account check): on PostgreSQL, if the
        server dropped the pooled connection since its last use, it is replaced and ``first`` runs
        again, so the desk never sees it. A read on PostgreSQL runs without BEGIN/ROLLBACK
        (autocommit): at READ COMMITTED every statement sees its own snapshot either way, and
        the two round trips are saved."""
        with self._translate_errors(), self._sessions() as session:
            try:
                self._open(session, None if self.is_sqlite else _READ_OPTIONS, first)
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self, first: Callable[[Session], object] | None = None) -> Iterator[Session]:
        """A unit of work that commits on success. On SQLite it takes the write lock up front
        (``BEGIN IMMEDIATE``) so check-then-write sequences cannot interleave between desks.
        ``first``: as for ``read``."""
        with self._translate_errors(writing=True), self._sessions() as session:
            try:
                self._open(session, {"hms_sqlite_begin": "BEGIN IMMEDIATE"} if self.is_sqlite else None, first)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def _open(self, session: Session, options: dict[str, str] | None, first: Callable[[Session], object] | None) -> None:
        if self.is_sqlite:
            if options:
                session.connection(execution_options=options)
            if first is not None:
                first(session)
            return
        for attempt in range(2):
            if options:
                session.connection(execution_options=options)
            try:
                if first is not None:
                    first(session)
                else:
                    session.execute(_PING)
                return
            except DBAPIError as exc:
                # Dropped while idle in the pool (SQLAlchemy has invalidated it, and the pool's
                # older connections with it): nothing of the unit has run, so run it on a new one.
                if attempt or not exc.connection_invalidated:
                    raise
                log.info("A pooled database connection had been dropped; replaced it: %s", exc.orig)
                session.rollback()

    def check_connection(self) -> None:
        """Raise DatabaseUnavailable with a plain reason if the database cannot be reached."""
        with self._translate_errors(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def warm_up(self, connections: int = 2) -> None:
        """Open the pool's first connections now (the app does this on its worker at start-up), so
        that the first search after signing in does not wait for a PostgreSQL log-in."""
        held = []
        try:
            for _ in range(1 if self.is_sqlite else connections):
                held.append(self.engine.connect())
        finally:
            for conn in held:
                conn.close()

    def connection_security(self) -> str:
        """For the status bar: whether what crosses the network to the server is encrypted."""
        if self.is_sqlite:
            return "local file, nothing crosses the network"
        with self._translate_errors(), self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            ).first()
        if row is not None and row.ssl:
            return f"encrypted ({row.version})"
        return "not encrypted"

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _translate_errors(self, *, writing: bool = False) -> Iterator[None]:
        """Driver errors that are the environment's fault (server gone, disk full, file read-only,
        another desk's lock) become typed errors in plain words; everything else goes on as it is
        (the unit of work turns integrity, data and stale-version errors into typed errors)."""
        try:
            yield
        except DBAPIError as exc:
            problem = self.classify(exc, writing=writing)
            if problem is not None:
                raise problem from exc
            raise

    def classify(self, exc: DBAPIError, *, writing: bool = False) -> EnvironmentProblem | None:
        """The environment problem behind a driver error, by its SQLite result code or PostgreSQL
        SQLSTATE (never by the English text); None when it is not the environment's fault."""
        orig = exc.orig
        if self.is_sqlite:
            code = getattr(orig, "sqlite_errorcode", None)
            primary = code & 0xFF if isinstance(code, int) else None
            if primary in _SQLITE_ENVIRONMENT or (primary is None and exc.connection_invalidated):
                return self._explain_sqlite(primary, orig, writing=writing)
            return None
        sqlstate = getattr(orig, "sqlstate", None) or ""
        if sqlstate in _RETRYABLE_SQLSTATES:
            return Contention(
                "Another workstation was saving the same records at the same moment, and this "
                "change could not be saved. Nothing was changed; please try again."
            )
        if sqlstate[:2] in _PG_ENVIRONMENT_CLASSES or sqlstate in _PG_ENVIRONMENT_STATES:
            return self._explain_postgres(sqlstate, exc, writing=writing)
        if not sqlstate and (isinstance(exc, OperationalError | SAInterfaceError) or exc.connection_invalidated):
            # No SQLSTATE: the connection could not be made or was lost (psycopg says why in words).
            return self._explain_postgres("", exc, writing=writing)
        return None

    def explain(self, exc: DBAPIError, *, writing: bool = False) -> EnvironmentProblem:
        """Plain words for a driver error known to be the environment's fault."""
        return self.classify(exc, writing=writing) or self._explain_postgres("", exc, writing=writing)

    def _explain_sqlite(self, primary: int | None, orig: BaseException | None, *, writing: bool) -> EnvironmentProblem:
        nothing_saved = " Nothing was saved by the last action." if writing else ""
        reason = str(orig).strip().splitlines()[0] if orig else "unknown error"
        if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return EnvironmentProblem(
                "The database file is busy with another program or workstation. Please try again in a moment."
                + nothing_saved
            )
        if primary == _SQLITE_FULL:
            return EnvironmentProblem("The disk holding the database is full." + nothing_saved)
        if primary == _SQLITE_READONLY:
            return DatabaseUnavailable(
                f"The database file {self.sqlite_path} cannot be written to just now (it is read-only for "
                "this program). Check that the disk is not write-protected and that you may write to the "
                "file and its folder; the app will use it again as soon as it can." + nothing_saved
            )
        if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return DatabaseUnavailable(
                f"The database file {self.sqlite_path} is damaged or is not an HMS database ({reason}). "
                "Ask an administrator to restore it from a backup." + nothing_saved
            )
        return DatabaseUnavailable(
            f"Cannot use the database file {self.sqlite_path}: {reason}. "
            "Check that the folder exists and that you may write to it." + nothing_saved
        )

    def _explain_postgres(self, sqlstate: str, exc: DBAPIError, *, writing: bool) -> EnvironmentProblem:
        nothing_saved = " Nothing was saved by the last action." if writing else ""
        host = self.url.host or "localhost"
        port = self.url.port or 5432
        where = f"the database server {host}:{port} (database '{self.url.database}')"
        if sqlstate == "53100":
            return EnvironmentProblem(f"The disk of {where} is full." + nothing_saved)
        if sqlstate[:2] == "53":
            return EnvironmentProblem(
                f"{where[0].upper()}{where[1:]} is overloaded just now (out of memory or connections). "
                "Please try again in a moment." + nothing_saved
            )
        if sqlstate == "57014":
            return EnvironmentProblem(f"{where[0].upper()}{where[1:]} took too long to answer." + nothing_saved)
        if sqlstate in ("42501", "25006"):
            return EnvironmentProblem(
                f"{where[0].upper()}{where[1:]} refused the change: this account may only read there "
                "(a read-only or standby server, or missing rights)." + nothing_saved
            )
        if sqlstate[:2] == "28":
            why = "the server refused the user name or password"
        elif sqlstate == "3D000":
            why = "that database does not exist on the server"
        elif sqlstate[:3] == "57P":
            why = "the server is shutting down or restarting"
        else:
            why = _connection_reason(exc)
        return DatabaseUnavailable(f"Cannot reach {where}: {why}." + nothing_saved)


# SQLite primary result codes (https://sqlite.org/rescode.html) that mean "the environment".
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_PROTOCOL, _SQLITE_AUTH, _SQLITE_NOTADB = 15, 23, 26
_SQLITE_ENVIRONMENT = frozenset({
    _SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CORRUPT,
    _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_PROTOCOL, _SQLITE_AUTH, _SQLITE_NOTADB,
})
# A connection that met one of these may be unusable for good (SQLite opens a file it may not
# write read-only and stays so): it is thrown away, so the next unit of work opens a fresh one.
_SQLITE_DISCARD = frozenset({_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN, _SQLITE_NOTADB, _SQLITE_PERM})
# PostgreSQL SQLSTATE classes and codes (appendix A of its manual) that mean "the environment":
# connection exceptions, insufficient resources, operator intervention, authorisation, no database.
_PG_ENVIRONMENT_CLASSES = frozenset({"08", "53", "57", "28"})
_PG_ENVIRONMENT_STATES = frozenset({"3D000", "42501", "25006"})


def _connection_reason(exc: DBAPIError) -> str:
    # psycopg gives no SQLSTATE for a connection it could not make, only libpq's sentence; this
    # picks the words for the reason shown, the classification above never depends on them.
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lower = reason.lower()
    if "password authentication" in lower or "no password" in lower:
        return "the server refused the user name or password"
    if "refused" in lower:
        return "nothing is accepting connections there (is the server running?)"
    if "timeout" in lower or "timed out" in lower:
        return "the server did not answer in time"
    if "could not translate host name" in lower or "name or service not known" in lower:
        return "that host name is unknown"
    return reason


def _heal_wal_files(path: Path | None) -> None:
    """SQLite creates the -wal and -shm files with the database file's permissions. A file that
    was read-only when they were made leaves them read-only after it is writable again, and every
    write then fails; give them the database file's mode back (they are ours: we made them)."""
    if path is None or not os.access(path, os.W_OK):
        return
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists() and not os.access(companion, os.W_OK):
            try:
                os.chmod(companion, stat.S_IMODE(path.stat().st_mode))
            except OSError as exc:
                log.warning("Cannot make %s writable again: %s", companion, exc)


_PING = text("SELECT 1")


def _install_idle_ping(engine: Engine) -> None:
    """Ping a pooled connection before handing it out only when it has been idle a while
    (IDLE_PING_SECONDS): a failed ping makes the pool open a new connection instead."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
        record.info["hms_returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn, record, proxy) -> None:  # type: ignore[no-untyped-def]
        returned = record.info.get("hms_returned_at")
        if returned is None or time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            dbapi_conn.execute("SELECT 1")
            if not dbapi_conn.autocommit:
                dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError(f"pooled connection dropped while idle: {exc}") from exc


def _install_sqlite_hooks(engine: Engine, path: Path | None) -> None:
    # pysqlite begins transactions lazily and on its own terms; take over so that we can
    # say BEGIN IMMEDIATE for writes (the documented SQLAlchemy recipe).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        _heal_wal_files(path)
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "handle_error")
    def _on_error(context) -> None:  # type: ignore[no-untyped-def]
        code = getattr(context.original_exception, "sqlite_errorcode", None)
        if isinstance(code, int) and code & 0xFF in _SQLITE_DISCARD:
            context.is_disconnect = True

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql(conn.get_execution_options().get("hms_sqlite_begin", "BEGIN"))
