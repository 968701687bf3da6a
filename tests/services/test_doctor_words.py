"""One search box for doctors: specialty, location and weekday words as a caller says them; on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time

from hms_desktop.services.doctor_query import parse_doctor_words
from hms_desktop.services.scheduling import SessionInput
from tests.services.conftest import fix_clock, make_doctor


def test_parsing_reads_days_specialties_fillers_and_names():
    known = [(1, "Cardiology"), (2, "Dermatology"), (3, "General Medicine"), (4, "ENT")]
    parsed = parse_doctor_words("a Cardiologist in the east wing on Tue", known)
    assert parsed.specialty_ids == ((1,),) and parsed.weekdays == (1,) and parsed.words == ("east", "wing")
    assert parse_doctor_words("cardio", known).specialty_ids == ((1,),)
    assert parse_doctor_words("derm thursdays", known).weekdays == (3,)
    assert parse_doctor_words("ent", known).specialty_ids == ((4,),)
    assert parse_doctor_words("general", known).specialty_ids == ((3,),)
    assert parse_doctor_words("Dr Nair", known).words == ("nair",)
    assert parse_doctor_words("the on in", known).empty


def test_search_words_combine_specialty_location_weekday_and_name(services):
    fix_clock(services)
    cardio = services.doctors.add_specialty("Cardiology")
    derm = services.doctors.add_specialty("Dermatology")
    tuesday = [SessionInput(1, time(9), time(12), 15)]
    thursday = [SessionInput(3, time(9), time(12), 15)]
    make_doctor(services, "Dr Priya Nair", specialty=cardio, location="East wing, room 12", sessions=tuesday)
    make_doctor(services, "Dr Omar Haddad", specialty=cardio, location="West wing", sessions=thursday)
    make_doctor(services, "Dr Meera Iyer", specialty=derm, location="East wing, room 2", sessions=thursday)

    def names(words: str) -> list[str]:
        return [d.full_name for d in services.doctors.search(words=words)]

    assert names("cardio Tuesday") == ["Dr Priya Nair"]
    assert names("cardiologist") == ["Dr Omar Haddad", "Dr Priya Nair"]
    assert names("a dermatologist in the east wing on Thursday") == ["Dr Meera Iyer"]
    assert names("east wing") == ["Dr Meera Iyer", "Dr Priya Nair"]
    assert names("thu") == ["Dr Meera Iyer", "Dr Omar Haddad"]
    assert names("haddad") == ["Dr Omar Haddad"]
    assert names("cardio east thursday") == []
