"""The audit log: the one builder of its rows, and reading it back.

Every row is made by ``audit_values`` — through ``UnitOfWork.audit`` for ordinary writes, and
directly by the booking statement, which writes the appointment, its history and its audit row in
one round trip. Change the format here and every writer follows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..models import AuditEntry, utcnow
from .audit_chain import ChainCheck, seal_tails, verify
from .identity import CurrentUser
from .permissions import Permission

if TYPE_CHECKING:
    from .unit_of_work import UnitsOfWork

SUMMARY_LIMIT = 500
NAME_LIMIT = 200


def plain(value: Any) -> Any:
    """A value as it is kept in the log's JSON: dates and times as ISO text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {field: [old, new]}."""
    return {
        key: [plain(before.get(key)), plain(after.get(key))]
        for key in after
        if before.get(key) != after.get(key)
    }


def created(values: dict[str, Any], fields: tuple[str, ...] | list[str]) -> dict[str, list[Any]]:
    """The fields of a new record that hold something, as {field: [None, value]}."""
    return {k: [None, plain(values[k])] for k in fields if values.get(k) not in ("", None, False)}


def audit_values(
    actor: CurrentUser | None,
    action: str,
    *,
    workstation: str,
    entity_type: str = "",
    entity_id: object = "",
    summary: str = "",
    changes: dict[str, Any] | None = None,
    actor_name: str | None = None,
    at: datetime | None = None,
    batch: str | None = None,
) -> dict[str, Any]:
    """The column values of one audit row. ``batch`` names the unit of work that writes it, which
    seals it into the hash chain before it commits (services/audit_chain.py)."""
    return {
        "at": at or utcnow(),
        "actor_id": actor.id if actor else None,
        "actor_name": (actor_name or (actor.username if actor else "unknown"))[:NAME_LIMIT],
        "workstation": workstation[:NAME_LIMIT],
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id) if entity_id not in ("", None) else "",
        "summary": summary[:SUMMARY_LIMIT],
        "changes": changes or None,
        "batch": batch,
    }


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
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

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
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 1000)))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if entity_type:
            query = query.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        if action_prefix:
            query = query.where(AuditEntry.action.startswith(action_prefix))
        with self._units.read(Permission.AUDIT_VIEW) as uow:
            return [
                AuditRecord(
                    id=e.id, at=e.at, actor_name=e.actor_name, workstation=e.workstation, action=e.action,
                    entity_type=e.entity_type, entity_id=e.entity_id, summary=e.summary, changes=e.changes,
                )
                for e in uow.session.scalars(query)
            ]

    def verify_chain(self, progress: Callable[[int], None] | None = None, *, workers: int | None = None,
                     processes: bool | None = None) -> ChainCheck:
        """Walk the audit log's hash chain and report the first broken link (a row changed, removed,
        or inserted outside the application); ``progress`` hears the rows checked so far. An intact
        log is sealed as it stands (every chain's tail recorded), so rows cut later from the end of a
        chain are found by the next check."""
        with self._units.read(Permission.AUDIT_VIEW) as uow:
            check = verify(uow.connection, progress, db=self._units.db, workers=workers, processes=processes)
        if check.ok:
            with self._units.write(Permission.AUDIT_VIEW) as uow:
                seal_tails(uow)
        return check
