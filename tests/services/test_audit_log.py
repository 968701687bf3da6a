"""The audit log read in words: actions and fields named, ids shown as names, times in the clinic's
zone, and the "Show" filter's kinds; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace

from hms_desktop.services.audit_words import KINDS, action_words, field_words
from tests.conftest import add_staff
from tests.services.conftest import at

CODE = re.compile(r"\b[a-z]+[._][a-z_]+\b")  # "doctor.changed", "staff_account_id"


def test_every_entry_reads_in_words_with_names_for_ids(clinic):
    svc = clinic.svc
    add_staff(svc, "drnair", "doctor")
    account = next(m for m in svc.staff.list() if m.username == "drnair")
    current = svc.doctors.get(clinic.doctor.id)
    cardio = svc.doctors.add_specialty("Cardiology")
    svc.doctors.update(current.id, current.version, replace(
        current.as_input(), staff_account_id=account.id, consultation_fee_minor=75050,
        specialty_ids=(cardio.id,), phone="098450 22222",
    ))
    appt = svc.scheduling.book(clinic.patients[0], clinic.doctor.id, at(10), reason="cough")
    svc.visits.cancel(appt.id, "feeling better")
    svc.demo_schedule.load(doctors=1, appointments=2)

    lines = svc.audit_log.page(limit=500)
    for line in lines:
        shown = [line.action, line.record, *(c.field for c in line.changes)]
        assert not any(CODE.search(text) for text in shown), shown
    changed = next(x for x in lines if x.action == "Doctor details changed")
    assert changed.record == "Doctor: Dr Priya Nair"
    by_field = {c.field: (c.old, c.new) for c in changed.changes}
    assert by_field["Linked staff account"] == ("(empty)", "Drnair (drnair)")
    assert by_field["Consultation fee"] == ("₹500.00", "₹750.50")
    assert by_field["Specialties"][1] == "Cardiology"
    assert by_field["Phone"] == ("098450 11111", "098450 22222")
    cancelled = next(x for x in lines if x.action == "Appointment cancelled")
    patient = svc.patients.get(clinic.patients[0])
    assert cancelled.record == f"Appointment: {patient.full_name} (MRN {patient.mrn}) with Dr Priya Nair"
    assert {c.field: (c.old, c.new) for c in cancelled.changes}["Status"] == ("Confirmed", "Cancelled")
    assert any(x.action == "Demo schedule loaded" for x in lines)
    assert all(x.who != "admin" for x in lines if x.action == "Appointment booked")  # names, not log-ins alone


def test_show_filter_has_appointments_and_doctors(clinic):
    svc = clinic.svc
    svc.scheduling.book(clinic.patients[0], clinic.doctor.id, at(10))
    assert {"Appointments", "Doctors"} <= set(KINDS)
    appointments = svc.audit_log.page(kind="Appointments")
    assert [x.action for x in appointments] == ["Appointment booked"]
    doctors = svc.audit_log.page(kind="Doctors")
    assert {x.entity_type for x in doctors} <= {"doctor", "specialty"}
    assert {"Doctor added", "Doctor verified", "Specialty added", "Weekly hours changed"} <= {x.action for x in doctors}
    assert all(x.entity_type == "patient" for x in svc.audit_log.page(kind="Patients"))


def test_times_are_in_the_clinic_zone_whatever_the_workstation(clinic):
    svc = clinic.svc
    svc.settings.update(replace(svc.settings.get(), time_zone="America/New_York"))
    newest = svc.audit_log.page(limit=1)[0]
    assert newest.at.tzinfo.key == "America/New_York"
    assert newest.at.utcoffset() is not None


def test_unknown_codes_still_read_as_words():
    assert action_words("demo.something_new") == "Demo something new"
    assert field_words("weird_field") == "Weird field"
