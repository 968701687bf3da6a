"""Staff accounts: add, change role, reset password, deactivate. Accounts are never deleted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..models import Role, StaffAccount
from . import audit, passwords
from .database import Database
from .errors import ConflictError, NotFound, ValidationError
from .identity import Identity
from .permissions import Permission

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True)
class StaffMember:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    locked_until: datetime | None
    last_signin_at: datetime | None
    must_change_password: bool
    version: int

    @property
    def role_label(self) -> str:
        return self.role.capitalize()


def _member(a: StaffAccount) -> StaffMember:
    return StaffMember(
        id=a.id,
        username=a.username,
        full_name=a.full_name,
        role=a.role,
        active=a.active,
        locked_until=a.locked_until,
        last_signin_at=a.last_signin_at,
        must_change_password=a.must_change_password,
        version=a.version,
    )


def _check_new_account(username: str, full_name: str, role: str, password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = (
            "Use 2 to 64 characters: lower-case letters, digits, dot, dash or underscore, "
            "starting with a letter or digit."
        )
    if not full_name.strip():
        errors["full_name"] = "Enter the person's full name."
    elif len(full_name) > 200:
        errors["full_name"] = "Use at most 200 characters."
    if role not in {r.value for r in Role}:
        errors["role"] = f"Choose one of: {', '.join(r.value for r in Role)}."
    problem = passwords.problem_with(password)
    if problem:
        errors["password"] = problem
    return errors


class StaffService:
    def __init__(self, db: Database, identity: Identity) -> None:
        self._db = db
        self._identity = identity

    def list(self, *, include_inactive: bool = True) -> list[StaffMember]:
        self._identity.require(Permission.STAFF_VIEW)
        query = select(StaffAccount).order_by(StaffAccount.full_name, StaffAccount.id)
        if not include_inactive:
            query = query.where(StaffAccount.active.is_(True))
        with self._db.read() as session:
            return [_member(a) for a in session.scalars(query)]

    def get(self, staff_id: int) -> StaffMember:
        self._identity.require(Permission.STAFF_VIEW)
        with self._db.read() as session:
            return _member(self._load(session, staff_id))

    def add(self, username: str, full_name: str, role: str, password: str) -> StaffMember:
        self._identity.require(Permission.STAFF_MANAGE)
        return self._create(username, full_name, role, password, actor_required=True, must_change=True)

    def create_first_admin(self, username: str, full_name: str, password: str) -> StaffMember:
        """First run of a new clinic: allowed only while there are no accounts at all."""
        return self._create(username, full_name, Role.ADMIN.value, password, actor_required=False, must_change=False)

    def _create(
        self, username: str, full_name: str, role: str, password: str, *, actor_required: bool, must_change: bool
    ) -> StaffMember:
        username = username.strip().lower()
        full_name = full_name.strip()
        errors = _check_new_account(username, full_name, role, password)
        if errors:
            raise ValidationError(errors)
        hashed = passwords.hash_password(password)
        actor = self._identity.user
        try:
            with self._db.write() as session:
                if not actor_required:
                    if session.scalar(select(func.count()).select_from(StaffAccount)):
                        raise ConflictError(
                            "This clinic already has staff accounts; ask an administrator to add yours."
                        )
                if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                    raise ValidationError({"username": f"The user name '{username}' is already taken."})
                account = StaffAccount(
                    username=username,
                    full_name=full_name,
                    role=role,
                    password_hash=hashed,
                    active=True,
                    must_change_password=must_change,
                    failed_signins=0,
                )
                session.add(account)
                session.flush()
                audit.record(
                    session, actor, "staff.created", workstation=self._identity.workstation,
                    entity_type="staff", entity_id=account.id,
                    actor_name=None if actor else "first-run setup",
                    summary=f"Created {role} account '{username}' ({full_name})",
                    changes={"username": [None, username], "full_name": [None, full_name], "role": [None, role]},
                )
                return _member(account)
        except IntegrityError as exc:
            raise ValidationError({"username": f"The user name '{username}' is already taken."}) from exc

    def update(self, staff_id: int, expected_version: int, *, full_name: str, role: str) -> StaffMember:
        actor = self._identity.require(Permission.STAFF_MANAGE)
        full_name = full_name.strip()
        errors: dict[str, str] = {}
        if not full_name:
            errors["full_name"] = "Enter the person's full name."
        elif len(full_name) > 200:
            errors["full_name"] = "Use at most 200 characters."
        if role not in {r.value for r in Role}:
            errors["role"] = f"Choose one of: {', '.join(r.value for r in Role)}."
        if errors:
            raise ValidationError(errors)
        with self._guard_stale(staff_id), self._db.write() as session:
            account = self._load(session, staff_id, expected_version)
            if account.role == Role.ADMIN and role != Role.ADMIN:
                self._ensure_other_admin(session, account.id, "change the role of")
            before = {"full_name": account.full_name, "role": account.role}
            account.full_name = full_name
            account.role = role
            changes = audit.diff(before, {"full_name": full_name, "role": role})
            if changes:
                session.flush()
                audit.record(
                    session, actor, "staff.changed", workstation=self._identity.workstation,
                    entity_type="staff", entity_id=account.id,
                    summary=f"Changed account '{account.username}'", changes=changes,
                )
            return _member(account)

    def reset_password(self, staff_id: int, new_password: str) -> StaffMember:
        """Set a temporary password; the person must choose their own at next sign-in. Unlocks."""
        actor = self._identity.require(Permission.STAFF_MANAGE)
        problem = passwords.problem_with(new_password)
        if problem:
            raise ValidationError({"password": problem})
        hashed = passwords.hash_password(new_password)
        with self._guard_stale(staff_id), self._db.write() as session:
            account = self._load(session, staff_id)
            account.password_hash = hashed
            account.must_change_password = True
            account.failed_signins = 0
            account.locked_until = None
            session.flush()
            audit.record(
                session, actor, "staff.password_reset", workstation=self._identity.workstation,
                entity_type="staff", entity_id=account.id,
                summary=f"Reset the password of '{account.username}' (and cleared any lock)",
            )
            return _member(account)

    def set_active(self, staff_id: int, expected_version: int, active: bool) -> StaffMember:
        actor = self._identity.require(Permission.STAFF_MANAGE)
        with self._guard_stale(staff_id), self._db.write() as session:
            account = self._load(session, staff_id, expected_version)
            if not active:
                if actor.id == account.id:
                    raise ValidationError({"active": "You cannot deactivate your own account."})
                if account.role == Role.ADMIN:
                    self._ensure_other_admin(session, account.id, "deactivate")
            if account.active == active:
                return _member(account)
            account.active = active
            session.flush()
            audit.record(
                session, actor, "staff.activated" if active else "staff.deactivated",
                workstation=self._identity.workstation, entity_type="staff", entity_id=account.id,
                summary=f"{'Reactivated' if active else 'Deactivated'} account '{account.username}'",
                changes={"active": [not active, active]},
            )
            return _member(account)

    def _load(self, session: Session, staff_id: int, expected_version: int | None = None) -> StaffAccount:
        account = session.get(StaffAccount, staff_id)
        if account is None:
            raise NotFound("That staff account no longer exists.")
        if expected_version is not None and account.version != expected_version:
            raise ConflictError(
                f"Someone else changed the account '{account.username}' meanwhile. "
                "The current details are shown; please make your change again.",
                current=_member(account),
            )
        return account

    def _ensure_other_admin(self, session: Session, staff_id: int, verb: str) -> None:
        others = session.scalar(
            select(func.count())
            .select_from(StaffAccount)
            .where(StaffAccount.role == Role.ADMIN, StaffAccount.active.is_(True), StaffAccount.id != staff_id)
        )
        if not others:
            raise ValidationError({"role": f"You cannot {verb} the last active administrator."})

    @contextmanager
    def _guard_stale(self, staff_id: int) -> Iterator[None]:
        """Turns a lost race on the version column (two desks saving at once) into a ConflictError."""
        try:
            yield
        except StaleDataError as exc:
            current = self.get(staff_id)
            raise ConflictError(
                f"Someone else changed the account '{current.username}' at the same moment. "
                "The current details are shown; please make your change again.",
                current=current,
            ) from exc
