"""A forgotten password, reset by a one-time code sent to the staff member's e-mail address.

Neither step tells an onlooker whether a user name exists or has an address: every request gets the
same answer and every refused code the same words; the audit log keeps the real reason. Only a
salted hash of the code is stored; the code itself is in the outbox row, queued in the request's
own transaction (so the e-mail exists exactly when the request committed) and cleared once sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from ..models import PasswordResetCode, StaffAccount, utcnow
from . import passwords
from .errors import HmsError, ValidationError
from .notifications.messages import EMAIL, PASSWORD_RESET
from .notifications.smtp import load_smtp_settings
from .unit_of_work import OutboxMessage, UnitOfWork, UnitsOfWork

CODE_DIGITS = 8
CODE_LIFETIME = timedelta(minutes=15)
MAX_WRONG_TRIES = 5
# At most this many codes per account in REQUEST_WINDOW: a stranger cannot flood someone's inbox.
MAX_REQUESTS = 3
REQUEST_WINDOW = timedelta(hours=1)

SENT_ANSWER = (
    "If this user name has an e-mail address, a code is on its way to it. "
    f"The code works once, for {int(CODE_LIFETIME.total_seconds() // 60)} minutes."
)
REFUSED_ANSWER = (
    "That code is not right, or it no longer works (a code works once, for "
    f"{int(CODE_LIFETIME.total_seconds() // 60)} minutes, and stops after {MAX_WRONG_TRIES} wrong tries). "
    "Check the digits, or ask for a new code."
)
NO_MAIL_ANSWER = (
    "Password reset by e-mail is not set up at this clinic (no mail server). "
    "Ask an administrator to reset your password."
)


class ResetNotAvailable(HmsError):
    title = "Reset by e-mail not set up"


class CodeRefused(HmsError):
    title = "Code not accepted"


def code_hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


class PasswordResetService:
    def __init__(self, units: UnitsOfWork, now: Callable[[], datetime] = utcnow) -> None:
        self._units = units
        self._now = now  # the clinic clock (bootstrap): tests pin it

    def request_reset(self, username: str) -> str:
        """Send a code to the account's e-mail address; the same answer whatever the user name."""
        name = username.strip().lower()[:64] if isinstance(username, str) else ""
        if not name:
            raise ValidationError({"username": "Enter your user name."})
        with self._units.write(anonymous=True) as uow:
            if not load_smtp_settings(uow.session).host:
                raise ResetNotAvailable(NO_MAIL_ANSWER)
            account = uow.session.scalar(
                select(StaffAccount).where(StaffAccount.username == name).with_for_update()
            )
            reason = self._why_no_code(uow, account)
            if reason:
                uow.audit("password_reset.refused", entity_type="staff", entity_id=account.id if account else "",
                          actor_name=name, summary=f"Password reset code not sent for '{name}': {reason}")
                return SENT_ANSWER
            assert account is not None
            self._send_code(uow, account)
        return SENT_ANSWER

    def _why_no_code(self, uow: UnitOfWork, account: StaffAccount | None) -> str:
        if account is None:
            return "unknown user name"
        if not account.active:
            return "account deactivated"
        if not account.email:
            return "the account has no e-mail address"
        recent = uow.session.scalar(
            select(func.count()).select_from(PasswordResetCode).where(
                PasswordResetCode.staff_id == account.id,
                PasswordResetCode.created_at > self._now() - REQUEST_WINDOW)
        )
        if recent >= MAX_REQUESTS:
            return f"{MAX_REQUESTS} codes already sent in the last hour"
        return ""

    def _send_code(self, uow: UnitOfWork, account: StaffAccount) -> None:
        now = self._now()
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        # A new code replaces any earlier one still waiting.
        uow.session.execute(
            update(PasswordResetCode)
            .where(PasswordResetCode.staff_id == account.id, PasswordResetCode.ended_at.is_(None))
            .values(ended_at=now)
        )
        row = PasswordResetCode(staff_id=account.id, salt=salt, code_hash=code_hash(salt, code), created_at=now,
                                expires_at=now + CODE_LIFETIME, wrong_tries=0)
        uow.session.add(row)
        uow.session.flush()
        uow.enqueue(OutboxMessage(
            event=PASSWORD_RESET, channel=EMAIL, entity_type="staff", entity_id=account.id,
            payload={"code": code, "expires_at": row.expires_at.isoformat()},
            dedupe_key=f"{PASSWORD_RESET}:{row.id}", not_before=now,
        ))
        uow.audit("password_reset.requested", entity_type="staff", entity_id=account.id,
                  actor_name=account.username,
                  summary=f"Password reset code sent to the e-mail address of '{account.username}'")

    def confirm_reset(self, username: str, code: str, new_password: str) -> None:
        """Set the new password if the code is right, unused and in time; raises CodeRefused (in the
        same words whatever the reason) or ValidationError for a password the rules refuse."""
        name = username.strip().lower()[:64] if isinstance(username, str) else ""
        code = "".join(code.split()) if isinstance(code, str) else ""
        if not name:
            raise ValidationError({"username": "Enter your user name."})
        if not code:
            raise ValidationError({"code": "Type the code from the e-mail."})
        problem = passwords.problem_with(new_password)
        if problem:
            raise ValidationError({"new_password": problem})
        # bcrypt outside the transaction (SQLite's write lock), whether or not the code turns out right.
        new_hash = passwords.hash_password(new_password)
        refused = self._book(name, code, new_hash)
        if refused is not None:
            raise refused

    def _book(self, name: str, code: str, new_hash: str) -> CodeRefused | None:
        """Check the code under the account row's lock and record the outcome (committed either way)."""
        with self._units.write(anonymous=True) as uow:
            session, now = uow.session, self._now()
            account = session.scalar(select(StaffAccount).where(StaffAccount.username == name).with_for_update())
            row = None if account is None else session.scalar(
                select(PasswordResetCode)
                .where(PasswordResetCode.staff_id == account.id)
                .order_by(PasswordResetCode.id.desc()).limit(1)
            )
            reason = self._why_refused(account, row, code, now)
            if reason:
                if reason == "wrong code" and row is not None:
                    row.wrong_tries += 1
                    reason += f" (wrong try {row.wrong_tries} of {MAX_WRONG_TRIES})"
                    if row.wrong_tries >= MAX_WRONG_TRIES:
                        row.ended_at = now
                        reason += "; the code no longer works"
                uow.audit("password_reset.refused", entity_type="staff", entity_id=account.id if account else "",
                          actor_name=name, summary=f"Password reset refused for '{name}': {reason}")
                return CodeRefused(REFUSED_ANSWER)
            assert account is not None and row is not None
            row.ended_at = now
            account.password_hash, account.must_change_password = new_hash, False
            # As an administrator's reset does: the person proved they hold the address, so the lock goes.
            account.failed_signins, account.locked_until = 0, None
            session.flush()
            uow.audit("password_reset.completed", entity_type="staff", entity_id=account.id,
                      actor_name=account.username,
                      summary=f"'{account.username}' set a new password with a code sent by e-mail (lock cleared)")
            uow.announce("staff", "changed", entity_id=account.id)
            return None

    @staticmethod
    def _why_refused(account: StaffAccount | None, row: PasswordResetCode | None, code: str, now: datetime) -> str:
        if account is None:
            return "unknown user name"
        if not account.active:
            return "account deactivated"
        if row is None:
            return "no code was sent"
        right = hmac.compare_digest(code_hash(row.salt, code), row.code_hash)
        if row.ended_at is not None:
            return "the code was already used or had run out of tries" if right else "the code no longer works"
        if row.expires_at <= now:
            return "the code has expired"
        return "" if right else "wrong code"
