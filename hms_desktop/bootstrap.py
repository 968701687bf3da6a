"""Wiring in one place: build the database and the services from a URL, and hand them out."""

from __future__ import annotations

from dataclasses import dataclass

from .services.audit import AuditService
from .services.auth import AuthService
from .services.backups import BackupService
from .services.database import Database
from .services.demo_data import DemoDataService
from .services.demo_schedule import DemoScheduleService
from .services.doctors import DoctorService
from .services.identity import Identity
from .services.patients import PatientService
from .services.scheduling import SchedulingService
from .services.settings import SettingsService
from .services.slips import SlipService
from .services.staff import StaffService
from .services.unit_of_work import UnitsOfWork


@dataclass
class Services:
    db: Database
    identity: Identity
    units: UnitsOfWork
    auth: AuthService
    patients: PatientService
    staff: StaffService
    audit: AuditService
    settings: SettingsService
    demo: DemoDataService
    doctors: DoctorService
    scheduling: SchedulingService
    slips: SlipService
    demo_schedule: DemoScheduleService
    backups: BackupService

    def close(self) -> None:
        self.db.dispose()


def build_services(url: str, *, pool_size: int = 5) -> Services:
    db = Database(url, pool_size=pool_size)
    identity = Identity()
    units = UnitsOfWork(db, identity)
    settings = SettingsService(units)
    scheduling = SchedulingService(units)
    return Services(
        db=db,
        identity=identity,
        units=units,
        auth=AuthService(units),
        patients=PatientService(units),
        staff=StaffService(units),
        audit=AuditService(units),
        settings=settings,
        demo=DemoDataService(units),
        doctors=DoctorService(units),
        scheduling=scheduling,
        slips=SlipService(units, scheduling, settings),
        demo_schedule=DemoScheduleService(units),
        backups=BackupService(units),
    )
