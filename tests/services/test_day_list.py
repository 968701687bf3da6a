"""A doctor's printable day list, read back from the PDF with pypdf, on SQLite and PostgreSQL.

The clinic's clock is fixed (conftest): Monday 7 January 2030, 07:00 in Kolkata.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from hms_desktop.services.errors import NotFound
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SessionInput
from tests.documents.pdf_text import pages_text as _pages
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients

HEADINGS = "Time Token Patient MRN Phone Reason Status"


def _register(services, given: str, family: str, phone: str) -> int:
    return services.patients.register(
        PatientInput(given_name=given, family_name=family, sex="female", date_of_birth=TODAY - timedelta(days=9000),
                     phone=phone)
    ).id


def test_the_day_list_has_each_patient_with_time_token_phone_and_reason(services):
    fix_clock(services)
    doctor = make_doctor(services, "Priya Nair")
    other_doctor = make_doctor(services, "Dr Max Weber")
    zoe = _register(services, "Zoë", "Ødegård", "+91 98450 22222")
    fang = _register(services, "芳", "王", "+91 98450 33333")
    omar = _register(services, "محمد", "علي", "+44 20 7946 0958")
    tomorrow_patient = _register(services, "Tomorrow", "Person", "+91 98450 44444")
    other_patient = _register(services, "Elsewhere", "Patient", "+91 98450 55555")
    booked = services.scheduling.book(zoe, doctor.id, at(9, 15), reason="Follow-up of BP")
    services.scheduling.book(fang, doctor.id, at(9, 30), reason="Cough")
    services.scheduling.book(tomorrow_patient, doctor.id, at(9, 0, day=TODAY + timedelta(days=1)), reason="Rash")
    services.scheduling.book(other_patient, other_doctor.id, at(9, 0), reason="Fever")
    fix_clock(services, at(8))
    walk_in = services.scheduling.add_walk_in(omar, doctor.id, reason="Headache")
    checked_in = services.visits.check_in(booked.id)

    pages = _pages(services.slips.day_list(doctor.id, TODAY))
    text = "\n".join(pages)
    assert len(pages) == 1
    assert "Dr Priya Nair — day list for Monday 7 January 2030" in text
    for expected in ("Zoë Ødegård", "芳 王", "محمد علي", "Follow-up of BP", "Cough", "Headache",
                     "09:15", "09:30", walk_in.appointment.local_start.strftime("%H:%M"), "Checked in", "Confirmed"):
        assert expected in text, (expected, text)
    for pid in (zoe, fang, omar):
        shown = services.patients.get(pid)
        assert shown.mrn in text
        assert shown.phone in text, (shown.phone, text)  # as the app shows it
    assert services.patients.get(zoe).phone.startswith("0")  # the national form, not +91
    assert "+44 20 7946 0958" in text  # a foreign number stays international
    # Row by row, in time order; tokens for the walk-in and the checked-in patient, none for the booked one.
    row = "{time} {token}{name} {mrn} {phone} {reason} {status}"
    expected_rows = [
        row.format(time=f"{walk_in.appointment.local_start:%H:%M}", token=f"{walk_in.token} ", name="محمد علي",
                   mrn=services.patients.get(omar).mrn, phone="+44 20 7946 0958", reason="Headache",
                   status="Checked in"),
        row.format(time="09:15", token=f"{checked_in.token} ", name="Zoë Ødegård", mrn=services.patients.get(zoe).mrn,
                   phone=services.patients.get(zoe).phone, reason="Follow-up of BP", status="Checked in"),
        row.format(time="09:30", token="", name="芳 王", mrn=services.patients.get(fang).mrn,
                   phone=services.patients.get(fang).phone, reason="Cough", status="Confirmed"),
    ]
    assert f"{HEADINGS} {' '.join(expected_rows)}" in text, text
    assert {walk_in.token, checked_in.token} == {1, 2}
    # Not the doctor's other days, nor another doctor's patients.
    assert "Tomorrow Person" not in text and "Elsewhere Patient" not in text
    assert "Page 1 of 1" in text


def test_sixty_patients_take_two_pages_and_the_heading_repeats(services):
    fix_clock(services)
    # Open 08:00 to 20:00 in 10-minute slots: room for 60 bookings on one day.
    doctor = make_doctor(services, sessions=[SessionInput(TODAY.weekday(), time(8), time(20), 10)])
    patients = make_patients(services, 60, prefix="Day")
    starts = [at(8) + timedelta(minutes=10 * i) for i in range(60)]
    for pid, start in zip(patients, starts, strict=True):
        services.scheduling.book(pid, doctor.id, start, reason="Check-up")

    pages = _pages(services.slips.day_list(doctor.id, TODAY))
    assert len(pages) == 2
    for page in pages:
        assert HEADINGS in page, page
    assert "Page 2 of 2" in pages[1]
    text = "\n".join(pages)
    for pid, start in zip(patients, starts, strict=True):
        shown = services.patients.get(pid)
        assert text.count(shown.mrn) == 1, shown.mrn
        assert f"{start:%H:%M}" in text
    # The last patients are on page 2, after the repeated heading.
    assert services.patients.get(patients[-1]).mrn in pages[1]


def test_a_day_without_appointments_says_so_and_an_unknown_doctor_is_refused(services):
    fix_clock(services)
    doctor = make_doctor(services)
    text = "\n".join(_pages(services.slips.day_list(doctor.id)))  # today, by the clinic's clock
    assert "Dr Priya Nair — day list for Monday 7 January 2030" in text
    assert "No appointments on this day." in text
    with pytest.raises(NotFound):
        services.slips.day_list(doctor.id + 999, TODAY)
