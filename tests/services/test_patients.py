"""Registering, finding, editing and archiving patients, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from hms_desktop.services.errors import ConflictError, PermissionDenied, ValidationError
from hms_desktop.services.mrn import luhn_digit, mrn_for
from hms_desktop.services.patient_query import parse_query
from hms_desktop.services.patients import PatientInput, PatientSort
from tests.conftest import add_staff, second_desk


def person(given="Asha", family="Rao", **kw) -> PatientInput:
    kw.setdefault("date_of_birth", date(1984, 5, 17))
    kw.setdefault("sex", "female")
    kw.setdefault("phone", "+91 98450 12345")
    return PatientInput(given_name=given, family_name=family, **kw)


def test_register_gives_unique_mrn_with_check_digit_and_stores_fields_exactly(services):
    notes = "x" * 10_000
    first = services.patients.register(person(notes=notes, allergies="Penicillin\nLatex", blood_group="O+"))
    second = services.patients.register(person("Ravi", "Kumar", phone="080 2345 6789"))
    assert first.mrn != second.mrn
    assert first.mrn == mrn_for(first.id) and len(first.mrn) == 8
    assert luhn_digit(first.mrn[:-1]) == first.mrn[-1]
    stored = services.patients.get(first.id)
    assert stored.notes == notes
    assert stored.allergies == "Penicillin\nLatex"
    assert stored.blood_group == "O+"
    assert stored.version == 1


@pytest.mark.parametrize(
    "given,family",
    [("Zoë", "Ødegård"), ("芳", "王"), ("Robert'); DROP TABLE patients;--", "O'Brien"), ("Nguyễn", "Thị Minh Khai")],
)
def test_unusual_names_are_stored_exactly_and_found(services, given, family):
    record = services.patients.register(person(given, family, phone=""))
    assert (record.given_name, record.family_name) == (given, family)
    assert services.patients.get(record.id).given_name == given
    # Typed without accents or case, in either order.
    from hms_desktop.services.text import fold

    query = f"{fold(family).split()[0]} {fold(given).split()[0]}"
    found = services.patients.search(query).rows
    assert [r.id for r in found] == [record.id]


def test_zoe_odegard_found_without_the_special_letters(services):
    record = services.patients.register(person("Zoë", "Ødegård"))
    assert [r.id for r in services.patients.search("odeg zoe").rows] == [record.id]
    assert [r.id for r in services.patients.search("ØDEGÅRD").rows] == [record.id]


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"given_name": "  "}, "given_name", "given"),
        ({"given_name": "12345"}, "given_name", "letter"),
        ({"given_name": "A" * 10_000}, "given_name", "at most 100"),
        ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth", "future"),
        ({"date_of_birth": date(1850, 1, 1)}, "date_of_birth", "check the year"),
        ({"date_of_birth": None}, "date_of_birth", "estimated age"),
        ({"date_of_birth": None, "estimated_age_years": 300}, "date_of_birth", "between 0 and"),
        ({"phone": "12"}, "phone", "6 to 15 digits"),
        ({"phone": "call me maybe"}, "phone", "digits"),
        ({"email": "asha.example.com"}, "email", "e-mail"),
        ({"email": "asha@example"}, "email", "e-mail"),
        ({"sex": "robot"}, "sex", "Choose"),
        ({"blood_group": "Z+"}, "blood_group", "Choose"),
        ({"notes": "n" * 10_001}, "notes", "10,000"),
        ({"given_name": "Asha\x00"}, "given_name", "control"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(services, change, field, words):
    data = {**person().__dict__, **change}
    with pytest.raises(ValidationError) as err:
        services.patients.register(PatientInput(**data))
    assert field in err.value.fields
    assert words in err.value.fields[field]
    assert services.patients.count() == 0


def test_estimated_age_sets_a_flagged_date_of_birth(services):
    record = services.patients.register(person(date_of_birth=None, estimated_age_years=45))
    assert record.dob_estimated
    assert 44 <= (date.today() - record.date_of_birth).days // 365 <= 45


def test_search_by_name_prefix_any_order_mrn_phone_and_dob(services):
    asha = services.patients.register(person("Asha", "Rao", phone="+91 98450 12345"))
    ravi = services.patients.register(person("Ravi", "Rao", phone="080 2345 6789", date_of_birth=date(1990, 1, 2)))
    services.patients.register(person("Meera", "Iyer", phone="+44 20 7946 0958", date_of_birth=date(1975, 3, 3)))
    ids = lambda q: [r.id for r in services.patients.search(q).rows]  # noqa: E731
    assert ids("rao") == [asha.id, ravi.id]  # ordered by family then given name
    assert ids("rao as") == [asha.id] == ids("ash ra")
    assert ids(asha.mrn) == [asha.id]
    assert ravi.id in ids(ravi.mrn[:6])  # MRN prefix
    assert ids("+91 98450") == [asha.id]  # phone digits from the start
    assert ids("98450 12345") == [asha.id]  # the local number: digits from the end
    assert ids("012345") == [asha.id]
    assert ids("2345 6789") == [ravi.id]
    assert ids("1990-01-02") == [ravi.id] == ids("02/01/1990")
    assert ids("rao 17.05.1984") == [asha.id]
    assert ids("nobody") == []


def test_search_pages_with_keyset_in_every_sort_order(services):
    made = [services.patients.register(person(f"Pat{i:02d}", "Demo", phone="", date_of_birth=date(1970 + i % 20, 1 + i % 12, 1)))
            for i in range(23)]
    for sort in PatientSort:
        for descending in (False, True):
            seen, after = [], None
            while True:
                page = services.patients.search("", sort=sort, descending=descending, after=after, limit=5)
                seen.extend(r.id for r in page.rows)
                if page.next_after is None:
                    break
                after = page.next_after
            assert sorted(seen) == sorted(p.id for p in made), (sort, descending)
            assert len(seen) == len(set(seen))
            full = services.patients.search("", sort=sort, descending=descending, limit=100).rows
            assert seen == [r.id for r in full]


def test_duplicates_by_name_and_dob_or_phone(services):
    asha = services.patients.register(person("Asha", "Rao", phone="+91 98450 12345"))
    same_name = services.patients.find_duplicates(person("ASHA", "rao", phone=""))
    assert [(d.patient.id, d.reasons) for d in same_name] == [(asha.id, ("same name and date of birth",))]
    same_phone = services.patients.find_duplicates(person("Kiran", "Shah", phone="098450 12345", date_of_birth=date(2001, 1, 1)))
    assert [(d.patient.id, d.reasons) for d in same_phone] == [(asha.id, ("same phone number",))]
    assert services.patients.find_duplicates(person("Kiran", "Shah", phone="", date_of_birth=date(2001, 1, 1))) == []
    assert services.patients.find_duplicates(person(), exclude_id=asha.id) == []


def test_edit_records_changed_fields_in_audit_log(services):
    rec = services.patients.register(person())
    updated = services.patients.update(rec.id, rec.version, person(phone="+91 90000 00001", email="asha@example.com"))
    assert updated.version == rec.version + 1
    entry = services.audit.recent(entity_type="patient", entity_id=str(rec.id))[0]
    assert entry.action == "patient.changed"
    assert entry.changes == {"phone": ["+919845012345", "+919000000001"], "email": ["", "asha@example.com"]}
    assert entry.actor_name == "admin"


def test_second_desk_save_is_refused_and_shows_the_other_change(services):
    rec = services.patients.register(person())
    desk_b = second_desk(services)
    try:
        seen_by_b = desk_b.patients.get(rec.id)
        services.patients.update(rec.id, rec.version, person(phone="+91 90000 00001"))
        with pytest.raises(ConflictError) as err:
            desk_b.patients.update(seen_by_b.id, seen_by_b.version, person(email="b@example.com"))
        assert "another desk" in str(err.value)
        assert err.value.current.phone == "090000 00001"
        stored = services.patients.get(rec.id)
        assert stored.phone == "090000 00001" and stored.email == ""
    finally:
        desk_b.close()


def test_simultaneous_saves_exactly_one_wins(services):
    """Eight desks press Save on the same version at the same moment: one wins, seven are told."""
    rec = services.patients.register(person())
    desks = [second_desk(services) for _ in range(8)]
    barrier = threading.Barrier(len(desks))
    outcomes: list[str] = []

    def save(i, desk):
        barrier.wait()
        try:
            desk.patients.update(rec.id, rec.version, person(notes=f"desk {i}"))
            outcomes.append(f"won {i}")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(i, d)) for i, d in enumerate(desks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in desks:
        d.close()
    winners = [o for o in outcomes if o.startswith("won")]
    assert len(winners) == 1 and outcomes.count("conflict") == 7
    stored = services.patients.get(rec.id)
    assert stored.version == 2 and stored.notes == f"desk {winners[0].split()[1]}"


def test_archive_hides_from_search_unless_asked_and_can_restore(services):
    rec = services.patients.register(person())
    archived = services.patients.archive(rec.id, rec.version, reason="moved away")
    assert archived.archived
    assert services.patients.search("rao").rows == []
    assert [r.id for r in services.patients.search("rao", include_archived=True).rows] == [rec.id]
    assert services.patients.count() == 0 and services.patients.count(include_archived=True) == 1
    restored = services.patients.restore(rec.id, archived.version)
    assert not restored.archived
    actions = [e.action for e in services.audit.recent(entity_type="patient")]
    assert actions[:3] == ["patient.restored", "patient.archived", "patient.created"]


def test_doctor_cannot_register_or_archive(services):
    rec = services.patients.register(person())
    add_staff(services, "drmehta", "doctor")
    doctor = second_desk(services, "drmehta", "Staff-pass-1")
    try:
        assert doctor.patients.get(rec.id).id == rec.id
        with pytest.raises(PermissionDenied):
            doctor.patients.register(person("New", "Person"))
        with pytest.raises(PermissionDenied):
            doctor.patients.archive(rec.id, rec.version)
    finally:
        doctor.close()


def test_parse_query_kinds():
    assert parse_query("Rao Asha").name_tokens == ("rao", "asha")
    assert parse_query("+91 98450 12345").digits == ("919845012345",)
    assert parse_query("rao 1984-05-17").date_of_birth == date(1984, 5, 17)
    assert parse_query("31/02/1990").date_of_birth is None
    assert parse_query("   ").empty


def test_names_with_apostrophes_and_hyphens(services):
    dangelo = services.patients.register(person("Luca", "D’Angelo", phone=""))
    smith = services.patients.register(person("Ann", "Smith-Jones", phone="", date_of_birth=date(1990, 2, 2)))
    ids = lambda q: [r.id for r in services.patients.search(q).rows]  # noqa: E731
    assert ids("d'an") == [dangelo.id] == ids("dangelo") == ids("angelo luca")
    assert ids("smith-j") == [smith.id] == ids("jones") == ids("smithjones")


def test_paging_through_a_name_search_gives_every_match_once_in_order(services):
    services.demo.load_patients(60, seed=3)
    for i in range(45):
        services.patients.register(person(f"Wil{i:02d}", "Pager", phone="", date_of_birth=date(1950 + i, 1, 1)))
    total = services.patients.count("pager")
    assert total == 45
    for sort in PatientSort:
        for descending in (False, True):
            seen, after = [], None
            while True:
                page = services.patients.search("pager", sort=sort, descending=descending, after=after, limit=7)
                seen.extend(page.rows)
                if page.next_after is None:
                    break
                after = page.next_after
            assert len(seen) == total == len({r.id for r in seen}), (sort, descending)
            keys = [r.sort_key for r in seen]
            assert keys == sorted(keys, reverse=descending), (sort, descending)


def test_short_digit_strings_do_not_match_phone_starts(services):
    asha = services.patients.register(person(phone="+91 98450 12345"))
    assert services.patients.search("919").rows == []  # the country code alone matches no one
    assert [r.id for r in services.patients.search("91984").rows] == [asha.id]
    assert [r.id for r in services.patients.search("345").rows] == [asha.id]  # last digits still work
