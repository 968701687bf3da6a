"""Which desks are signed in on this database: a row per desk start, written at sign-in, kept
fresh by a heartbeat and ended at sign-out. A desk whose heartbeat is older than ``STALE_AFTER``
counts as gone: a desk that crashed or lost power must not stop the last-out backup forever.

Called inside the caller's unit of work (signing in, signing out), so the bookkeeping commits or
fails with what it belongs to."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import DeskSession, utcnow

HEARTBEAT = timedelta(minutes=1)
# Five missed heartbeats: a desk busy with a long task on its worker still beats (the heartbeat
# has its own timer on the GUI thread), so only a desk that is not running goes stale.
STALE_AFTER = timedelta(minutes=5)


def begin(session: Session, desk_id: str, workstation: str, user_id: int | None, username: str,
          now: datetime | None = None) -> None:
    now = now or utcnow()
    row = session.get(DeskSession, desk_id)
    if row is None:
        session.add(DeskSession(desk_id=desk_id, workstation=workstation[:200], user_id=user_id,
                                username=username[:64], started_at=now, last_seen_at=now))
        return
    if row.ended_at is not None or row.user_id != user_id:
        row.started_at = now  # a new session at the same desk
    row.user_id, row.username, row.last_seen_at, row.ended_at = user_id, username[:64], now, None


def heartbeat(session: Session, desk_id: str, now: datetime | None = None) -> None:
    session.execute(update(DeskSession).where(DeskSession.desk_id == desk_id, DeskSession.ended_at.is_(None))
                    .values(last_seen_at=now or utcnow()))


def end(session: Session, desk_id: str, now: datetime | None = None) -> int:
    """End this desk's session; returns how many OTHER desks are still live. Run in a write unit:
    on SQLite (the only database whose backups the app takes) the unit's BEGIN IMMEDIATE orders two
    desks signing out at once, so the second to commit sees the first gone and is the last one out."""
    now = now or utcnow()
    session.execute(update(DeskSession).where(DeskSession.desk_id == desk_id).values(ended_at=now, last_seen_at=now))
    return live_others(session, desk_id, now)


def live_others(session: Session, desk_id: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    query = select(func.count()).select_from(DeskSession).where(
        DeskSession.desk_id != desk_id, DeskSession.ended_at.is_(None),
        DeskSession.last_seen_at > now - STALE_AFTER)
    return int(session.scalar(query) or 0)
