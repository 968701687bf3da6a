"""Doctors and the specialty list: add, verify, edit, search and filter, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

import pytest

from hms_desktop.services.doctors import DoctorInput
from hms_desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from hms_desktop.services.scheduling import SessionInput
from tests.conftest import add_staff, second_desk
from tests.services.conftest import make_doctor


def test_add_doctor_starts_unverified_and_verify_makes_bookable(services):
    gm = services.doctors.add_specialty("General Medicine")
    derm = services.doctors.add_specialty("Dermatology")
    doctor = services.doctors.add(
        DoctorInput("Dr Zoë Ødegård", (gm.id, derm.id), "MBBS, MD (Derm)", 9, "East wing, room 4",
                    "+91 98450 22222", "zoe@example.com", 75_000)
    )
    assert (doctor.verified, doctor.active, doctor.bookable) == (False, True, False)
    assert doctor.consultation_fee_minor == 75_000 and isinstance(doctor.consultation_fee_minor, int)
    assert doctor.specialty_names == "Dermatology, General Medicine"
    verified = services.doctors.verify(doctor.id)
    assert verified.bookable and verified.verified_at is not None
    actions = [e.action for e in services.audit.recent(entity_type="doctor")]
    assert actions[:2] == ["doctor.verified", "doctor.created"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"full_name": "  "}, "full_name"),
        ({"specialty_ids": ()}, "specialty_ids"),
        ({"consultation_fee_minor": 500.5}, "consultation_fee_minor"),
        ({"consultation_fee_minor": -1}, "consultation_fee_minor"),
        ({"years_experience": 99}, "years_experience"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"specialty_ids": (999_999,)}, "specialty_ids"),
    ],
)
def test_doctor_validation(services, change, field):
    gm = services.doctors.add_specialty("General Medicine")
    data = replace(DoctorInput("Dr Valid", (gm.id,)), **change)
    with pytest.raises(ValidationError) as err:
        services.doctors.add(data)
    assert field in err.value.fields


def test_specialty_names_are_unique_ignoring_case_and_can_be_retired(services):
    derm = services.doctors.add_specialty("Dermatology")
    with pytest.raises(ValidationError, match="already"):
        services.doctors.add_specialty("  dermatology ")
    services.doctors.set_specialty_active(derm.id, False)
    assert services.doctors.specialties() == []
    assert [s.name for s in services.doctors.specialties(include_inactive=True)] == ["Dermatology"]
    with pytest.raises(ValidationError, match="retired"):
        services.doctors.add(DoctorInput("Dr Skin", (derm.id,)))
    assert services.doctors.rename_specialty(derm.id, "Skin (Dermatology)").name == "Skin (Dermatology)"


def test_search_by_name_specialty_location_and_weekday(services):
    derm = services.doctors.add_specialty("Dermatology")
    cardio = services.doctors.add_specialty("Cardiology")
    thursday = [SessionInput(3, time(9), time(12), 15)]
    monday = [SessionInput(0, time(9), time(12), 15)]
    east_thu = make_doctor(services, "Dr Meera Iyer", specialty=derm, location="East Wing, room 2", sessions=thursday)
    make_doctor(services, "Dr Kabir Shah", specialty=derm, location="East wing, room 5", sessions=monday)
    make_doctor(services, "Dr Anil Kumar", specialty=derm, location="West wing", sessions=thursday)
    make_doctor(services, "Dr Heart East", specialty=cardio, location="East wing", sessions=thursday)
    found = services.doctors.search(specialty_id=derm.id, location="east wing", weekday=3)
    assert [d.id for d in found] == [east_thu.id]
    assert [d.full_name for d in services.doctors.search("iyer meera")] == ["Dr Meera Iyer"]
    assert len(services.doctors.search(specialty_id=derm.id)) == 3
    unverified = make_doctor(services, "Dr Not Yet", specialty=derm, verified=False)
    assert unverified.id not in [d.id for d in services.doctors.search(only_bookable=True)]
    assert unverified.id in [d.id for d in services.doctors.search()]
    services.doctors.set_active(east_thu.id, services.doctors.get(east_thu.id).version, False)
    assert east_thu.id not in [d.id for d in services.doctors.search()]
    assert east_thu.id in [d.id for d in services.doctors.search(include_inactive=True)]


def test_link_to_staff_account_needs_the_doctor_role_and_is_unique(services):
    add_staff(services, "drmeera", "doctor")
    add_staff(services, "rita", "receptionist")
    staff = {m.username: m.id for m in services.staff.list()}
    gm = services.doctors.add_specialty("General Medicine")
    with pytest.raises(ValidationError, match="doctor role"):
        services.doctors.add(DoctorInput("Dr Rita", (gm.id,), staff_account_id=staff["rita"]))
    first = services.doctors.add(DoctorInput("Dr Meera", (gm.id,), staff_account_id=staff["drmeera"]))
    with pytest.raises(ValidationError, match="already linked"):
        services.doctors.add(DoctorInput("Dr Meera Again", (gm.id,), staff_account_id=staff["drmeera"]))
    assert first.staff_account_id == staff["drmeera"]


def test_edit_conflict_and_permissions(services):
    gm = services.doctors.add_specialty("General Medicine")
    doctor = services.doctors.add(DoctorInput("Dr Edit", (gm.id,)))
    changed = services.doctors.update(doctor.id, doctor.version, replace(doctor.as_input(), location="Room 7"))
    assert changed.version == doctor.version + 1 and changed.location == "Room 7"
    with pytest.raises(ConflictError) as err:
        services.doctors.update(doctor.id, doctor.version, replace(doctor.as_input(), location="Room 8"))
    assert err.value.current.location == "Room 7"
    add_staff(services, "rita", "receptionist")
    desk = second_desk(services, "rita", "Staff-pass-1")
    try:
        assert [d.id for d in desk.doctors.search()] == [doctor.id]
        with pytest.raises(PermissionDenied):
            desk.doctors.add(DoctorInput("Dr No", (gm.id,)))
        with pytest.raises(PermissionDenied):
            desk.doctors.verify(doctor.id)
    finally:
        desk.close()
