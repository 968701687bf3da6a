"""The reports' filters (specialty, cashier, payer, price-list item), each checked against the raw
rows (tests/services/report_oracle.py) on a real SQLite file and a real PostgreSQL database, over
the spring-forward clinic of test_report_figures.py with a second cashier, payer and item added."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from hms_desktop.bootstrap import Services
from hms_desktop.services.billing import LineInput
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.reports.catalogue import REPORTS
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services import report_oracle as oracle
from tests.services.test_report_figures import LONDON, MON, SAT, SUN, at, build
from tests.services.test_reports import _clock


@pytest.fixture
def clinic(services: Services):  # type: ignore[no-untyped-def]
    ids = build(services)
    # A second cashier takes a payment on Monday, for a second payer, on a price-list item.
    add_staff(services, "bea", "admin")
    ids["bea"] = next(m.id for m in services.staff.list() if m.username == "bea")
    ids["acme"] = services.price_list.add_payer("Acme Works", "company").id
    ids["xray"] = services.price_list.add_item("XR1", "Chest X-ray", "procedure", 60000).id
    with services.db.engine.connect() as conn:
        patient = conn.execute(text("SELECT min(id) FROM patients")).scalar_one()
    desk = second_desk(services, "bea", STAFF_PASSWORD)
    try:
        _clock(desk, at(MON, 11))
        desk.shifts.open(1000)
        invoice = desk.invoices.issue_now(patient, [LineInput("Chest X-ray", 1, 60000, item_id=ids["xray"],
                                                              code="XR1", kind="procedure")],
                                          payer_id=ids["acme"], payer_share=20000)
        desk.payments.pay(invoice.id, "cash", 40000, tendered=40000)
        shift = desk.shifts.current()
        desk.shifts.close(shift.id, shift.version, {"cash": 41000, "card": 0, "upi": 0, "bank": 0, "other": 0})
    finally:
        desk.close()
    with services.db.engine.connect() as conn:
        ids["derm"] = conn.execute(text("SELECT id FROM specialties WHERE name = 'Dermatology'")).scalar_one()
    return services, ids, oracle.load(services)


def test_each_report_takes_the_filters_the_catalogue_gives_it():
    takes = {r.name: r.takes for r in REPORTS if r.takes}
    assert takes["revenue-by-doctor"] == ("specialty",) and takes["takings"] == ("cashier",)
    assert takes["revenue-by-payer"] == ("payer",) and takes["revenue-by-service"] == ("item",)
    assert {n for n, t in takes.items() if t == ("cashier",)} == {"takings", "shift-closures", "revenue-by-method"}


def test_specialty_filter_on_appointments_and_revenue_by_doctor(clinic):
    svc, ids, raw = clinic
    of_derm = {ids["ben"]}  # Dr Ben Ode is the only dermatologist
    table = svc.reports.run("appointments", SAT, MON, specialty_id=ids["derm"])
    statuses = Counter(a["status"] for a in raw.appointments if a["doctor_id"] in of_derm)
    assert [r[0] for r in table.rows] == ["Dr Ben Ode"]
    assert table.rows[0][1:5] == (sum(statuses.values()), statuses["completed"], statuses["cancelled"],
                                  statuses["no_show"])
    assert table.filters == "Specialty: Dermatology"
    daily = svc.reports.run("appointments-daily", SAT, MON, specialty_id=ids["derm"])
    per_day = Counter(oracle.appointment_day(a, LONDON) for a in raw.appointments if a["doctor_id"] in of_derm)
    assert {r[0]: r[1] for r in daily.rows if r[1]} == dict(per_day)
    by_specialty = svc.reports.run("appointments-by-specialty", SAT, MON, specialty_id=ids["derm"])
    assert [r[0] for r in by_specialty.rows] == ["Dermatology"]
    revenue = svc.reports.run("revenue-by-doctor", SAT, MON, specialty_id=ids["derm"])
    billed = [i for i in raw.invoices if i["doctor_id"] in of_derm and i["state"] not in ("draft", "void")]
    assert sum(r[2] for r in revenue.rows) == sum(i["total"] for i in billed)


def test_cashier_filter_on_takings_collections_and_closures(clinic):
    svc, ids, raw = clinic
    for cashier in (ids["bea"], next(i for i, n in raw.staff.items() if n == "Ada Admin")):
        paid = [p for p in raw.payments if p["received_by_id"] == cashier and p["method"] != "credit"]
        refunded = [r for r in raw.refunds if r["refunded_by_id"] == cashier]
        takings = svc.reports.run("takings", SAT, MON, cashier_id=cashier)
        assert {r[1] for r in takings.rows} == {raw.staff[cashier]}
        assert takings.total[2:] == (len(paid), sum(p["amount"] for p in paid), sum(r["amount"] for r in refunded),
                                     sum(p["amount"] for p in paid) - sum(r["amount"] for r in refunded))
        methods = svc.reports.run("revenue-by-method", SAT, MON, cashier_id=cashier)
        expected: Counter[str] = Counter()
        for p in paid:
            expected[p["method"]] += p["amount"]
        for r in refunded:
            expected[r["method"]] -= r["amount"]
        assert sum(r[-1] for r in methods.rows) == sum(expected.values())
        closures = svc.reports.run("shift-closures", SAT, MON, cashier_id=cashier)
        shifts = [s for s in raw.shifts if s["cashier_id"] == cashier and s["state"] == "closed"]
        assert len(closures.rows) == len(shifts) == 1 and closures.rows[0][1] == raw.staff[cashier]
        assert closures.filters == f"Cashier: {raw.staff[cashier]}"
    assert sum(p["amount"] for p in raw.payments if p["received_by_id"] == ids["bea"]) == 40000


def test_payer_and_item_filters(clinic):
    svc, ids, raw = clinic
    for payer in (ids["payer"], ids["acme"]):
        theirs = [i for i in raw.invoices if i["payer_id"] == payer and i["state"] not in ("draft", "void")]
        table = svc.reports.run("revenue-by-payer", SAT, MON, payer_id=payer)
        assert len(table.rows) == 1
        assert table.rows[0][1:3] == (len(theirs), sum(i["total"] for i in theirs))
        owed = svc.reports.run("outstanding-by-payer", SAT, MON, payer_id=payer)
        assert owed.total[-1] == sum(i["payer_share"] - i["payer_paid"] for i in theirs)
    assert svc.reports.run("revenue-by-payer", SAT, MON, payer_id=ids["acme"]).filters == "Payer: Acme Works"
    table = svc.reports.run("revenue-by-service", SAT, MON, item_id=ids["xray"])
    with svc.db.engine.connect() as conn:
        lines = conn.execute(text("SELECT count(*), coalesce(sum(l.total), 0) FROM invoice_lines l JOIN invoices i "
                                  "ON i.id = l.invoice_id WHERE l.item_id = :item AND i.state NOT IN ('draft', 'void')"),
                             {"item": ids["xray"]}).one()
    assert [r[0] for r in table.rows] == ["XR1 Chest X-ray"]
    assert (table.rows[0][1], table.rows[0][-1]) == (lines[0], lines[1]) == (1, 60000)
    assert table.filters == "Service: XR1 Chest X-ray"


def test_a_filter_the_report_does_not_take_is_refused(clinic):
    svc, ids, _raw = clinic
    with pytest.raises(ValidationError, match="revenue per day report has no cashier filter"):
        svc.reports.run("revenue", SAT, MON, cashier_id=ids["bea"])
    with pytest.raises(ValidationError, match="no specialty filter"):
        svc.reports.run("takings", SAT, MON, specialty_id=ids["derm"])


def test_filters_named_in_the_csv_xlsx_and_pdf(clinic):
    from hms_desktop.services.reports import to_csv, to_xlsx
    from tests.documents.pdf_text import text as pdf_text
    from tests.services import report_csv, report_xlsx

    svc, ids, _raw = clinic
    table = svc.reports.run("revenue-by-doctor", SAT, SUN, doctor_id=ids["ben"], specialty_id=ids["derm"])
    assert table.filters == "Doctor: Dr Ben Ode · Specialty: Dermatology"
    assert report_csv.read(to_csv(table))[0] == {"report": "Revenue per doctor", "period": "2030-03-30 to 2030-03-31",
                                                 "doctor": "Dr Ben Ode", "specialty": "Dermatology"}
    seen = svc.reports.run("appointments", SAT, SUN, doctor_id=ids["ben"], specialty_id=ids["derm"])
    notes, rows = report_csv.read(to_csv(seen))
    assert notes == {"report": "Appointments per doctor", "period": "2030-03-30 to 2030-03-31",
                     "doctor": "Dr Ben Ode", "specialty": "Dermatology"}
    assert rows[0][:2] == ["Doctor", "Booked"] and [r[0] for r in rows[1:]] == ["Dr Ben Ode", "Total"]
    assert report_xlsx.rows(to_xlsx(table))[1] == [f"2030-03-30 to 2030-03-31 · {table.filters}"]
    words = pdf_text(svc.reports.report_pdf("revenue-by-doctor", SAT, SUN, doctor_id=ids["ben"],
                                            specialty_id=ids["derm"]))
    assert "Doctor: Dr Ben Ode · Specialty: Dermatology" in words
    takings = svc.reports.run("takings", SAT, MON, cashier_id=ids["bea"])
    assert report_csv.read(to_csv(takings))[0]["cashier"] == "Bea"
    assert "Cashier: Bea" in pdf_text(svc.reports.report_pdf("takings", SAT, MON, cashier_id=ids["bea"]))
    # A name with a comma stays one field, and the comment line still reads back.
    svc.price_list.add_payer("Smith, Jones & Co", "company")
    payer = next(i for i, n in svc.reports.filter_choices()["payer"] if n == "Smith, Jones & Co")
    by_payer = svc.reports.run("revenue-by-payer", SAT, MON, payer_id=payer)
    assert report_csv.read(to_csv(by_payer))[0]["payer"] == "Smith, Jones & Co"
    # No filter, no filter lines: the report and its period only.
    assert report_csv.read(to_csv(svc.reports.run("revenue", SAT, SUN)))[0] == {
        "report": "Revenue per day", "period": "2030-03-30 to 2030-03-31"}


def test_filter_choices_list_what_there_is(clinic):
    svc, ids, raw = clinic
    choices = svc.reports.filter_choices()
    assert [n for _i, n in choices["specialty"]] == ["Dermatology", "General Medicine"]
    assert {i for i, _n in choices["cashier"]} == {p["received_by_id"] for p in raw.payments}
    assert (ids["acme"], "Acme Works") in choices["payer"] and (ids["xray"], "XR1 Chest X-ray") in choices["item"]
