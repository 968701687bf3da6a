"""Clinic-wide settings kept in the database, so every workstation shares them."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from time import monotonic
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..models import ClinicSetting
from . import audit
from .errors import ValidationError
from .permissions import Permission
from .text import text_problem
from .unit_of_work import UnitsOfWork

# Attachments live in the database (so backups carry them); above this a single file would make
# every backup and copy of the clinic noticeably slower.
ATTACHMENT_LIMIT_MOST_MB = 50


@dataclass(frozen=True)
class ClinicSettings:
    clinic_name: str = "HMS Clinic"
    # Minutes without keyboard or mouse input before a workstation locks; 0 turns locking off.
    idle_lock_minutes: int = 10
    # The clinic's IANA time zone: appointment times are stored in UTC and shown, and slots laid
    # out, in this zone (daylight saving included).
    time_zone: str = "Asia/Kolkata"
    # ISO 3166 country: the default region for phone numbers typed without a country code.
    country: str = "IN"
    # ISO 4217 currency and the CLDR locale money and numbers are written in ("en_IN": 12,50,000.00).
    currency: str = "INR"
    locale: str = "en_IN"
    # What documents print in their heading.
    clinic_address: str = ""  # one line per line
    clinic_phone: str = ""
    tax_registration: str = ""  # printed as given, e.g. "GSTIN 29ABCDE1234F1Z5"
    # Billing: prices in the price list include tax (True) or tax is added on top (False).
    tax_inclusive_prices: bool = False
    # A follow-up with the same doctor within this many days of a paid consultation is free
    # (one such follow-up); 0 turns the rule off.
    free_follow_up_days: int = 7
    # The largest attachment (lab report, scan, letter) a desk may add, in whole megabytes.
    attachment_limit_mb: int = 10


def is_valid_country(code: str) -> bool:
    """An ISO 3166 alpha-2 code phone numbers know ("IN", "GB"); imported here, not at start-up."""
    import phonenumbers

    return isinstance(code, str) and code in phonenumbers.SUPPORTED_REGIONS


def is_valid_currency(code: str) -> bool:
    from babel.numbers import list_currencies

    return isinstance(code, str) and code in list_currencies()


def is_valid_locale(name: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        return False
    return True


def is_valid_time_zone(name: str) -> bool:
    """An IANA zone name such as 'Europe/London' (not an abbreviation, not an offset)."""
    if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _stored_text(session: Session, key: str) -> str | None:
    row = session.get(ClinicSetting, key)
    return row.value if row is not None and isinstance(row.value, str) and row.value else None


def clinic_region(session: Session) -> str:
    """The clinic's country, the default region for phone numbers (one primary-key read)."""
    return _stored_text(session, "country") or ClinicSettings.country


def attachment_limit_bytes(session: Session) -> int:
    """The largest attachment the clinic takes, in bytes (one primary-key read)."""
    row = session.get(ClinicSetting, "attachment_limit_mb")
    mb = row.value if row is not None and isinstance(row.value, int) and not isinstance(row.value, bool) else None
    if mb is None or not 1 <= mb <= ATTACHMENT_LIMIT_MOST_MB:
        mb = ClinicSettings.attachment_limit_mb
    return mb * 1024 * 1024


def clinic_zone(session: Session) -> ZoneInfo:
    """The clinic's time zone: every time is shown in it, whichever zone the workstation is in."""
    name = _stored_text(session, "time_zone") or ClinicSettings.time_zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(ClinicSettings.time_zone)


