"""Writing and reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import AuditEntry
from .database import Database
from .identity import CurrentUser, Identity
from .permissions import Permission


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    actor: CurrentUser | None,
    action: str,
    *,
    workstation: str = "",
    entity_type: str = "",
    entity_id: object = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None,
            actor_name=actor_name or (actor.username if actor else "unknown"),
            workstation=workstation,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id) if entity_id != "" else "",
            summary=summary[:500],
            changes=changes or None,
        )
    )


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor_name: str
    workstation: str
    action: str
    entity_type: str
    entity_id: str
    summary: str
    changes: dict[str, Any] | None


class AuditService:
    def __init__(self, db: Database, identity: Identity) -> None:
        self._db = db
        self._identity = identity

    def recent(
        self,
        *,
        limit: int = 200,
        before_id: int | None = None,
        entity_type: str | None = None,
        entity_id: str | None = None,
        action_prefix: str | None = None,
    ) -> list[AuditRecord]:
        """Newest first; page on with ``before_id`` set to the last id you got."""
        self._identity.require(Permission.AUDIT_VIEW)
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 1000)))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if entity_type:
            query = query.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
        with self._db.read() as session:
            return [
                AuditRecord(
                    id=e.id,
                    at=e.at,
                    actor_name=e.actor_name,
                    workstation=e.workstation,
                    action=e.action,
                    entity_type=e.entity_type,
                    entity_id=e.entity_id,
                    summary=e.summary,
                    changes=e.changes,
                )
                for e in session.scalars(query)
            ]
