"""Where the channels' settings and secrets live, once for e-mail and SMS: the settings in one
clinic_settings row each (shared by every desk), the secret (a password, an API key) only in this
computer's keyring."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.orm import Session

from ...models import ClinicSetting
from ..errors import ValidationError

if TYPE_CHECKING:
    from ..unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")


def load_settings_row(session: Session, key: str, cls: type[T]) -> T:
    """The stored settings, fields this version does not know dropped; the defaults when none or unreadable."""
    row = session.get(ClinicSetting, key)
    stored: dict[str, Any] = row.value if row is not None and isinstance(row.value, dict) else {}
    known = {k: v for k, v in stored.items() if k in cls.__dataclass_fields__}  # type: ignore[attr-defined]
    try:
        return cls(**known)
    except TypeError:
        return cls()


def save_settings_row(session: Session, key: str, settings: Any) -> tuple[Any, dict[str, Any]]:
    """Write the settings into their row; returns (the old value, the new one) for the audit."""
    row = session.get(ClinicSetting, key)
    old = row.value if row is not None else None
    value = asdict(settings)
    if row is None:
        session.add(ClinicSetting(key=key, value=value))
    else:
        row.value = value
    return old, value


def keyring_secret(service: str, account: str, what: str) -> str | None:
    """The secret from the keyring, or None (no keyring here, or nothing kept for this account)."""
    try:
        import keyring

        return keyring.get_password(service, account)
    except Exception as exc:  # noqa: BLE001 - a missing or locked keyring means no secret
        log.info("No %s from the keyring: %s", what, type(exc).__name__)
        return None


def store_keyring_secret(service: str, account: str, secret: str, refusal: str) -> None:
    """Keep the secret in the keyring; raises RuntimeError(refusal) when there is no usable one."""
    try:
        import keyring

        keyring.set_password(service, account, secret)
    except Exception as exc:  # noqa: BLE001 - every keyring failure reads the same to the user
        raise RuntimeError(refusal) from exc


def save_channel_settings(
    uow: UnitOfWork, key: str, settings: Any, summary: str, *,
    secret: str | None = None, keep_secret: Callable[[Any, str], None] | None = None, secret_field: str = "",
) -> None:
    """A channel's settings saved for every desk, in the caller's unit: the row, its audit entry
    (``settings.<key>``, never the secret), the notice, and a ``secret`` handed to ``keep_secret``
    (this computer's keyring) last, inside the unit: if the keyring refuses, nothing is saved and
    the refusal is shown under ``secret_field``."""
    old, value = save_settings_row(uow.session, key, settings)
    uow.audit(f"settings.{key}", entity_type="settings", entity_id=key, summary=summary, changes={key: [old, value]})
    uow.announce("settings", "changed")
    if secret and keep_secret is not None:
        try:
            keep_secret(settings, secret)
        except RuntimeError as exc:
            raise ValidationError({secret_field: str(exc)}) from exc
