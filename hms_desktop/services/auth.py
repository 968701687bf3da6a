"""Signing in and out, locking after failed attempts, changing one's own password."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..models import StaffAccount, utcnow
from . import desk_sessions, passwords
from .errors import AccountLocked, AuthenticationFailed, SessionEnded, ValidationError
from .identity import CurrentUser
from .permissions import permissions_for
from .unit_of_work import UnitsOfWork

log = logging.getLogger(__name__)

MAX_FAILED_SIGNINS = 5
LOCKOUT = timedelta(minutes=15)


def _current_user(account: StaffAccount) -> CurrentUser:
    return CurrentUser(
        id=account.id,
        username=account.username,
        full_name=account.full_name,
        role=account.role,
        must_change_password=account.must_change_password,
        permissions=permissions_for(account.role),
    )


def _lock_message(locked_until: datetime) -> str:
    minutes = max(1, round((locked_until - utcnow()).total_seconds() / 60))
    local_time = locked_until.astimezone().strftime("%H:%M")
    return (
        f"This account is locked after {MAX_FAILED_SIGNINS} failed sign-ins. "
        f"Try again after {local_time} (in about {minutes} minute{'s' if minutes != 1 else ''}), "
        "or ask an administrator to reset the password."
    )


class AuthService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units
        self._identity = units.identity

    @property
    def current(self) -> CurrentUser | None:
        return self._identity.user

    def sign_in(self, username: str, password: str) -> CurrentUser:
        """Check the password and make this user the signed-in one.

        Wrong name and wrong password give the same message and take the same time (bcrypt runs
        against a dummy hash of the same cost), so the dialog never tells an onlooker which user
        names exist. bcrypt runs outside any transaction (on SQLite it would hold the write lock
        every desk waits on); the verdict is then booked under the account row's lock, which is
        where the lock-out is decided: however many desks try at once, the attempt after the fifth
        failure is refused, even with the right password. Failed attempts are committed (counter,
        lock, audit entry) before the error is raised.
        """
        name = username.strip().lower()
        if not name or not password:
            raise AuthenticationFailed("Enter your user name and password.")
        for _ in range(3):
            with self._units.read(anonymous=True) as uow:
                seen = uow.session.execute(
                    select(StaffAccount.id, StaffAccount.password_hash).where(StaffAccount.username == name)
                ).first()
            if seen is None:
                passwords.burn_time(password)
                right = False
            else:
                right = passwords.verify(password, seen.password_hash)
            outcome = self._book_attempt(name, seen.id if seen else None, seen.password_hash if seen else "", right)
            if outcome is not None:
                break
        else:  # the password was reset three times while we checked it: treat as a wrong one
            raise AuthenticationFailed("The user name or password is not right.")
        if isinstance(outcome, AuthenticationFailed):
            raise outcome
        self._identity.set(outcome)
        return outcome

    def _book_attempt(
        self, name: str, account_id: int | None, checked_hash: str, right: bool
    ) -> CurrentUser | AuthenticationFailed | None:
        """Record one attempt under the account row's lock; None if the password changed meanwhile."""
        with self._units.write(anonymous=True) as uow:
            session = uow.session
            now = utcnow()
            if account_id is None:
                uow.audit(
                    "signin.failed", entity_type="staff", actor_name=name[:64],
                    summary=f"Sign-in failed: unknown user name '{name[:64]}'",
                )
                return AuthenticationFailed("The user name or password is not right.")
            # FOR UPDATE on PostgreSQL; on SQLite the unit's BEGIN IMMEDIATE already serialises desks.
            # populate_existing: the row as it is now, after any desk that held the lock before us.
            account = session.scalar(
                select(StaffAccount).where(StaffAccount.id == account_id)
                .with_for_update().execution_options(populate_existing=True)
            )
            if account is None:
                uow.audit(
                    "signin.failed", entity_type="staff", actor_name=name[:64],
                    summary=f"Sign-in failed: unknown user name '{name[:64]}'",
                )
                return AuthenticationFailed("The user name or password is not right.")
            if account.password_hash != checked_hash:
                return None
            if account.locked_until is not None and account.locked_until > now:
                uow.audit("signin.refused", entity_type="staff", entity_id=account.id,
                          actor=_current_user(account), summary="Sign-in refused: account locked")
                return AccountLocked(_lock_message(account.locked_until), account.locked_until)
            if not right:
                # Bookkeeping goes through plain UPDATEs, not the ORM: the version column guards
                # an admin's edits, and must not make two desks signing in at once conflict.
                attempts = account.failed_signins + 1
                summary = f"Sign-in failed: wrong password (attempt {attempts})"
                if attempts >= MAX_FAILED_SIGNINS:
                    until = now + LOCKOUT
                    values: dict[str, object] = {"locked_until": until, "failed_signins": 0}
                    summary += f"; account locked for {int(LOCKOUT.total_seconds() // 60)} minutes"
                    error: AuthenticationFailed = AccountLocked(_lock_message(until), until)
                else:
                    values = {"failed_signins": attempts}
                    left = MAX_FAILED_SIGNINS - attempts
                    hint = (
                        f" {left} more attempt{'s' if left != 1 else ''} before the account is locked."
                        if left <= 2 else ""
                    )
                    error = AuthenticationFailed("The user name or password is not right." + hint)
                    error.attempts_left = left
                session.execute(update(StaffAccount).where(StaffAccount.id == account.id).values(**values))
                uow.audit("signin.failed", entity_type="staff", entity_id=account.id,
                          actor=_current_user(account), summary=summary)
                return error
            if not account.active:
                uow.audit("signin.refused", entity_type="staff", entity_id=account.id,
                          actor=_current_user(account), summary="Sign-in refused: account deactivated")
                return AuthenticationFailed(
                    "This account has been deactivated. Ask an administrator if you need access again."
                )
            session.execute(
                update(StaffAccount)
                .where(StaffAccount.id == account.id)
                .values(failed_signins=0, locked_until=None, last_signin_at=now)
            )
            uow.audit("signin.ok", entity_type="staff", entity_id=account.id,
                      actor=_current_user(account), summary=f"{account.username} signed in")
            desk_sessions.begin(session, self._identity.desk_id, self._identity.workstation, account.id,
                                account.username, now)
            return _current_user(account)

    def verify_current_password(self, password: str) -> bool:
        """For unlocking an idle workstation: True, or ``AuthenticationFailed`` saying how many
        attempts are left. Failures count towards the lock-out like sign-ins; the lock-out itself
        (``AccountLocked``) also signs this desk out."""
        user = self._identity.require_signed_in()
        try:
            self.sign_in(user.username, password)
        except AccountLocked:
            self._identity.set(None)
            raise
        return True

    def sign_out(self, when_last_out: Callable[[], object] | None = None) -> None:
        """Sign this desk out. ``when_last_out`` (the backup at the last sign-out) runs, still
        signed in, when no other desk has a live session on this database; its failure is logged
        and does not stop the sign-out."""
        user = self._identity.user
        try:
            if user is not None and user.id is not None:
                with self._units.write() as uow:
                    others = desk_sessions.end(uow.session, self._identity.desk_id)
                    uow.audit("signout", entity_type="staff", entity_id=user.id, summary=f"{user.username} signed out")
                if others == 0 and when_last_out is not None:
                    try:
                        when_last_out()
                    except Exception:  # noqa: BLE001 - the person is leaving: log it, the backup log says why
                        log.exception("The backup at the last sign-out failed")
        except SessionEnded:
            pass  # the account was deactivated meanwhile: signed out all the same
        finally:
            self._identity.set(None)

    def heartbeat(self) -> None:
        """Tell the other desks this one is still working (``desk_sessions.STALE_AFTER``)."""
        with self._units.write() as uow:
            desk_sessions.heartbeat(uow.session, self._identity.desk_id)

    def other_desks_signed_in(self) -> int:
        with self._units.read() as uow:
            return desk_sessions.live_others(uow.session, self._identity.desk_id)

    def change_own_password(self, current_password: str, new_password: str) -> None:
        user = self._identity.require_signed_in()
        if user.id is None:
            raise ValidationError({"password": "The command line has no password to change."})
        problem = passwords.problem_with(new_password)
        if problem:
            raise ValidationError({"new_password": problem})
        if new_password == current_password:
            raise ValidationError({"new_password": "Choose a password different from the current one."})
        new_hash = passwords.hash_password(new_password)
        with self._units.write() as uow:
            account = uow.session.get(StaffAccount, user.id)
            if account is None or not passwords.verify(current_password, account.password_hash):
                raise ValidationError({"current_password": "The current password is not right."})
            account.password_hash = new_hash
            account.must_change_password = False
            uow.audit("staff.password_changed", entity_type="staff", entity_id=user.id,
                      summary="Changed own password")
        self._identity.set(_replace_flag(user))

    def has_any_accounts(self) -> bool:
        with self._units.read(anonymous=True) as uow:
            return bool(uow.session.scalar(select(func.count()).select_from(StaffAccount)))


def _replace_flag(user: CurrentUser) -> CurrentUser:
    from dataclasses import replace

    return replace(user, must_change_password=False)
