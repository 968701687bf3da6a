"""How far a fan-out has read a table of committed rows (the appointment history for the bell, the
outbox for SMS copies): one ``notification_cursors`` row per reader, locked while it reads, so two
desks never fan out at once.

On PostgreSQL ids are handed out when a row is inserted, not when it commits: a transaction that
took id 10 can commit after one that took id 11. So each read starts ``LAG`` ids behind the cursor
and the readers skip what they already made (their rows carry unique keys): a row committed late,
while fewer than ``LAG`` others committed past it, is still seen. On SQLite writers take turns and
ids arrive in commit order.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import NotificationCursor

LAG = 200


def upsert(session: Session):  # noqa: ANN201 - the dialect's insert, for ON CONFLICT DO NOTHING
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def locked_cursor(session: Session, source: str) -> NotificationCursor:
    """The reader's cursor row, made at 0 the first time, locked until the caller's unit ends."""
    session.execute(upsert(session)(NotificationCursor).values(source=source, last_id=0).on_conflict_do_nothing(
        index_elements=[NotificationCursor.source]))
    cursor = session.scalar(select(NotificationCursor).where(NotificationCursor.source == source).with_for_update())
    assert cursor is not None
    return cursor
