"""Every time a record shows is in the clinic's zone, not the workstation's: a patient's registered
and changed times, a doctor's verified time, a staff member's last sign-in; on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from hms_desktop.services.doctors import DoctorInput
from hms_desktop.services.patients import PatientInput

ZONE = "America/New_York"  # far from the test machine's zone (UTC), so a slip shows


def test_records_carry_times_in_the_clinic_zone(services):
    services.settings.update(replace(services.settings.get(), time_zone=ZONE))
    before = datetime.now(UTC)
    patient = services.patients.register(PatientInput(given_name="Asha", date_of_birth=date(1984, 5, 17)))
    for moment in (patient.created_at, patient.updated_at, services.patients.get(patient.id).created_at):
        assert moment.tzinfo.key == ZONE
        assert abs((moment - before).total_seconds()) < 120  # the same instant, only shown in the zone
    specialty = services.doctors.add_specialty("General Medicine")
    doctor = services.doctors.add(DoctorInput(full_name="Dr A", specialty_ids=(specialty.id,)))
    verified = services.doctors.verify(doctor.id)
    assert verified.verified_at.tzinfo.key == ZONE
    assert services.doctors.search("")[0].verified_at.tzinfo.key == ZONE
    admin = next(m for m in services.staff.list() if m.username == "admin")
    assert admin.last_signin_at is not None and admin.last_signin_at.tzinfo.key == ZONE
