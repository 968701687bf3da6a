"""The first letters typed into the patient search (one or two) are answered from
patient_name_prefixes in name order; the answer is the same as the general search's would be,
page by page, and stays so through renames and archiving. The total comes first as an estimate."""

from __future__ import annotations

from datetime import date

from alembic import command
from sqlalchemy import func, select

from hms_desktop.bootstrap import build_services
from hms_desktop.models import PatientNamePrefix
from hms_desktop.services import migrations
from hms_desktop.services.patients import PatientInput, PatientSort
from hms_desktop.services.text import tokens

NAMES = [
    ("Tara", "Iyer"), ("Tanvi", "Shah"), ("Ravi", "Taylor"), ("Anil", "Tandon"), ("Ömer", "Tüzün"),
    ("Asha", "Rao"), ("Tom", "van Tassel"), ("T", "Ng"), ("Zara", "Ali"), ("Priya", "Nair"),
    ("Meera", "Tata"), ("Ta", "Ta"), ("John", "Smith"), ("Teresa", "Thomas"), ("Tariq", "Khan"),
]


def _register(services) -> dict[str, int]:
    made = {}
    for i, (given, family) in enumerate(NAMES):
        rec = services.patients.register(
            PatientInput(given_name=given, family_name=family, date_of_birth=date(1980, 1, 1 + i)))
        made[f"{given} {family}"] = rec.id
    return made


def _oracle(services, letters: str, *, descending: bool = False, include_archived: bool = False) -> list[int]:
    """What the search must return: every patient with a name word starting with the letters, by
    (sort_name, id): read through the general search for each patient, one by one."""
    everyone = services.patients.search("", include_archived=include_archived, limit=1000).rows
    wanted = [p for p in everyone if any(w.startswith(letters) for w in tokens(p.full_name))]
    wanted.sort(key=lambda p: p.sort_key, reverse=descending)
    return [p.id for p in wanted]


def _pages(services, letters: str, *, descending: bool = False, limit: int = 3, **kw) -> list[int]:
    seen, after = [], None
    while True:
        page = services.patients.search(letters, descending=descending, after=after, limit=limit, **kw)
        seen += [p.id for p in page.rows]
        if page.next_after is None:
            return seen
        after = page.next_after


def test_one_and_two_letters_page_through_every_match_in_name_order(services):
    _register(services)
    for letters in ("t", "ta", "T", "tü", "o", "v", "z", "q"):
        folded = tokens(letters)[0]
        for descending in (False, True):
            assert _pages(services, letters, descending=descending) == _oracle(services, folded, descending=descending), (
                letters, descending)
    # By family name, then given name, whichever word matched.
    assert [p.full_name for p in services.patients.search("ta", limit=5).rows] == [
        "Tara Iyer", "Tariq Khan", "Tanvi Shah", "Ta Ta", "Anil Tandon"]
    assert services.patients.count("ta") == len(_oracle(services, "ta"))


def test_other_sort_orders_and_longer_words_agree_with_the_prefix_table(services):
    _register(services)
    for sort in PatientSort:
        by_prefix = [p.id for p in services.patients.search("ta", sort=sort, limit=100).rows]
        assert sorted(by_prefix) == sorted(_oracle(services, "ta")), sort
    # Three letters and more go the general way; "tay" is a subset of "ta".
    assert {p.id for p in services.patients.search("tay").rows} < set(_oracle(services, "ta"))


def test_renaming_and_archiving_keep_the_first_letters_right(services):
    made = _register(services)
    tara = services.patients.get(made["Tara Iyer"])
    renamed = services.patients.update(tara.id, tara.version, PatientInput(
        given_name="Kavya", family_name="Iyer", date_of_birth=tara.date_of_birth))
    assert tara.id not in [p.id for p in services.patients.search("ta", limit=100).rows]
    assert tara.id in [p.id for p in services.patients.search("ka", limit=100).rows]
    services.patients.archive(renamed.id, renamed.version)
    assert tara.id not in [p.id for p in services.patients.search("k", limit=100).rows]
    assert tara.id in [p.id for p in services.patients.search("k", include_archived=True, limit=100).rows]
    assert _pages(services, "t", include_archived=True) == _oracle(services, "t", include_archived=True)


def test_estimated_count_is_about_the_number_of_patients(services):
    assert services.patients.estimated_count() == 0
    services.demo.load_patients(40)
    estimate = services.patients.estimated_count()
    exact = services.patients.count()
    assert exact == 40
    # The highest id here (PostgreSQL has not analysed the table yet); the planner's figure later.
    assert estimate == 40


def test_0012_fills_the_prefixes_of_the_patients_already_there(db_url):
    services = build_services(db_url)
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        _register(services)
        expected = {letters: _oracle(services, tokens(letters)[0]) for letters in ("t", "ta", "ö", "sm")}
        command.downgrade(migrations.alembic_config(services.db), "0011")
        assert migrations.needs_upgrade(services.db)
        migrations.upgrade(services.db, backup=False)
        with services.db.read() as session:
            assert session.scalar(select(func.count()).select_from(PatientNamePrefix)) > 0
        for letters, ids in expected.items():
            assert [p.id for p in services.patients.search(letters, limit=100).rows] == ids, letters
    finally:
        services.close()
