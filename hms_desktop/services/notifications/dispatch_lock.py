"""Which desk sends: the dispatch lock, so exactly one open app runs the outbox at a time.

On PostgreSQL the lock is a session-level advisory lock, taken with ``pg_try_advisory_lock`` on a
connection this desk keeps for itself for as long as it is the dispatcher. The database releases it
when that connection closes (sign-out, quit) or drops (a crash, the network), and another desk takes
over at its next try. On SQLite there is one clinic file and its write lock already serialises the
dispatcher's transactions, so a round simply runs.

A round is ``NotificationDispatcher.run_once``, the same as ``hms notify run``: the lock only decides
which desk spends the time talking to the mail server; a message is sent once even without it
(``FOR UPDATE SKIP LOCKED``, marked sent in the claiming transaction), and a server running
``hms notify run`` beside the desks is still safe.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from ..database import Database
from .dispatcher import DispatchSummary, NotificationDispatcher

log = logging.getLogger(__name__)

# Fixed for every desk of every clinic: the bytes of "HMSOUTBX", a 64-bit advisory lock key that no
# other part of the application uses.
DISPATCH_LOCK_KEY = int.from_bytes(b"HMSOUTBX", "big")


class DispatchLock:
    """This desk's claim to be the one that sends. Thread-safe: rounds run on the worker, and
    ``close`` may be called from wherever the session ends."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._db.is_sqlite or self._conn is not None

    def acquire(self) -> bool:
        """True when this desk is (still, or now) the dispatcher."""
        if self._db.is_sqlite:
            return True
        with self._guard:
            if self._conn is not None:
                if self._alive(self._conn):
                    return True
                self._drop()
            conn = self._db.engine.connect()
            try:
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": DISPATCH_LOCK_KEY}).scalar())
                conn.commit()  # a session-level lock outlives the transaction; leave none open
            except BaseException:
                conn.invalidate()
                conn.close()
                raise
            if got:
                self._conn = conn
            else:
                conn.close()
            return got

    def close(self) -> None:
        """Give the lock up (the connection is discarded, not pooled: the lock goes with it)."""
        with self._guard:
            self._drop()

    def _alive(self, conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
            conn.commit()
            return True
        except DBAPIError:
            log.info("The dispatch lock's connection was lost; trying to take the lock again.")
            return False

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                # Closed for good rather than returned to the pool, where another unit of work would
                # otherwise inherit the lock.
                conn.invalidate()
                conn.close()
            except DBAPIError:
                log.info("The dispatch lock's connection could not be closed cleanly.", exc_info=True)


def try_dispatch_round(lock: DispatchLock, dispatcher: NotificationDispatcher, limit: int = 200) -> DispatchSummary | None:
    """One round of sending if this desk holds (or now takes) the dispatch lock; None when another
    desk is the dispatcher."""
    if not lock.acquire():
        return None
    return dispatcher.run_once(limit=limit)
