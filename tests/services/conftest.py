"""Fixtures for the scheduler's tests: a clinic with a verified doctor, weekly hours and patients,
and a fixed clock so "today" and "already passed" do not depend on when the tests run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.services.doctors import DoctorInput, DoctorRecord, SpecialtyRecord
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SessionInput
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk

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


# --- clinical records: two doctors with their own accounts, a nurse, a receptionist, a patient
# booked with the first doctor, and a desk signed in as each of them.

@dataclass
class Ward:
    admin: Services
    doctor: Services  # Dr Priya Nair's desk; the appointment is hers
    other_doctor: Services  # Dr Omar Said's desk
    nurse: Services
    receptionist: Services
    patient_id: int
    appointment_id: int
    doctor_id: int

    @property
    def desks(self) -> dict[str, Services]:
        return {"admin": self.admin, "doctor": self.doctor, "other_doctor": self.other_doctor,
                "nurse": self.nurse, "receptionist": self.receptionist}


def _account_id(svc: Services, username: str) -> int:
    return next(m.id for m in svc.staff.list() if m.username == username)


@pytest.fixture
def ward(services: Services) -> Iterator[Ward]:
    fix_clock(services)
    for name, role in (("priya", "doctor"), ("omar", "doctor"), ("nina", "nurse"), ("rita", "receptionist")):
        add_staff(services, name, role)
    priya = make_doctor(services, "Dr Priya Nair", staff_account_id=_account_id(services, "priya"))
    make_doctor(services, "Dr Omar Said", staff_account_id=_account_id(services, "omar"))
    patient = services.patients.register(PatientInput(
        given_name="Asha", family_name="Rao", sex="female", date_of_birth=date(1985, 4, 2),
        allergies="Sulfa drugs; latex"))
    appointment = services.scheduling.book(patient.id, priya.id, at(10), reason="cough")
    desks = [second_desk(services, name, STAFF_PASSWORD) for name in ("priya", "omar", "nina", "rita")]
    for desk in desks:
        fix_clock(desk)
    try:
        yield Ward(services, *desks, patient_id=patient.id, appointment_id=appointment.id, doctor_id=priya.id)
    finally:
        for desk in desks:
            desk.close()
