"""A cheap feed of committed changes, so other workstations can refresh without re-reading everything.

A unit of work announces its changes (``UnitOfWork.announce``) and they are written just before it
commits, in its transaction, so a notice exists exactly when (and only if) its change committed:

* PostgreSQL: ``pg_notify`` on the channel ``hms_changes``; a ``ChangeFeed`` holds one dedicated
  connection that LISTENs on it.
* SQLite: a row in ``change_log``; a ``ChangeFeed`` watches ``PRAGMA data_version`` (which moves
  whenever another connection commits, and costs no disk read) and then reads the rows after the
  last id it saw. Writers hold the write lock, so ids appear in commit order and none is skipped.

The same ``poll(timeout)`` works for both: a Qt thread calls it and gets a list of ``Change``
(possibly empty). A ``resync`` change means "notices may have been missed (the connection
dropped); reload whatever you show".
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ARRAY, Select, Text, bindparam, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from ..models import ChangeLogEntry
from .database import Database

log = logging.getLogger(__name__)

CHANNEL = "hms_changes"
# SQLite keeps only the newest rows; a desk that falls further behind than this gets a resync.
KEEP_ROWS = 5000
TOPICS = frozenset(
    {"schedule", "patients", "doctors", "staff", "settings", "billing", "records", "notifications"}
)


@dataclass(frozen=True)
class Change:
    """One committed change. ``topic`` says what area it concerns, ``kind`` what happened:

    * schedule: booked, moved, cancelled, status, checked_in, walk_in, availability
      (``doctor_id``, ``day`` and ``appointment_id`` say which column and day to reload);
    * any other topic: created, changed, archived, ... with ``entity_id`` naming the record.

    ``origin`` is the desk (one running app) that made it; ``resync`` (topic "") means reload all.
    """

    kind: str
    doctor_id: int | None = None
    day: date | None = None
    appointment_id: int | None = None
    topic: str = "schedule"
    entity_id: int | None = None
    origin: str = ""

    @property
    def is_resync(self) -> bool:
        return self.kind == "resync"


RESYNC = Change("resync", topic="")

# The scheduler's name for it, from when the feed carried only schedule changes.
ScheduleChange = Change


def write_changes(session: Session, changes: Sequence[Change]) -> None:
    """Write the notices of one unit of work, in its transaction, in one statement."""
    if not changes:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(*notify_statement(changes))
        return
    ids = session.execute(
        insert(ChangeLogEntry).returning(ChangeLogEntry.id),
        [
            {"topic": c.topic, "kind": c.kind, "entity_id": c.entity_id, "doctor_id": c.doctor_id,
             "day": c.day, "appointment_id": c.appointment_id, "origin": c.origin}
            for c in changes
        ],
    ).scalars().all()
    newest = max(ids)
    if newest // 1000 != (newest - len(ids)) // 1000:
        session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id <= newest - KEEP_ROWS))


def notify_statement(changes: Sequence[Change]) -> tuple[Select[Any], dict[str, Any]]:
    """PostgreSQL: the notices as one ``SELECT pg_notify(...)`` and its parameters (the unit of work
    lets its audit seal ride in the same statement)."""
    return _NOTIFY, {"n_payloads": [json.dumps(_encode(c), separators=(",", ":")) for c in changes]}


def _notify() -> Select[Any]:
    payload = func.unnest(bindparam("n_payloads", type_=ARRAY(Text()))).column_valued("p")
    return select(func.pg_notify(literal(CHANNEL, Text()), payload))


_NOTIFY = _notify()


def _encode(c: Change) -> dict[str, object]:
    data: dict[str, object] = {"t": c.topic, "k": c.kind}
    for key, value in (("e", c.entity_id), ("d", c.doctor_id), ("a", c.appointment_id)):
        if value is not None:
            data[key] = value
    if c.day is not None:
        data["day"] = c.day.isoformat()
    if c.origin:
        data["o"] = c.origin
    return data


def _decode(payload: str) -> Change:
    try:
        data = json.loads(payload)
        return Change(
            kind=str(data["k"]),
            topic=str(data.get("t", "schedule")),
            entity_id=data.get("e"),
            doctor_id=data.get("d"),
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
            appointment_id=data.get("a"),
            origin=str(data.get("o", "")),
        )
    except (ValueError, KeyError, TypeError):
        return RESYNC


class ChangeFeed(Protocol):
    def poll(self, timeout: float = 0.0) -> list[Change]:
        """Changes committed since the last poll; waits up to ``timeout`` seconds for the first."""

    def close(self) -> None: ...


def open_change_feed(db: Database) -> ChangeFeed:
    """A feed for this database. Use it from one thread at a time; close it when done."""
    if db.is_sqlite:
        return SQLiteChangeFeed(db)
    return PostgresChangeFeed(db)


class PostgresChangeFeed:
    def __init__(self, db: Database) -> None:
        self._conninfo = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = None
        self._connect()

    def _connect(self) -> None:
        import psycopg

        self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def poll(self, timeout: float = 0.0) -> list[Change]:
        """Raises ``psycopg.OperationalError`` when the server cannot be reached; the caller
        decides how long to wait before the next try (see ui/live_updates), and the poll after a
        lost connection starts with a resync."""
        changes: list[Change] = []
        if self._conn is None or self._conn.closed:
            self._conn = None
            self._connect()
            changes.append(RESYNC)
        assert self._conn is not None
        try:
            # Wait for the first notification, then take whatever else has already arrived.
            for notify in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
                changes.append(_decode(notify.payload))
            if changes:
                for notify in self._conn.notifies(timeout=0.0):
                    changes.append(_decode(notify.payload))
        except Exception:
            self.close()
            raise
        return changes

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


class SQLiteChangeFeed:
    CHECK_INTERVAL = 0.05  # seconds between data_version checks while waiting

    def __init__(self, db: Database) -> None:
        # A connection of its own, in autocommit mode: each PRAGMA and SELECT sees the latest commit.
        self._conn = sqlite3.connect(str(db.sqlite_path), timeout=15, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA query_only=ON")
        self._version = self._data_version()
        row = self._conn.execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()
        self._last_id: int = row[0]

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def poll(self, timeout: float = 0.0) -> list[Change]:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            version = self._data_version()
            if version != self._version:
                self._version = version
                changes = self._read()
                if changes:
                    return changes
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            time.sleep(min(self.CHECK_INTERVAL, remaining))

    def _read(self) -> list[Change]:
        first = self._conn.execute("SELECT min(id) FROM change_log").fetchone()[0]
        rows = self._conn.execute(
            "SELECT id, topic, kind, entity_id, doctor_id, day, appointment_id, origin FROM change_log "
            "WHERE id > ? ORDER BY id",
            (self._last_id,),
        ).fetchall()
        changes: list[Change] = []
        if first is not None and self._last_id and first > self._last_id + 1:
            changes.append(RESYNC)  # pruned past us: we may have missed some
        for row_id, topic, kind, entity_id, doctor_id, day, appointment_id, origin in rows:
            self._last_id = row_id
            changes.append(
                Change(kind, doctor_id, date.fromisoformat(day) if day else None, appointment_id, topic,
                       entity_id, origin or "")
            )
        return changes

    def close(self) -> None:
        self._conn.close()


__all__ = [
    "CHANNEL", "RESYNC", "TOPICS", "Change", "ChangeFeed", "ScheduleChange", "notify_statement", "open_change_feed",
    "write_changes",
]
