"""What the benchmarks share: timing and its statistics, a scratch environment, the cached SQLite
clinic file, and a throw-away PostgreSQL database."""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def time_ms(fn: Callable[[], T]) -> tuple[float, T]:
    """How long ``fn()`` took, in milliseconds, and what it returned."""
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def p95(samples: list[float]) -> float:
    """The 95th percentile (interpolated, inclusive); the sample itself when there is only one."""
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


class SampleStats:
    """Statistics over ``samples_ms`` (and ``rows``, what each call returned) for a Timing class."""

    samples_ms: list[float]
    rows: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return p95(self.samples_ms)

    def stats(self) -> dict[str, Any]:
        return {
            "n": len(self.samples_ms),
            "median_ms": round(self.median, 3),
            "p95_ms": round(self.p95, 3),
            "max_ms": round(max(self.samples_ms), 3),
            "mean_ms": round(statistics.fmean(self.samples_ms), 3),
            "rows_median": statistics.median(self.rows),
        }

    def slowest(self) -> int:
        """The index of the slowest sample."""
        return max(range(len(self.samples_ms)), key=self.samples_ms.__getitem__)

    def count_stats(self) -> dict[str, Any]:
        """Statements and round trips per call (medians), when the Timing kept them."""
        statements = getattr(self, "statements", None)
        trips = getattr(self, "round_trips", None)
        if not statements or not trips:
            return {}
        return {"statements_median": statistics.median(statements), "round_trips_median": statistics.median(trips),
                "statements_max": max(statements), "round_trips_max": max(trips)}


class RoundTrips:
    """Statements and round trips to the database while it is on, counted with SQLAlchemy's events.

    A statement is one round trip. On PostgreSQL the driver also sends BEGIN before a transaction's
    first statement, then COMMIT or ROLLBACK (not for a read, which runs in autocommit), and the
    pool's liveness check (``pool_pre_ping``, where set) sends one more at each checkout: one round
    trip each. SQLite runs in the process: its BEGIN is a
    statement (services/database.py issues it), its COMMIT or ROLLBACK a call into the library; they
    are counted alike, so the figures compare, though they cost microseconds there. ``kinds``
    counts the round trips by what they were (a statement's first words)."""

    def __init__(self, engine: Any) -> None:
        from collections import Counter

        from sqlalchemy import event

        self.statements = 0
        self.round_trips = 0
        self.kinds: Counter[str] = Counter()
        self._pg = engine.dialect.name == "postgresql"
        self._engine = engine
        self._listeners = [
            ("before_cursor_execute", self._statement), ("begin", self._begin), ("commit", self._end),
            ("rollback", self._end), ("checkout", self._checkout),
        ]
        for name, fn in self._listeners:
            event.listen(engine, name, fn)

    def close(self) -> None:
        from sqlalchemy import event

        for name, fn in self._listeners:
            event.remove(self._engine, name, fn)

    def reset(self) -> None:
        self.statements = self.round_trips = 0
        self.kinds.clear()

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        self.round_trips += 1
        self.kinds[" ".join(statement.split()[:3])[:40]] += 1

    def _begin(self, conn: Any, *_args: Any) -> None:
        if self._pg and not self._autocommit(conn):
            self.round_trips += 1
            self.kinds["BEGIN (psycopg, implicit)"] += 1

    def _end(self, conn: Any, *_args: Any) -> None:
        if self._pg and self._autocommit(conn):
            return  # a read on PostgreSQL runs without a transaction: nothing is sent
        self.round_trips += 1
        self.kinds["COMMIT / ROLLBACK"] += 1

    @staticmethod
    def _autocommit(conn: Any) -> bool:
        return bool(getattr(conn.connection.dbapi_connection, "autocommit", False))

    def _checkout(self, *_args: Any) -> None:
        if getattr(self._engine.pool, "_pre_ping", False):
            self.round_trips += 1
            self.kinds["pool pre-ping"] += 1

    def snapshot(self) -> dict[str, Any]:
        return {"statements": self.statements, "round_trips": self.round_trips, "kinds": dict(self.kinds)}

    def call(self, fn: Callable[[], T]) -> tuple[float, T, int, int]:
        """``fn()`` timed (ms), with what it returned and its statements and round trips."""
        self.reset()
        ms, result = time_ms(fn)
        return ms, result, self.statements, self.round_trips


