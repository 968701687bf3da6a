"""A clinic for the clinical-record tests: two doctors with their own accounts, a nurse, a
receptionist, a patient booked with the first doctor, and a desk signed in as each of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.services.patients import PatientInput
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services.conftest import at, fix_clock, make_doctor


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
