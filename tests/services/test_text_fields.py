"""Every text field of every service refuses control characters (NUL, BEL, ESC, and a line break in
a one-line field) with a message under that field, and stores nothing; on SQLite and PostgreSQL.

Each case names the service call, the field the message belongs to, and whether the field is
multi-line (where a line break and a tab are text, not control characters)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from hms_desktop.services.doctors import DoctorInput
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.text import CONTROL_MESSAGE
from tests.services.conftest import TODAY, at

BAD = ("\x00", "\x07", "\x1b", "\x7f")
PATIENT = PatientInput(given_name="Asha", family_name="Rao", date_of_birth=date(1984, 5, 17))


def _patient(clinic, field, value):
    clinic.svc.patients.register(replace(PATIENT, **{field: f"A{value}b"}))


def _patient_update(clinic, field, value):
    record = clinic.svc.patients.get(clinic.patients[0])
    current = PatientInput(given_name=record.given_name, family_name=record.family_name,
                           date_of_birth=record.date_of_birth)
    clinic.svc.patients.update(record.id, record.version, replace(current, **{field: f"A{value}b"}))


def _archive(clinic, field, value):  # noqa: ARG001
    record = clinic.svc.patients.get(clinic.patients[0])
    clinic.svc.patients.archive(record.id, record.version, reason=f"moved{value}away")


def _doctor(clinic, field, value):
    base = clinic.svc.doctors.get(clinic.doctor.id).as_input()
    data = DoctorInput(**{**base.__dict__, "full_name": "Dr New Person", "staff_account_id": None})
    clinic.svc.doctors.add(replace(data, **{field: f"A{value}b"}))


def _doctor_update(clinic, field, value):
    current = clinic.svc.doctors.get(clinic.doctor.id)
    clinic.svc.doctors.update(current.id, current.version, replace(current.as_input(), **{field: f"A{value}b"}))


def _specialty(clinic, field, value):  # noqa: ARG001
    clinic.svc.doctors.add_specialty(f"Cardio{value}logy")


def _rename_specialty(clinic, field, value):  # noqa: ARG001
    specialty = clinic.svc.doctors.specialties()[0]
    clinic.svc.doctors.rename_specialty(specialty.id, f"Gen{value}eral")


def _staff_add(clinic, field, value):
    values = {"username": "newdesk", "full_name": "New Desk"}
    values[field] = f"n{value}d"
    clinic.svc.staff.add(values["username"], values["full_name"], "receptionist", "Long-enough-1")


def _staff_update(clinic, field, value):  # noqa: ARG001
    me = clinic.svc.staff.list()[0]
    clinic.svc.staff.update(me.id, me.version, full_name=f"Ada{value}Admin", role=me.role)


def _clinic_name(clinic, field, value):  # noqa: ARG001
    clinic.svc.settings.update(replace(clinic.svc.settings.get(), clinic_name=f"Sun{value}rise Clinic"))


def _booking(clinic, field, value):  # noqa: ARG001
    clinic.svc.scheduling.book(clinic.patients[0], clinic.doctor.id, at(10), reason=f"cough{value}fever")


def _walk_in(clinic, field, value):  # noqa: ARG001
    clinic.svc.scheduling.add_walk_in(clinic.patients[1], clinic.doctor.id, reason=f"cough{value}")


def _leave(clinic, field, value):  # noqa: ARG001
    day = TODAY + timedelta(days=3)
    clinic.svc.availability.add_leave(clinic.doctor.id, day, day, reason=f"away{value}")


def _cancel(clinic, field, value):  # noqa: ARG001
    slot = (BAD + ("\n",)).index(value)
    appt = clinic.svc.scheduling.book(clinic.patients[2], clinic.doctor.id, at(16 + slot // 3, 20 * (slot % 3)))
    clinic.svc.visits.cancel(appt.id, f"cannot{value}come")


PATIENT_FIELDS = [
    ("given_name", False), ("family_name", False), ("email", False), ("address", True), ("allergies", True),
    ("emergency_contact_name", False), ("notes", True),
]
DOCTOR_FIELDS = [("full_name", False), ("qualifications", False), ("location", False), ("email", False),
                 ("notes", True)]
CASES = (
    [(_patient, f, m) for f, m in PATIENT_FIELDS]
    + [(_patient_update, f, m) for f, m in PATIENT_FIELDS]
    + [(_archive, "reason", True)]
    + [(_doctor, f, m) for f, m in DOCTOR_FIELDS]
    + [(_doctor_update, f, m) for f, m in DOCTOR_FIELDS]
    + [(_specialty, "name", False), (_rename_specialty, "name", False)]
    + [(_staff_add, "full_name", False), (_staff_add, "username", False), (_staff_update, "full_name", False)]
    + [(_clinic_name, "clinic_name", False)]
    + [(_booking, "reason", True), (_walk_in, "reason", True), (_leave, "reason", True), (_cancel, "reason", True)]
)


@pytest.mark.parametrize(("call", "field", "multiline"), CASES, ids=[f"{c.__name__[1:]}-{f}" for c, f, _ in CASES])
def test_control_characters_are_refused_under_their_field(clinic, call, field, multiline):
    before = clinic.svc.audit.recent(limit=5)
    bad = BAD + (() if multiline else ("\n",))
    for value in bad:
        with pytest.raises(ValidationError) as err:
            call(clinic, field, value)
        assert field in err.value.fields, (value, err.value.fields)
        message = err.value.fields[field]
        if field == "username":
            assert "lower-case letters" in message
        else:
            assert message == CONTROL_MESSAGE, (value, message)
    if call is not _cancel:  # (the bookings it cancels are written, by design)
        assert clinic.svc.audit.recent(limit=5) == before  # nothing was written
