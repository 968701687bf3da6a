"""A cheap feed of schedule changes, so other workstations can refresh without re-reading everything.

Writers call ``publish`` inside their own transaction, so a change is announced exactly when (and
only if) it commits:

* PostgreSQL: ``pg_notify`` on the channel ``hms_schedule``; a ``ChangeFeed`` holds one dedicated
  connection that LISTENs on it.
* SQLite: a row in ``change_log``; a ``ChangeFeed`` watches ``PRAGMA data_version`` (which moves
  whenever another connection commits, and costs no disk read) and then reads the rows after the
  last id it saw. Writers hold the write lock, so ids appear in commit order and none is skipped.

The same ``poll(timeout)`` works for both: a Qt worker thread or timer calls it and gets a list of
``ScheduleChange`` (possibly empty). A ``resync`` change means "events may have been missed (the
connection dropped); reload whatever you show".
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from ..models import ChangeLogEntry
from .database import Database

log = logging.getLogger(__name__)

CHANNEL = "hms_schedule"
# SQLite keeps only the newest rows; a desk that falls further behind than this gets a resync.
KEEP_ROWS = 5000


@dataclass(frozen=True)
class ScheduleChange:
    """``kind``: booked, moved, cancelled, status, checked_in, walk_in, availability, resync."""

    kind: str
    doctor_id: int | None = None
    day: date | None = None
    appointment_id: int | None = None


def publish(
    session: Session, kind: str, doctor_id: int | None, day: date | None, appointment_id: int | None = None
) -> None:
    """Announce a change as part of the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps(
            {"k": kind, "d": doctor_id, "day": day.isoformat() if day else None, "a": appointment_id}
        )
        session.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
        return
    new_id = session.execute(
        insert(ChangeLogEntry)
        .values(kind=kind, doctor_id=doctor_id, day=day, appointment_id=appointment_id)
        .returning(ChangeLogEntry.id)
    ).scalar_one()
    if new_id % 1000 == 0:
        session.execute(delete(ChangeLogEntry).where(ChangeLogEntry.id <= new_id - KEEP_ROWS))


class ChangeFeed(Protocol):
    def poll(self, timeout: float = 0.0) -> list[ScheduleChange]:
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

    def poll(self, timeout: float = 0.0) -> list[ScheduleChange]:
        import psycopg

        changes: list[ScheduleChange] = []
        try:
            if self._conn is None or self._conn.closed:
                self._connect()
                changes.append(ScheduleChange("resync"))
            assert self._conn is not None
            # Wait for the first notification, then take whatever else has already arrived.
            for notify in self._conn.notifies(timeout=max(timeout, 0.0), stop_after=1):
                changes.append(_decode(notify.payload))
            if changes:
                for notify in self._conn.notifies(timeout=0.0):
                    changes.append(_decode(notify.payload))
        except psycopg.OperationalError as exc:
            log.warning("Change feed connection lost: %s", exc)
            self.close()
            return [ScheduleChange("resync")]
        return changes

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def _decode(payload: str) -> ScheduleChange:
    try:
        data = json.loads(payload)
        return ScheduleChange(
            kind=str(data["k"]),
            doctor_id=data.get("d"),
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
            appointment_id=data.get("a"),
        )
    except (ValueError, KeyError, TypeError):
        return ScheduleChange("resync")


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

    def poll(self, timeout: float = 0.0) -> list[ScheduleChange]:
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

    def _read(self) -> list[ScheduleChange]:
        first = self._conn.execute("SELECT min(id) FROM change_log").fetchone()[0]
        rows = self._conn.execute(
            "SELECT id, kind, doctor_id, day, appointment_id FROM change_log WHERE id > ? ORDER BY id",
            (self._last_id,),
        ).fetchall()
        changes: list[ScheduleChange] = []
        if first is not None and self._last_id and first > self._last_id + 1:
            changes.append(ScheduleChange("resync"))  # pruned past us: we may have missed some
        for row_id, kind, doctor_id, day, appointment_id in rows:
            self._last_id = row_id
            changes.append(ScheduleChange(kind, doctor_id, date.fromisoformat(day) if day else None, appointment_id))
        return changes

    def close(self) -> None:
        self._conn.close()


__all__ = ["CHANNEL", "ChangeFeed", "ScheduleChange", "open_change_feed", "publish"]
