"""Fixtures for the scheduler's tests: a clinic with a verified doctor, weekly hours and patients,
and a fixed clock so "today" and "already passed" do not depend on when the tests run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.services.doctors import DoctorInput, DoctorRecord, SpecialtyRecord
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SessionInput

KOLKATA = ZoneInfo("Asia/Kolkata")
# A Monday, early morning, clinic time: every slot of the day is still ahead.
TODAY = date(2030, 1, 7)
NOW = datetime(2030, 1, 7, 7, 0, tzinfo=KOLKATA)
WEEKDAYS = range(7)


def at(hour: int, minute: int = 0, day: date = TODAY, zone: ZoneInfo = KOLKATA) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def fix_clock(svc: Services, now: datetime = NOW) -> None:
    svc.scheduling.clock = lambda: now


def make_patients(svc: Services, count: int, prefix: str = "Pat") -> list[int]:
    names = ("Asha", "Ravi", "Meera", "John", "Zoë", "Li", "Omar", "Sara", "Anil", "Nina", "Tom", "Uma")
    ids = []
    for i in range(count):
        record = svc.patients.register(
            PatientInput(given_name=names[i % len(names)], family_name=f"{prefix}{chr(65 + i % 26)}{i}",
                         sex="female", date_of_birth=date(1980, 1, 1 + i % 28))
        )
        ids.append(record.id)
    return ids


def make_doctor(
    svc: Services,
    name: str = "Dr Priya Nair",
    *,
    specialty: SpecialtyRecord | None = None,
    location: str = "East wing, room 12",
    verified: bool = True,
    sessions: list[SessionInput] | None = None,
    staff_account_id: int | None = None,
) -> DoctorRecord:
    if specialty is None:
        existing = {s.name: s for s in svc.doctors.specialties()}
        specialty = existing.get("General Medicine") or svc.doctors.add_specialty("General Medicine")
    doctor = svc.doctors.add(
        DoctorInput(full_name=name, specialty_ids=(specialty.id,), qualifications="MBBS, MD", years_experience=12,
                    location=location, phone="+91 98450 11111", email="priya@example.com",
                    consultation_fee_minor=50000, staff_account_id=staff_account_id)
    )
    if verified:
        doctor = svc.doctors.verify(doctor.id)
    if sessions is None:
        sessions = [SessionInput(d, time(9), time(12, 30), 15) for d in WEEKDAYS] + [
            SessionInput(d, time(16), time(19), 20) for d in WEEKDAYS
        ]
    svc.availability.set_weekly_template(doctor.id, sessions)
    return doctor


@dataclass
class Clinic:
    svc: Services
    doctor: DoctorRecord
    patients: list[int]


@pytest.fixture
def clinic(services: Services) -> Clinic:
    fix_clock(services)
    doctor = make_doctor(services)
    return Clinic(services, doctor, make_patients(services, 4))
