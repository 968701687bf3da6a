"""Counting what a service call sends to the database: statements, and exchanges with the server.

``RoundTrips(engine)`` listens on the engine while it is ``counting``:

* statements: every statement SQLAlchemy hands the driver (an executemany counts once);
* round trips: those statements, plus what the driver and the pool send around them that wait for
  the server too: psycopg's implicit ``BEGIN`` before a transaction's first statement (on
  PostgreSQL; SQLite's BEGIN is in-process and counted as a statement when it is one), the
  ``COMMIT`` or ``ROLLBACK``, and the pool's liveness ping when a connection is checked out
  (``pool_pre_ping``). psycopg 3 sends an executemany as one pipeline, so it counts once.

It is a model of the conversation, not a packet count, but each item it counts is one wait for the
server's answer, which is what costs a loopback round trip (about 0.1 ms) plus the server's work.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event


class RoundTrips:
    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.counting = False
        self.statements = 0
        self.round_trips = 0
        self.kinds: Counter[str] = Counter()
        self._postgresql = engine.dialect.name == "postgresql"
        self._pings = bool(getattr(engine.pool, "_pre_ping", False))
        self._listeners = (
            (engine, "before_cursor_execute", self._statement),
            (engine, "begin", self._begin),
            (engine, "commit", self._end),
            (engine, "rollback", self._end),
            (engine.pool, "checkout", self._checkout),
        )
        for target, name, fn in self._listeners:
            event.listen(target, name, fn)

    def close(self) -> None:
        for target, name, fn in self._listeners:
            event.remove(target, name, fn)

    def reset(self) -> None:
        self.statements = self.round_trips = 0
        self.kinds.clear()

    def _add(self, kind: str, statement: bool = False) -> None:
        if not self.counting:
            return
        self.round_trips += 1
        self.statements += statement
        self.kinds[kind] += 1

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        words = statement.split()
        self._add(" ".join(words[:3])[:40], statement=True)

    def _begin(self, conn) -> None:  # type: ignore[no-untyped-def]
        if self._postgresql:
            self._add("BEGIN (psycopg, implicit)")

    def _end(self, conn) -> None:  # type: ignore[no-untyped-def]
        self._add("COMMIT / ROLLBACK")

    def _checkout(self, dbapi_conn, record, proxy) -> None:  # type: ignore[no-untyped-def]
        if self._pings:
            self._add("pool pre-ping")

    def snapshot(self) -> dict[str, Any]:
        return {"statements": self.statements, "round_trips": self.round_trips, "kinds": dict(self.kinds)}
