"""The e-mail with a staff member's password-reset code (services/password_reset.py).

The code is in the row's payload only until the row is done with (sent, failed for good or not
sent): then it is removed, and the row's stored body never shows it, so the outbox screen cannot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ...models import OutboxEntry, StaffAccount
from ..settings import ClinicSettings, clinic_zone
from . import messages
from .compose import Composed, NotSent, clinic_setting

HIDDEN = "(the code is not kept)"


def compose_password_reset(session: Session, entry: OutboxEntry, now: datetime) -> Composed | NotSent:
    payload = entry.payload or {}
    code = str(payload.get("code", ""))
    if not code:
        return NotSent("The code is no longer kept.")
    expires_at = datetime.fromisoformat(str(payload["expires_at"]))
    if expires_at <= now:
        return NotSent("The code expired before it could be sent.")
    account = session.get(StaffAccount, int(entry.entity_id or 0))
    if account is None or not account.active or not account.email:
        return NotSent("The account no longer exists, is deactivated or has no e-mail address.")
    clinic = clinic_setting(session, "clinic_name", ClinicSettings.clinic_name)
    until = expires_at.astimezone(clinic_zone(session)).strftime("%H:%M")

    def body(shown: str) -> str:
        return (f"Hello {account.full_name},\n\n"
                f"Someone asked to reset the password of '{account.username}' at {clinic}.\n\n"
                f"Your code: {shown}\n\n"
                f"It works once, until {until} (clinic time). Type it in the sign-in window's "
                "\"Forgot password?\" dialog with your new password.\n\n"
                "If you did not ask for this, ignore this message: your password stays as it is.\n")

    return Composed(account.email, f"{clinic}: your password reset code", body(code), None, kept_body=body(HIDDEN))


def forget_secret(entry: OutboxEntry) -> None:
    """Drop the code from a row that will not be sent again."""
    if entry.event == messages.PASSWORD_RESET and entry.payload and "code" in entry.payload:
        entry.payload = {k: v for k, v in entry.payload.items() if k != "code"}
