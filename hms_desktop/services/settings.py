"""Clinic-wide settings kept in the database, so every workstation shares them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..models import ClinicSetting
from . import audit
from .database import Database
from .errors import ValidationError
from .identity import Identity
from .permissions import Permission


@dataclass(frozen=True)
class ClinicSettings:
    clinic_name: str = "HMS Clinic"
    # Minutes without keyboard or mouse input before a workstation locks; 0 turns locking off.
    idle_lock_minutes: int = 10
    # The clinic's IANA time zone: appointment times are stored in UTC and shown, and slots laid
    # out, in this zone (daylight saving included).
    time_zone: str = "Asia/Kolkata"


def is_valid_time_zone(name: str) -> bool:
    """An IANA zone name such as 'Europe/London' (not an abbreviation, not an offset)."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class SettingsService:
    def __init__(self, db: Database, identity: Identity) -> None:
        self._db = db
        self._identity = identity

    def get(self) -> ClinicSettings:
        """Readable before sign-in: the login window shows the clinic's name."""
        defaults = ClinicSettings()
        with self._db.read() as session:
            stored = {s.key: s.value for s in session.query(ClinicSetting).all()}
        values = {}
        for f in fields(ClinicSettings):
            value = stored.get(f.name, getattr(defaults, f.name))
            values[f.name] = value if isinstance(value, type(getattr(defaults, f.name))) else getattr(defaults, f.name)
        return ClinicSettings(**values)

    def update(self, new: ClinicSettings) -> ClinicSettings:
        actor = self._identity.require(Permission.SETTINGS_MANAGE)
        errors = {}
        if not new.clinic_name.strip() or len(new.clinic_name) > 120:
            errors["clinic_name"] = "Give the clinic a name of 1 to 120 characters."
        if not 0 <= new.idle_lock_minutes <= 240:
            errors["idle_lock_minutes"] = "Choose between 0 (never lock) and 240 minutes."
        if not is_valid_time_zone(new.time_zone):
            errors["time_zone"] = (
                f"'{new.time_zone}' is not a time zone name; choose one such as Asia/Kolkata or Europe/London."
            )
        if errors:
            raise ValidationError(errors)
        old = self.get()
        changes = audit.diff(
            {f.name: getattr(old, f.name) for f in fields(ClinicSettings)},
            {f.name: getattr(new, f.name) for f in fields(ClinicSettings)},
        )
        with self._db.write() as session:
            for key in changes:
                row = session.get(ClinicSetting, key)
                if row is None:
                    session.add(ClinicSetting(key=key, value=getattr(new, key)))
                else:
                    row.value = getattr(new, key)
            if changes:
                audit.record(
                    session, actor, "settings.changed", workstation=self._identity.workstation,
                    entity_type="settings", summary="Changed clinic settings", changes=changes,
                )
        return new
