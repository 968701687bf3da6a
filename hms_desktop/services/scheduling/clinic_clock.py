"""The clinic's time zone and "now": one object the scheduling services share.

Every instant is stored in UTC; the clinic's zone (a clinic setting) decides what "today" and a
wall-clock session time mean. Tests and the demo pin ``source`` to a fixed moment; every service
holding this clock follows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...models import ClinicSetting, utcnow
from ..settings import ClinicSettings, is_valid_time_zone
from ..unit_of_work import UnitsOfWork

ZONE_CACHE_SECONDS = 5.0


class ClinicClock:
    def __init__(self, units: UnitsOfWork, source: Callable[[], datetime] = utcnow) -> None:
        self._units = units
        # Must return an aware datetime.
        self.source = source
        self._zone_cache: tuple[float, ZoneInfo] | None = None

    def now(self) -> datetime:
        return self.source().astimezone(UTC)

    def zone(self, session: Session) -> ZoneInfo:
        """The clinic's zone, read in the caller's transaction."""
        # Read at most every few seconds: it is on every booking's path, and a clinic changes its
        # time zone about never (another desk's change is picked up within ZONE_CACHE_SECONDS).
        cached = self._zone_cache
        if cached is not None and monotonic() - cached[0] < ZONE_CACHE_SECONDS:
            return cached[1]
        row = session.get(ClinicSetting, "time_zone")
        name = row.value if row is not None and isinstance(row.value, str) else ClinicSettings.time_zone
        zone = ZoneInfo(name if is_valid_time_zone(name) else ClinicSettings.time_zone)
        self._zone_cache = (monotonic(), zone)
        return zone

    def time_zone(self) -> ZoneInfo:
        with self._units.read(anonymous=True) as uow:
            return self.zone(uow.session)

    def today(self) -> date:
        """Today's date in the clinic's time zone."""
        return self.now().astimezone(self.time_zone()).date()


class ClockedService:
    """What the three scheduling services share: their units of work and the one clinic clock."""

    def __init__(self, units: UnitsOfWork, clock: ClinicClock | None = None) -> None:
        self._units = units
        self._clock = clock or ClinicClock(units)
        self.clinic_clock = self._clock  # the clinic's zone, "today" and "now", shared by the three

    def _zone(self, session: Session) -> ZoneInfo:
        return self._clock.zone(session)

    def _now(self) -> datetime:
        return self._clock.now()
