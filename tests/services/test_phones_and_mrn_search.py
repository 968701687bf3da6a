"""Phones stored in E.164 (the clinic's country as default region), shown national, found by what
people type; MRNs found without their leading zeros. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hms_desktop.models import Patient
from hms_desktop.services.contact import shown_phone, to_e164
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.mrn import mrn_for, mrns_meant_by
from hms_desktop.services.patient_query import phone_prefixes
from hms_desktop.services.patients import PatientInput


def person(given="Asha", family="Rao", **kw) -> PatientInput:
    kw.setdefault("date_of_birth", date(1984, 5, 17))
    return PatientInput(given_name=given, family_name=family, **kw)


def stored_phone(services, patient_id: int) -> tuple[str, str]:
    with services.db.read() as session:
        row = session.get(Patient, patient_id)
        return row.phone, row.emergency_contact_phone


def ids(services, query: str) -> list[int]:
    return [r.id for r in services.patients.search(query).rows]


def test_pure_helpers():
    assert to_e164("072327 94977", "IN") == "+917232794977" == to_e164("+91 72327 94977", "GB")
    assert shown_phone("+917232794977", "IN") == "072327 94977"
    assert shown_phone("+917232794977", "GB") == "+91 72327 94977"
    assert shown_phone("typed long ago 12", "IN") == "typed long ago 12"
    assert phone_prefixes("72327", "91") == ("72327", "9172327")
    assert phone_prefixes("072327", "91") == ("072327", "9172327")
    assert mrn_for(1131) in mrns_meant_by("1131") and "00001131" in mrns_meant_by("1131")
    assert mrns_meant_by("01131") == ()


def test_phones_are_stored_in_e164_and_shown_national(services):
    typed = ["+91 72327 94977", "072327 94977", "7232794977", "(0)72327-94977"]
    for i, phone in enumerate(typed):
        rec = services.patients.register(person(f"Same{i}", phone=phone, emergency_contact_phone="+44 20 7946 0958"))
        assert stored_phone(services, rec.id) == ("+917232794977", "+442079460958")
        assert rec.phone == "072327 94977"  # the clinic's own country: national
        assert rec.emergency_contact_phone == "+44 20 7946 0958"  # another country: international
        assert services.patients.search(f"Same{i}").rows[0].phone == "072327 94977"


def test_impossible_phone_is_refused_in_words_and_nothing_is_saved(services):
    with pytest.raises(ValidationError) as err:
        services.patients.register(person(phone="72327 9", emergency_contact_phone="+1 555 1234 5678"))
    assert "area code" in err.value.fields["phone"]
    assert "not a possible phone number" in err.value.fields["emergency_contact_phone"]
    assert services.patients.count() == 0


def test_search_by_local_digits_full_number_and_mrn_without_zeros(services):
    asha = services.patients.register(person(phone="+91 72327 94977"))
    ravi = services.patients.register(person("Ravi", "Kumar", phone="+44 20 7946 0958"))
    assert ids(services, "72327") == [asha.id]  # first digits of the local number
    assert ids(services, "072327") == [asha.id]
    assert ids(services, "+91 72327") == [asha.id] == ids(services, "9172327")
    assert ids(services, "94977") == [asha.id]  # the end, as before
    assert ids(services, "+44 20 79") == [ravi.id]
    assert ids(services, "2079460958") == [ravi.id]  # national significant digits of a foreign number
    # The MRN without its leading zeros: the whole MRN, or the record number before the check digit.
    assert asha.mrn.startswith("000")
    assert ids(services, asha.mrn.lstrip("0")) == [asha.id]
    assert ids(services, str(asha.id)) == [asha.id] or asha.id in ids(services, str(asha.id))
    many = [services.patients.register(person(f"P{i}", phone="")).id for i in range(12)]
    number = many[-1]  # 14: "14" is also the start of nothing else
    assert number in ids(services, str(number))


def test_the_clinic_country_is_the_default_region(services):
    services.settings.update(replace(services.settings.get(), country="GB"))
    rec = services.patients.register(person(phone="020 7946 0958"))
    assert stored_phone(services, rec.id)[0] == "+442079460958"
    assert rec.phone == "020 7946 0958"
    assert ids(services, "020 7946") == [rec.id] == ids(services, "7946 0958")