def scratch_environment(prefix: str) -> Path:
    """A temporary folder for the run. Set before any hms_desktop code runs: logs and backups go
    there, never to a real data directory, and password hashing is cheap (sign-in is not measured)."""
    scratch = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["HMS_DATA_DIR"] = str(scratch / "data")
    os.environ.setdefault("HMS_BCRYPT_ROUNDS", "4")
    os.environ.pop("HMS_DATABASE_URL", None)
    return scratch


def logger(tag: str) -> Callable[[str], None]:
    def log(message: str) -> None:
        print(f"[{tag}] {message}", file=sys.stderr, flush=True)

    return log


def sqlite_files(path: Path) -> list[Path]:
    """The database file and its write-ahead log and shared-memory companions."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def build_into_cache(cached: Path, build: Callable[[Path], T]) -> T:
    """Build a SQLite clinic beside ``cached`` and move it into place only once complete, as one file."""
    building = cached.with_name(cached.name + ".building")
    for f in sqlite_files(building):
        f.unlink(missing_ok=True)
    result = build(building)
    # Fold the write-ahead log into the file, so that the cached copy is one file.
    with sqlite3.connect(building) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(building, cached)
    for f in sqlite_files(building)[1:]:
        f.unlink(missing_ok=True)
    return result


class ThrowawayDatabase:
    """A new PostgreSQL database on ``server`` for one run; ``drop()`` removes it unless ``keep``."""

    def __init__(self, server: str) -> None:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.server_url = make_url(server).set(drivername="postgresql+psycopg")
        self._admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        self.name = f"hms_bench_{uuid.uuid4().hex[:10]}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = self.server_url.set(database=self.name).render_as_string(hide_password=False)

    @property
    def where(self) -> str:
        return f"{self.server_url.host}:{self.server_url.port or 5432}"

    def vacuum_analyze(self) -> None:
        """What autovacuum would do within a minute or so of a bulk load, and the checkpoint the
        server would make soon after: without it, the checkpoint that the bulk load's WAL sets off
        falls in the timed writes (every page they touch first written whole to the WAL again)."""
        from sqlalchemy import create_engine, text
        from sqlalchemy.exc import DBAPIError

        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
            try:
                conn.execute(text("CHECKPOINT"))
            except DBAPIError as exc:  # not a superuser: the timed writes may meet the checkpoint
                print(f"[bench] no CHECKPOINT after the bulk load ({exc.orig})", file=sys.stderr)
        engine.dispose()

    def drop(self, *, keep: bool = False, hint: str = "") -> None:
        from sqlalchemy import text

        if keep:
            print(f"[bench] kept the PostgreSQL database: {self.url}{hint}", file=sys.stderr)
        else:
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def pg_size(services: Any, notes: list[str]) -> int:
    """The database's size in bytes; adds the server's version to ``notes``."""
    from sqlalchemy import text

    with services.db.read() as session:
        size = session.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        version = session.execute(text("SHOW server_version")).scalar_one()
    notes.append(f"server {version}")
    return int(size)


@contextmanager
def scratch_database(kind: str, scratch: str | Path, server: str, name: str,
                     keep: bool = False) -> Iterator[tuple[str, ThrowawayDatabase | None]]:
    """One bench's database of ``kind``: a SQLite file ``name``.sqlite3 in ``scratch``, or a throwaway
    PostgreSQL database on ``server``, dropped when the block ends unless ``keep`` (then the caller
    says where it is, and drops it when done). Yields (url, the throwaway or None)."""
    if kind == "sqlite":
        yield f"sqlite:///{Path(scratch) / f'{name}.sqlite3'}", None
        return
    throwaway = ThrowawayDatabase(server)
    try:
        yield throwaway.url, throwaway
    finally:
        throwaway.drop(keep=keep, hint=" (DROP DATABASE it when done)" if keep else "")
