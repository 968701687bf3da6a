"""One user action = one unit of work = one transaction, and the unit carries the action's duties.

Every service call opens one::

    with self._units.write(Permission.PATIENT_EDIT, stale=lambda: self._conflict(patient_id)) as uow:
        patient = uow.session.get(Patient, patient_id)
        ...
        uow.audit("patient.changed", entity_type="patient", entity_id=patient_id, summary=..., changes=...)
        uow.announce("patients", "changed", entity_id=patient_id)

In this order, whatever the call:

1. the permission is checked, before anything is validated or read (``PermissionDenied``);
2. the transaction opens (SQLite ``BEGIN IMMEDIATE``, so a check and the write that depends on it
   cannot interleave between desks) and the signed-in account is looked up: an account deactivated,
   or given another role, since this desk signed in ends the session (``SessionEnded``). That
   look-up is the unit's first statement: on a pooled PostgreSQL connection the server dropped, it
   fails, and the database layer replaces the connection and asks again (database.py);
3. the block runs; ``audit`` rows, ``announce``-d change notices and ``enqueue``-d outbox messages
   are written in the same transaction, so each exists exactly when the change committed;
4. it commits, or rolls everything back if anything raised. Errors leave as typed errors only:
   environment problems in plain words (``Database.classify``), a stale version as
   ``ConflictError`` (``stale`` builds the one with the record as it is now), a unique or
   exclusion constraint as the error its service registered (``explain_constraint``) or a
   ``ConflictError``, and a value the database cannot store as a ``ValidationError``.

Reads go through ``read()``, which checks the permission and the account the same way; a read that
must leave a trace (a clinical record was looked at) calls ``audit`` and the row is written right
after the read, by whom and from where.

``retry_on_contention`` is the one retry policy: a whole unit of work that the database aborted to
break a tie between desks (deadlock, serialization failure) runs again, up to four times.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..models import AuditEntry, Base, OutboxEntry, OutboxStatus, StaffAccount, utcnow
from .audit import audit_values
from .audit_chain import WriterChain, WrittenRow
from .change_feed import TOPICS, Change, notify_statement, write_changes
from .database import Database
from .errors import ConflictError, Contention, HmsError, PermissionDenied, SessionEnded, ValidationError
from .identity import CurrentUser, Identity
from .permissions import Permission, role_label

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

CONTENTION_ATTEMPTS = 4

STALE_MESSAGE = (
    "Someone at another desk changed this record while you were working on it. Nothing of yours was "
    "saved; please look at it again and repeat your change."
)
CLASH_MESSAGE = (
    "This clashes with a record saved at another desk a moment ago. Nothing was saved; please look "
    "again and try once more."
)
DATA_MESSAGE = (
    "One of the values cannot be stored (an unusual character, or a number far too large). Nothing "
    "was saved; please check what was typed."
)


@dataclass(frozen=True)
class OutboxMessage:
    """A message to send once the unit of work commits (see models.messaging.OutboxEntry)."""

    event: str
    channel: str  # email, sms, in_app
    recipient: str = ""
    subject: str = ""
    body: str = ""
    payload: dict[str, Any] | None = None
    entity_type: str = ""
    entity_id: object = ""
    dedupe_key: str | None = None
    not_before: datetime | None = None


@dataclass
class UnitOfWork:
    """What a use case holds while it runs: its session and the duties of one user action."""

    session: Session
    maybe_actor: CurrentUser | None
    workstation: str
    origin: str
    writable: bool
    _changes: list[Change] = field(default_factory=list)
    _late_audit: list[dict[str, Any]] = field(default_factory=list)
    _constraints: dict[str, Callable[[], HmsError]] = field(default_factory=dict)
    _after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Every audit row of this unit carries this token; the unit seals those rows into the chain.
    batch: str = field(default_factory=lambda: uuid.uuid4().hex)
    chain: WriterChain | None = None  # whose chain this unit's audit rows join (UnitsOfWork.chain)
    _audited: bool = False
    _holding: bool = False
    # The unit's audit rows as written (sealed without reading them back), unless a statement of
    # its own wrote one it did not report (audit_values without written_audit): then found by batch.
    _written: list[Any] = field(default_factory=list)
    _unreported: int = 0
    _new_tail: tuple[int, str] | None = None

    @property
    def actor(self) -> CurrentUser:
        """The signed-in person (or the command line acting as the system)."""
        if self.maybe_actor is None:
            raise PermissionDenied("Please sign in first.")
        return self.maybe_actor

    @property
    def connection(self) -> Connection:
        return self.session.connection()

    @property
    def is_postgresql(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def require(self, permission: Permission) -> CurrentUser:
        """A finer check inside the unit (the coarse one ran before it opened)."""
        return _require(self.actor, permission)

    # --- the duties -----------------------------------------------------------------------

    def audit_values(self, action: str, **fields: Any) -> dict[str, Any]:
        """The columns of an audit row by this unit's actor and workstation, for a statement that
        writes its own rows in one round trip (the booking path); ``audit`` is the usual way."""
        fields.setdefault("workstation", self.workstation)
        self._audited = True
        self._unreported += 1
        return audit_values(self.maybe_actor, action, batch=self.batch, **fields)

    def written_audit(self, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """The audit rows a statement of the use case wrote from ``audit_values``: (id, values) each,
        so the unit seals them without reading them back (any left unreported: all are read back)."""
        self._written += [WrittenRow.of(row_id, values) for row_id, values in rows]
        self._unreported -= len(rows)

    def audit(
        self,
        action: str,
        *,
        entity_type: str = "",
        entity_id: object = "",
        summary: str = "",
        changes: dict[str, Any] | None = None,
        actor_name: str | None = None,
        actor: CurrentUser | None = None,
    ) -> None:
        """One audit row: by this unit's actor unless ``actor`` names another (a sign-in attempt
        is recorded as the account's), from this workstation, now."""
        values = audit_values(
            actor or self.maybe_actor, action, workstation=self.workstation, entity_type=entity_type,
            entity_id=entity_id, summary=summary, changes=changes, actor_name=actor_name, batch=self.batch,
        )
        self._audited = True
        if self.writable:
            entry = AuditEntry(**values)
            self.session.add(entry)
            self._written.append(entry)
        else:
            self._late_audit.append(values)

    def announce(
        self,
        topic: str,
        kind: str,
        *,
        entity_id: int | None = None,
        doctor_id: int | None = None,
        day: date | None = None,
        appointment_id: int | None = None,
    ) -> None:
        """Tell every desk (this one too) about the change, once it has committed."""
        if not self.writable:
            raise RuntimeError("a read unit of work cannot announce changes")
        if topic not in TOPICS:
            raise ValueError(f"unknown change topic {topic!r}")
        self._changes.append(Change(kind, doctor_id, day, appointment_id, topic, entity_id, self.origin))

    def enqueue(self, message: OutboxMessage) -> None:
        """Queue a message (e-mail, SMS, in-app) to be sent after this unit commits. A message
        whose ``dedupe_key`` is already queued (a repeated action, another desk) is not queued twice."""
        if not self.writable:
            raise RuntimeError("a read unit of work cannot queue messages")
        values = self.outbox_values(message)
        insert_ = pg_insert if self.is_postgresql else sqlite_insert
        statement = insert_(OutboxEntry).values(values)
        if message.dedupe_key is not None:
            statement = statement.on_conflict_do_nothing(index_elements=[OutboxEntry.dedupe_key])
        self.session.execute(statement)

    def outbox_values(self, message: OutboxMessage) -> dict[str, Any]:
        """The outbox row's columns for ``message``, by this unit's actor; ``enqueue`` is the usual
        way, this is for a statement that writes its own row in one round trip (the booking path)."""
        return {
            "event": message.event, "channel": message.channel, "recipient": message.recipient,
            "subject": message.subject, "body": message.body, "payload": message.payload,
            "entity_type": message.entity_type,
            "entity_id": str(message.entity_id) if message.entity_id not in ("", None) else "",
            "dedupe_key": message.dedupe_key, "not_before": message.not_before or utcnow(),
            "created_at": utcnow(), "status": OutboxStatus.PENDING.value, "attempts": 0, "last_error": "",
            "created_by_id": self.maybe_actor.id if self.maybe_actor else None,
        }

    def explain_constraint(self, name: str, error: Callable[[], HmsError]) -> None:
        """If the database refuses this unit on the named constraint, raise ``error()`` instead."""
        self._constraints[name] = error

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once the transaction has committed (never if it rolled back)."""
        self._after_commit.append(fn)

    # --- the unit's own bookkeeping -------------------------------------------------------

    def _before_commit(self) -> None:
        if not (self._changes or self._audited):
            return
        self.session.flush()
        if not self._audited:
            write_changes(self.session, self._changes)
            return
        # Last before the commit, so the chain's lock is held for as short a time as can be; on
        # PostgreSQL the change notices ride in the seal's statement (one round trip for both).
        assert self.chain is not None
        rows = None if self._unreported > 0 else [
            r if isinstance(r, WrittenRow) else WrittenRow.of(r.id, r) for r in self._written
        ]
        conn = self.session.connection()
        then = notify_statement(self._changes) if self._changes and self.is_postgresql else None
        if self._changes and then is None:
            write_changes(self.session, self._changes)
        self.chain.lock.acquire()
        self._holding = True
        self._new_tail = self.chain.seal(conn, self.batch, rows, then)

    def _constraint_error(self, exc: IntegrityError) -> HmsError:
        name = constraint_name(exc)
        factory = self._constraints.get(name or "")
        if factory is not None:
            return factory()
        log.info("Refused by constraint %s: %s", name, exc.orig)
        return ConflictError(CLASH_MESSAGE)


class UnitsOfWork:
    """Opens units of work for one workstation (its database and whoever is signed in there)."""

    def __init__(self, db: Database, identity: Identity) -> None:
        self.db = db
        self.identity = identity
        # This desk's own audit chain (services/audit_chain.py): a new one each start.
        self.chain = WriterChain()
        self.writer = self.chain.writer

    def database_replaced(self) -> None:
        """The database under this desk was replaced (a restore): the chain's tail this process
        remembers is not the restored one's, so the next unit reads it from the database."""
        with self.chain.lock:
            self.chain.forget()

    def _unit(self, session: Session, actor: CurrentUser | None, writable: bool) -> UnitOfWork:
        return UnitOfWork(session, actor, self.identity.workstation, self.identity.desk_id, writable,
                          chain=self.chain)

    @contextmanager
    def write(
        self,
        permission: Permission | None = None,
        *,
        any_of: Sequence[Permission] = (),
        anonymous: bool = False,
        stale: Callable[[], HmsError] | None = None,
    ) -> Iterator[UnitOfWork]:
        """A unit that commits when the block ends. ``permission`` (or any one of ``any_of``) is
        required; with neither, only being signed in is; ``anonymous`` units (signing in, the first
        administrator) need nobody signed in."""
        actor = self._authorise(permission, any_of, anonymous)
        unit: UnitOfWork | None = None
        committed = False
        try:
            with self.db.write(first=self._account_check(actor)) as session:
                unit = self._unit(session, actor, True)
                yield unit
                unit._before_commit()
            committed = True
        except StaleDataError as exc:
            raise (stale() if stale is not None else ConflictError(STALE_MESSAGE)) from exc
        except IntegrityError as exc:
            raise (unit._constraint_error(exc) if unit is not None else ConflictError(CLASH_MESSAGE)) from exc
        except DataError as exc:
            log.info("Value refused by the database: %s", exc.orig)
            raise ValidationError({"": DATA_MESSAGE}) from exc
        except StatementError as exc:
            if isinstance(exc.orig, OverflowError | ValueError) and not isinstance(exc.orig, HmsError):
                log.info("Value refused before it reached the database: %s", exc.orig)
                raise ValidationError({"": DATA_MESSAGE}) from exc
            raise
        except OverflowError as exc:
            # sqlite3 refuses an integer beyond 64 bits before SQLAlchemy sees a driver error.
            log.info("Value refused by the driver: %s", exc)
            raise ValidationError({"": DATA_MESSAGE}) from exc
        finally:
            if unit is not None and unit._holding:
                unit._holding = False
                # Keep the tail only if the unit surely committed; else read it again next time
                # (a rollback kept the old tail, a lost connection at COMMIT may or may not have).
                if committed:
                    self.chain.committed(unit._new_tail)
                else:
                    self.chain.forget()
                self.chain.lock.release()
        for fn in unit._after_commit:
            fn()

    @contextmanager
    def read(
        self,
        permission: Permission | None = None,
        *,
        any_of: Sequence[Permission] = (),
        anonymous: bool = False,
    ) -> Iterator[UnitOfWork]:
        """A unit that only reads. Audit rows it asks for are written right after the read."""
        actor = self._authorise(permission, any_of, anonymous)
        with self.db.read(first=self._account_check(actor)) as session:
            unit = self._unit(session, actor, False)
            yield unit
        if unit._late_audit:
            with self.chain.lock:
                try:
                    with self.db.write() as session:
                        session.execute(insert(AuditEntry), unit._late_audit)
                        tail = self.chain.seal(session.connection(), unit.batch, None)
                except BaseException:
                    self.chain.forget()
                    raise
                self.chain.committed(tail)

    def authorise(self, permission: Permission | None = None, *, any_of: Sequence[Permission] = ()) -> CurrentUser:
        """The permission check alone, for a call that may answer without opening a unit."""
        user = self._authorise(permission, any_of, False)
        assert user is not None
        return user

    def _authorise(self, permission: Permission | None, any_of: Sequence[Permission], anonymous: bool) -> CurrentUser | None:
        user = self.identity.user
        if anonymous:
            return user
        if user is None:
            raise PermissionDenied("Please sign in first.")
        if permission is not None:
            return _require(user, permission)
        if any_of and not any(user.can(p) for p in any_of):
            return _require(user, any_of[0])
        return user

    def _account_check(self, actor: CurrentUser | None) -> Callable[[Session], None] | None:
        """The unit's first statement (Database.read/write run it first, on a connection known to
        work): the account check, or nothing for a unit nobody is signed in to."""
        if actor is None or actor.id is None:
            return None
        return lambda session: self._check_account(session, actor)

    def _check_account(self, session: Session, actor: CurrentUser | None) -> None:
        """The account behind this desk's session must still be active, with the same role."""
        if actor is None or actor.id is None:
            return
        row = session.execute(_ACCOUNT_STATE, {"id": actor.id}).first()
        if row is not None and row.active and row.role == actor.role:
            return
        self.identity.set(None)
        if row is None or not row.active:
            message = (
                "An administrator has deactivated your account, so you have been signed out. "
                "Ask an administrator if you need access again."
            )
        else:
            message = (
                f"An administrator changed your role to {role_label(row.role)}. Please sign in again to "
                "continue with what that role allows."
            )
        raise SessionEnded(message)


