"""Staff accounts: add, change role, reset password, deactivate. Accounts are never deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Role, StaffAccount
from . import audit, passwords
from .contact import normal_email
from .errors import ConflictError, NotFound, ValidationError
from .permissions import Permission
from .settings import clinic_zone
from .text import check_text, text_problem
from .unit_of_work import UnitsOfWork

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
    email: str = ""

    @property
    def role_label(self) -> str:
        return self.role.capitalize()


def _in_zone(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(zone)


def _member(a: StaffAccount, zone: ZoneInfo) -> StaffMember:
    """The account as shown: its times in the clinic's zone."""
    return StaffMember(
        id=a.id,
        username=a.username,
        full_name=a.full_name,
        role=a.role,
        active=a.active,
        locked_until=_in_zone(a.locked_until, zone),
        last_signin_at=_in_zone(a.last_signin_at, zone),
        must_change_password=a.must_change_password,
        version=a.version,
        email=a.email,
    )


def _check_new_account(username: str, full_name: str, role: str, password: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = (
            "Use 2 to 64 characters: lower-case letters, digits, dot, dash or underscore, "
            "starting with a letter or digit."
        )
    problem = text_problem(full_name, 200) if isinstance(full_name, str) else "Enter the person's full name."
    if problem:
        errors["full_name"] = problem
    elif not full_name.strip():
        errors["full_name"] = "Enter the person's full name."
    if role not in {r.value for r in Role}:
        errors["role"] = f"Choose one of: {', '.join(r.value for r in Role)}."
    problem = passwords.problem_with(password)
    if problem:
        errors["password"] = problem
    return errors


class StaffService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def list(self, *, include_inactive: bool = True) -> list[StaffMember]:
        query = select(StaffAccount).order_by(StaffAccount.full_name, StaffAccount.id)
        if not include_inactive:
            query = query.where(StaffAccount.active.is_(True))
        with self._units.read(Permission.STAFF_VIEW) as uow:
            zone = clinic_zone(uow.session)
            return [_member(a, zone) for a in uow.session.scalars(query)]

    def get(self, staff_id: int) -> StaffMember:
        with self._units.read(Permission.STAFF_VIEW) as uow:
            return _member(self._load(uow.session, staff_id), clinic_zone(uow.session))

    def add(self, username: str, full_name: str, role: str, password: str, email: str = "") -> StaffMember:
        self._units.authorise(Permission.STAFF_MANAGE)
        return self._create(username, full_name, role, password, first_admin=False, email=email)

    def create_first_admin(self, username: str, full_name: str, password: str) -> StaffMember:
        """First run of a new clinic: allowed only while there are no accounts at all."""
        return self._create(username, full_name, Role.ADMIN.value, password, first_admin=True)

    def _create(self, username: str, full_name: str, role: str, password: str, *, first_admin: bool,
                email: str = "") -> StaffMember:
        username = username.strip().lower() if isinstance(username, str) else username
        full_name = full_name.strip() if isinstance(full_name, str) else full_name
        errors = _check_new_account(username, full_name, role, password)
        try:
            email = normal_email(email)
        except ValueError as exc:
            errors["email"] = str(exc)
        if errors:
            raise ValidationError(errors)
        # bcrypt takes a good part of a second: never inside the transaction (SQLite's write lock).
        hashed = passwords.hash_password(password)
        taken = ValidationError({"username": f"The user name '{username}' is already taken."})
        permission = None if first_admin else Permission.STAFF_MANAGE
        with self._units.write(permission, anonymous=first_admin) as uow:
            uow.explain_constraint("uq_staff_accounts_username", lambda: taken)
            session = uow.session
            if first_admin and session.scalar(select(func.count()).select_from(StaffAccount)):
                raise ConflictError("This clinic already has staff accounts; ask an administrator to add yours.")
            if session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
                raise taken
            account = StaffAccount(
                username=username, full_name=full_name, role=role, password_hash=hashed, active=True,
                must_change_password=not first_admin, failed_signins=0, email=email,
            )
            session.add(account)
            session.flush()
            uow.audit(
                "staff.created", entity_type="staff", entity_id=account.id,
                actor_name="first-run setup" if first_admin else None,
                summary=f"Created {role} account '{username}' ({full_name})",
                changes={"username": [None, username], "full_name": [None, full_name], "role": [None, role]},
            )
            uow.announce("staff", "created", entity_id=account.id)
            return _member(account, clinic_zone(uow.session))

    def update(self, staff_id: int, expected_version: int, *, full_name: str, role: str,
               email: str | None = None) -> StaffMember:
        """Change the name and role, and the e-mail address unless ``email`` is None."""
        with self._units.write(Permission.STAFF_MANAGE, stale=lambda: self._conflict(staff_id)) as uow:
            errors: dict[str, str] = {}
            try:
                full_name = check_text("full_name", full_name, 200, required="Enter the person's full name.")
            except ValidationError as exc:
                errors.update(exc.fields)
            if role not in {r.value for r in Role}:
                errors["role"] = f"Choose one of: {', '.join(r.value for r in Role)}."
            try:
                email = normal_email(email) if email is not None else None
            except ValueError as exc:
                errors["email"] = str(exc)
            if errors:
                raise ValidationError(errors)
            account = self._load(uow.session, staff_id, expected_version)
            email = account.email if email is None else email
            if account.role == Role.ADMIN and role != Role.ADMIN:
                self._ensure_other_admin(uow.session, account.id, "change the role of")
            before = {"full_name": account.full_name, "role": account.role, "email": account.email}
            account.full_name, account.role, account.email = full_name, role, email
            changes = audit.diff(before, {"full_name": full_name, "role": role, "email": email})
            if changes:
                uow.session.flush()
                uow.audit(
                    "staff.changed", entity_type="staff", entity_id=account.id,
                    summary=f"Changed account '{account.username}'", changes=changes,
                )
                uow.announce("staff", "changed", entity_id=account.id)
            return _member(account, clinic_zone(uow.session))

    def reset_password(self, staff_id: int, new_password: str) -> StaffMember:
        """Set a temporary password; the person must choose their own at next sign-in. Unlocks."""
        self._units.authorise(Permission.STAFF_MANAGE)
        problem = passwords.problem_with(new_password)
        if problem:
            raise ValidationError({"password": problem})
        hashed = passwords.hash_password(new_password)
        with self._units.write(Permission.STAFF_MANAGE, stale=lambda: self._conflict(staff_id)) as uow:
            account = self._load(uow.session, staff_id)
            account.password_hash = hashed
            account.must_change_password = True
            account.failed_signins = 0
            account.locked_until = None
            uow.session.flush()
            uow.audit(
                "staff.password_reset", entity_type="staff", entity_id=account.id,
                summary=f"Reset the password of '{account.username}' (and cleared any lock)",
            )
            uow.announce("staff", "changed", entity_id=account.id)
            return _member(account, clinic_zone(uow.session))

    def set_active(self, staff_id: int, expected_version: int, active: bool) -> StaffMember:
        with self._units.write(Permission.STAFF_MANAGE, stale=lambda: self._conflict(staff_id)) as uow:
            account = self._load(uow.session, staff_id, expected_version)
            if not active:
                if uow.actor.id == account.id:
                    raise ValidationError({"active": "You cannot deactivate your own account."})
                if account.role == Role.ADMIN:
                    self._ensure_other_admin(uow.session, account.id, "deactivate")
            if account.active == active:
                return _member(account, clinic_zone(uow.session))
            account.active = active
            uow.session.flush()
            uow.audit(
                "staff.activated" if active else "staff.deactivated", entity_type="staff", entity_id=account.id,
                summary=f"{'Reactivated' if active else 'Deactivated'} account '{account.username}'",
                changes={"active": [not active, active]},
            )
            uow.announce("staff", "activated" if active else "deactivated", entity_id=account.id)
            return _member(account, clinic_zone(uow.session))

    def _load(self, session: Session, staff_id: int, expected_version: int | None = None) -> StaffAccount:
        account = session.get(StaffAccount, staff_id)
        if account is None:
            raise NotFound("That staff account no longer exists.")
        if expected_version is not None and account.version != expected_version:
            raise ConflictError(
                f"Someone else changed the account '{account.username}' meanwhile. "
                "Nothing of yours has been saved yet.",
                current=_member(account, clinic_zone(session)),
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

    def _conflict(self, staff_id: int) -> ConflictError:
        """A lost race on the version column (two desks saving at once), with the account as it is now."""
        current = self.get(staff_id)
        return ConflictError(
            f"Someone else changed the account '{current.username}' at the same moment. "
            "Nothing of yours has been saved yet.",
            current=current,
        )
