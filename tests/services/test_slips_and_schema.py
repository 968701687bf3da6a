"""Appointment slips read back from the PDF, the schema check, and bulk demo schedules."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from hms_desktop.models import Appointment
from hms_desktop.services import migrations
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.settings import ClinicSettings
from tests.services.conftest import TODAY, at, fix_clock, make_doctor


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_slip_pdf_has_the_visit_details_and_non_latin_names(services, tmp_path):
    fix_clock(services)
    current = services.settings.get()
    services.settings.update(ClinicSettings("Sunrise Clinic", current.idle_lock_minutes, current.time_zone))
    doctor = make_doctor(services, "Dr Ελένη Παπαδοπούλου", location="East wing, room 12")
    patient = services.patients.register(
        PatientInput(given_name="Zoë", family_name="Ødegård-Иванова", sex="female", date_of_birth=TODAY - timedelta(days=9000))
    )
    fix_clock(services, at(8))
    walk_in = services.scheduling.add_walk_in(patient.id, doctor.id)
    text = _text(services.slips.appointment_slip(walk_in.appointment.id))
    for expected in ("Sunrise Clinic", "Zoë Ødegård-Иванова", patient.mrn, "Dr Ελένη Παπαδοπούλου",
                     "East wing, room 12", "Monday 07 January 2030", "09:00 - 09:15", "Token", "Walk-in"):
        assert expected in text, (expected, text)
    assert "\n1\n" in f"\n{text}\n" or "Token 1" in text or "Token\n1" in text
    path = services.slips.write_appointment_slip(walk_in.appointment.id, tmp_path / "slip.pdf")
    assert path.read_bytes().startswith(b"%PDF")


def test_slip_prints_chinese_names_in_a_cjk_font(services, tmp_path):
    fix_clock(services)
    doctor = make_doctor(services)
    patient = services.patients.register(
        PatientInput(given_name="芳", family_name="王", sex="female", date_of_birth=TODAY - timedelta(days=9000))
    )
    fix_clock(services, at(8))
    walk_in = services.scheduling.add_walk_in(patient.id, doctor.id)
    pdf = services.slips.appointment_slip(walk_in.appointment.id)
    assert "芳 王" in _text(pdf)
    fonts = {
        str(font.get_object().get("/BaseFont"))
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    # The slip is drawn by the shared renderer, whose fonts ship in resources/fonts/.
    assert any("WenQuanYi" in f or "HmsCJK" in f for f in fonts), fonts


def test_a_walk_in_slip_does_not_ask_to_arrive_early_but_a_booking_slip_does(services):
    # Issue 8 item 17: the walk-in is already standing at the desk.
    fix_clock(services)
    doctor = make_doctor(services)
    patient = services.patients.register(
        PatientInput(given_name="Asha", family_name="Rao", sex="female", date_of_birth=TODAY - timedelta(days=9000))
    )
    fix_clock(services, at(8))
    walk_in = services.scheduling.add_walk_in(patient.id, doctor.id)
    walk_in_text = _text(services.slips.appointment_slip(walk_in.appointment.id))
    assert f"Ref. {walk_in.appointment.id}." in walk_in_text and "arrive" not in walk_in_text
    booked = services.scheduling.book(patient.id, doctor.id, at(11), reason="Review")
    assert "please arrive 10 minutes early" in _text(services.slips.appointment_slip(booked.id))


def test_models_and_migrations_agree(services):
    migrations.check_models_match(services.db)


def test_demo_schedule_loads_doctors_and_appointments_without_double_booking(services):
    services.demo.load_patients(60, seed=7)
    summary = services.demo_schedule.load(doctors=6, appointments=400, seed=3, today=TODAY)
    assert summary.doctors == 6 and 0 < summary.appointments <= 400
    with services.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == summary.appointments
    fix_clock(services)
    doctors = services.doctors.search(only_bookable=True)
    assert len(doctors) == 6
    view = services.scheduling.day_view([d.id for d in doctors], TODAY)
    assert sum(len(d.appointments) for d in view) > 0
    assert services.scheduling.next_available(doctors[0].id)