_ACCOUNT_STATE = select(StaffAccount.active, StaffAccount.role).where(StaffAccount.id == bindparam("id"))


def _require(user: CurrentUser, permission: Permission) -> CurrentUser:
    if permission not in user.permissions:
        raise PermissionDenied(
            f"Your role ({user.role_label}) does not allow this ({permission.value}). "
            "Ask an administrator if you need it."
        )
    return user


def retry_on_contention(method: Callable[P, R]) -> Callable[P, R]:
    """Run a whole unit of work again when the database aborted it to break a tie between desks.

    Each attempt is a fresh transaction (the aborted one was rolled back, nothing of it is kept), so
    the method must open its own unit of work and have no side effects outside the database.
    After the last attempt the user sees Contention's plain message.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, CONTENTION_ATTEMPTS + 1):
            try:
                return method(*args, **kwargs)
            except Contention:
                if attempt == CONTENTION_ATTEMPTS:
                    raise
                log.info("%s: contention, attempt %d of %d", method.__qualname__, attempt, CONTENTION_ATTEMPTS)
                # A little random back-off so the desks that tied do not tie again.
                time.sleep(random.uniform(0.005, 0.03) * attempt)
        raise AssertionError("unreachable")

    return wrapper


# --- naming the constraint behind an IntegrityError on either database ----------------------

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_SQLITE_NAMED = re.compile(r"(?:CHECK|NOT NULL) constraint failed: (\S+)")


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint that refused a statement: PostgreSQL says it; SQLite names a
    unique constraint by its columns ("staff_accounts.username"), which the models map back."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc.orig)
    m = _SQLITE_UNIQUE.search(message)
    if m:
        columns = [c.strip() for c in m.group(1).split(",")]
        return _unique_constraint_for(columns)
    m = _SQLITE_NAMED.search(message)
    return m.group(1) if m else None


@functools.cache
def _unique_constraints() -> dict[tuple[str, frozenset[str]], str]:
    from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint

    found: dict[tuple[str, frozenset[str]], str] = {}
    for table in Base.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and constraint.name:
                found[(table.name, frozenset(c.name for c in constraint.columns))] = str(constraint.name)
        for index in table.indexes:
            if index.unique and index.name:
                found[(table.name, frozenset(c.name for c in index.columns))] = str(index.name)
    return found


def _unique_constraint_for(columns: list[str]) -> str | None:
    tables = {c.split(".", 1)[0] for c in columns if "." in c}
    if len(tables) != 1:
        return None
    table = tables.pop()
    names = frozenset(c.split(".", 1)[1] for c in columns)
    return _unique_constraints().get((table, names))


__all__ = [
    "OutboxMessage",
    "UnitOfWork",
    "UnitsOfWork",
    "constraint_name",
    "retry_on_contention",
]