@dataclass(frozen=True)
class ClinicView:
    """What a record needs to be shown as the clinic writes it: phones' region, times' zone."""

    region: str
    zone: ZoneInfo

    def local(self, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(self.zone)


def clinic_view(session: Session) -> ClinicView:
    return ClinicView(clinic_region(session), clinic_zone(session))


# The hot read paths (patient search, MRN lookup) ask for the clinic's view on every call; read it
# at most this often per database, as ClinicClock does the zone: a clinic changes its country about
# never, another desk's change shows within these seconds, and this desk's own at once (update).
VIEW_CACHE_SECONDS = 5.0
_VIEW_SETTINGS = select(ClinicSetting.key, ClinicSetting.value).where(ClinicSetting.key.in_(("country", "time_zone")))
_recent_views: WeakKeyDictionary[Engine, tuple[float, ClinicView]] = WeakKeyDictionary()


def recent_clinic_view(session: Session) -> ClinicView:
    """``clinic_view``, read (in one statement) at most every VIEW_CACHE_SECONDS per database."""
    engine = session.get_bind()
    seen = _recent_views.get(engine)  # type: ignore[arg-type]
    if seen is not None and monotonic() - seen[0] < VIEW_CACHE_SECONDS:
        return seen[1]
    stored = {key: value for key, value in session.connection().execute(_VIEW_SETTINGS)}
    country = stored.get("country")
    zone_name = stored.get("time_zone")
    view = ClinicView(
        country if isinstance(country, str) and country else ClinicSettings.country,
        ZoneInfo(zone_name if isinstance(zone_name, str) and is_valid_time_zone(zone_name) else ClinicSettings.time_zone),
    )
    _recent_views[engine] = (monotonic(), view)  # type: ignore[index]
    return view


_CLINIC_SETTINGS = select(ClinicSetting.key, ClinicSetting.value).where(
    ClinicSetting.key.in_([f.name for f in fields(ClinicSettings)]))


class SettingsService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def get(self) -> ClinicSettings:
        """Readable before sign-in: the login window shows the clinic's name."""
        with self._units.read(anonymous=True) as uow:
            return self._stored(uow.session)

    @staticmethod
    def _stored(session: Session) -> ClinicSettings:
        defaults = ClinicSettings()
        # Only the settings' own keys (message templates and the like live in the same table).
        stored = {key: value for key, value in session.execute(_CLINIC_SETTINGS)}
        values = {}
        for f in fields(ClinicSettings):
            value = stored.get(f.name, getattr(defaults, f.name))
            values[f.name] = value if isinstance(value, type(getattr(defaults, f.name))) else getattr(defaults, f.name)
        return ClinicSettings(**values)

    def update(self, new: ClinicSettings) -> ClinicSettings:
        with self._units.write(Permission.SETTINGS_MANAGE) as uow:
            errors = {}
            problem = text_problem(new.clinic_name, 120) if isinstance(new.clinic_name, str) else "Enter a name."
            if problem:
                errors["clinic_name"] = problem
            elif not new.clinic_name.strip():
                errors["clinic_name"] = "Give the clinic a name of 1 to 120 characters."
            if not isinstance(new.idle_lock_minutes, int) or not 0 <= new.idle_lock_minutes <= 240:
                errors["idle_lock_minutes"] = "Choose between 0 (never lock) and 240 minutes."
            if not is_valid_time_zone(new.time_zone):
                errors["time_zone"] = (
                    f"'{new.time_zone}' is not a time zone name; choose one such as Asia/Kolkata or Europe/London."
                )
            if not is_valid_country(new.country):
                errors["country"] = f"'{new.country}' is not a country code; use two letters such as IN or GB."
            if not is_valid_currency(new.currency):
                errors["currency"] = f"'{new.currency}' is not a currency code; use three letters such as INR or EUR."
            if not is_valid_locale(new.locale):
                errors["locale"] = f"'{new.locale}' is not a language and region such as en_IN or de_DE."
            for name, limit in (("clinic_address", 400), ("clinic_phone", 40), ("tax_registration", 60)):
                value = getattr(new, name)
                problem = text_problem(value, limit, multiline=name == "clinic_address") if isinstance(value, str) else "Enter text."
                if problem:
                    errors[name] = problem
            if not isinstance(new.tax_inclusive_prices, bool):
                errors["tax_inclusive_prices"] = "Choose whether prices include tax."
            if (not isinstance(new.free_follow_up_days, int) or isinstance(new.free_follow_up_days, bool)
                    or not 0 <= new.free_follow_up_days <= 90):
                errors["free_follow_up_days"] = "Choose between 0 (no free follow-ups) and 90 days."
            if (not isinstance(new.attachment_limit_mb, int) or isinstance(new.attachment_limit_mb, bool)
                    or not 1 <= new.attachment_limit_mb <= ATTACHMENT_LIMIT_MOST_MB):
                errors["attachment_limit_mb"] = (
                    f"Choose between 1 and {ATTACHMENT_LIMIT_MOST_MB} MB for the largest attachment.")
            if errors:
                raise ValidationError(errors)
            new = replace(new, clinic_name=new.clinic_name.strip())
            old = self._stored(uow.session)
            changes = audit.diff(
                {f.name: getattr(old, f.name) for f in fields(ClinicSettings)},
                {f.name: getattr(new, f.name) for f in fields(ClinicSettings)},
            )
            for key in changes:
                row = uow.session.get(ClinicSetting, key)
                if row is None:
                    uow.session.add(ClinicSetting(key=key, value=getattr(new, key)))
                else:
                    row.value = getattr(new, key)
            if changes:
                uow.audit("settings.changed", entity_type="settings", summary="Changed clinic settings",
                          changes=changes)
                uow.announce("settings", "changed")
        _recent_views.pop(self._units.db.engine, None)
        return new
