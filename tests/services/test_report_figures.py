"""The newer reports, each computed a second way from the raw rows (tests/services/report_oracle.py)
and compared, on a real SQLite file and a real PostgreSQL database. The clinic is in London and the
period crosses the spring-forward night (Sunday 31 March 2030, 01:00 GMT -> 02:00 BST), with a
refund, a discount, a payer's share, a doctor's leave and a shift closed short."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from hms_desktop.bootstrap import Services
from hms_desktop.services.billing import LineInput
from hms_desktop.services.reports.visit_reports import AGE_BANDS
from hms_desktop.services.scheduling import SessionInput
from hms_desktop.services.settings import ClinicSettings
from tests.services import report_oracle as oracle
from tests.services.conftest import make_doctor, make_patients
from tests.services.test_reports import _clock

LONDON = ZoneInfo("Europe/London")
SAT, SUN, MON = date(2030, 3, 30), date(2030, 3, 31), date(2030, 4, 1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def build(svc: Services) -> dict[str, int]:
    s = svc.settings.get()
    svc.settings.update(ClinicSettings(s.clinic_name, s.idle_lock_minutes, "Europe/London"))
    _clock(svc, at(SAT, 7))
    derm = svc.doctors.add_specialty("Dermatology")
    ann = make_doctor(svc, "Dr Ann Lee")
    ben = make_doctor(svc, "Dr Ben Ode", specialty=derm)
    svc.availability.add_leave(ben.id, MON, reason="conference")
    # Sunday nights 00:30-03:30: on the spring-forward night that is two real hours, not three.
    cy = make_doctor(svc, "Dr Cy Night", sessions=[SessionInput(6, time(0, 30), time(3, 30), 30)])
    payer = svc.price_list.add_payer("Star Health")
    p = make_patients(svc, 8)
    svc.shifts.open(5000)
    # (day, doctor, patient, booked at, checked in at, called in after minutes) -> waits across the night
    visits = [(SAT, ann, 0, (9, 0), (8, 55), 7), (SAT, ann, 1, (9, 15), (9, 10), 20), (SAT, ben, 2, (16, 0), (15, 50), 3),
              (SUN, ann, 3, (9, 0), (8, 58), 12), (SUN, ann, 4, (9, 15), (9, 5), 31), (SUN, ben, 5, (9, 0), (9, 1), 1),
              (SUN, ben, 6, (16, 20), (16, 0), 45), (MON, ann, 7, (9, 0), (9, 2), 5)]
    for day, doctor, patient, booked, arrived, wait in visits:
        _clock(svc, at(day, 7))
        appt = svc.scheduling.book(p[patient], doctor.id, at(day, *booked))
        _clock(svc, at(day, *arrived))
        svc.visits.check_in(appt.id)
        _clock(svc, at(day, *arrived) + timedelta(minutes=wait, seconds=30))
        svc.visits.start_visit(appt.id)
        svc.visits.complete(appt.id)
    _clock(svc, at(SUN, 7))
    for patient, booked, reason, by in ((0, (10, 0), "Feeling better", "patient"), (1, (10, 15), " feeling better ", "patient"),
                                        (2, (10, 30), "Doctor called away", "clinic")):
        appt = svc.scheduling.book(p[patient], ann.id, at(SUN, *booked))
        svc.visits.cancel(appt.id, reason, by=by)
    no_show = svc.scheduling.book(p[3], ben.id, at(SUN, 11))
    _clock(svc, at(SUN, 12))
    svc.visits.mark_no_show(no_show.id)
    # Money on the DST day and the next: a discount, a payer's share, a refund.
    inv1 = svc.invoices.issue_now(p[0], [LineInput("Dressing", 2, 10000, discount_bp=1000, discount_reason="senior")])
    svc.payments.pay(inv1.id, "cash", inv1.total, tendered=inv1.total)
    inv2 = svc.invoices.issue_now(p[1], [LineInput("Skin test", 1, 40000)], payer_id=payer.id, payer_share=30000)
    card = svc.payments.pay(inv2.id, "card", 10000, reference="4242")
    _clock(svc, at(MON, 10))
    svc.payments.refund(card.id, 2500, "charged for the wrong test")
    shift = svc.shifts.current()
    expected_cash = 5000 + inv1.total
    svc.shifts.close(shift.id, shift.version, {"cash": expected_cash - 100, "card": 7500, "upi": 0, "bank": 0,
                                               "other": 0}, reason="a coin short")
    return {"ann": ann.id, "ben": ben.id, "cy": cy.id, "payer": payer.id}


@pytest.fixture
def clinic(services: Services) -> tuple[Services, dict[str, int], oracle.Raw]:
    ids = build(services)
    return services, ids, oracle.load(services)


def _waits(raw: oracle.Raw, key) -> dict[object, list[int]]:  # type: ignore[no-untyped-def]
    groups: dict[object, list[int]] = defaultdict(list)
    for a in raw.appointments:
        if a["arrived_at"] and a["called_at"]:
            groups[key(a)].append(int((a["called_at"] - a["arrived_at"]).total_seconds()) // 60)
    return groups


def _wait_rows(groups: dict[object, list[int]], label) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [(label(k), len(v), oracle.nearest_rank(v, 0.5), oracle.nearest_rank(v, 0.9), max(v))
            for k, v in sorted(groups.items(), key=lambda kv: str(label(kv[0])))]


def test_waiting_times_by_doctor_and_clinic_hour_across_dst(clinic):
    svc, _ids, raw = clinic
    by_doctor = svc.reports.run("waiting-by-doctor", SAT, MON)
    expected = _wait_rows(_waits(raw, lambda a: raw.doctors[a["doctor_id"]]), str)
    assert list(by_doctor.rows) == expected
    assert expected[0] == ("Dr Ann Lee", 5, 12, 31, 31)  # waits 7, 20, 12, 31, 5
    by_hour = svc.reports.run("waiting-by-hour", SAT, MON)
    hours = _waits(raw, lambda a: a["arrived_at"].astimezone(LONDON).hour)
    assert list(by_hour.rows) == _wait_rows(hours, lambda h: f"{h:02d}:00")
    # Sunday 09:01 BST is 08:01 UTC: it counts under the clinic's 09:00, as Saturday's 09:10 GMT does.
    assert dict((r[0], r[1]) for r in by_hour.rows) == {"08:00": 2, "09:00": 4, "15:00": 1, "16:00": 1}
    assert by_hour.total[1:] == (8, 7, 45, 45)  # waits 1 3 5 7 12 20 31 45: the 8th of 8 is the 90th percentile
    only_sunday = svc.reports.run("waiting-by-hour", SUN, SUN)
    assert sum(r[1] for r in only_sunday.rows) == 4


def test_utilisation_from_weekly_hours_less_leave(clinic):
    svc, ids, raw = clinic
    table = svc.reports.run("utilisation", SAT, MON)
    with svc.db.engine.connect() as conn:
        sessions = [tuple(r) for r in conn.execute(text("SELECT doctor_id, weekday, start_time, end_time FROM availability_sessions"))]
    def real_minutes(day: date, begin, finish) -> int:  # type: ignore[no-untyped-def]
        begin, finish = (time.fromisoformat(v) if isinstance(v, str) else v for v in (begin, finish))
        utc = [datetime.combine(day, v, tzinfo=LONDON).astimezone(UTC) for v in (begin, finish)]
        return int((utc[1] - utc[0]).total_seconds()) // 60
    for name, doctor_id in (("Dr Ann Lee", ids["ann"]), ("Dr Ben Ode", ids["ben"]), ("Dr Cy Night", ids["cy"])):
        days = [SAT, SUN] if doctor_id == ids["ben"] else [SAT, SUN, MON]  # Ben is on leave on Monday
        available = sum(real_minutes(d, s, e) for d in days for (doc, wd, s, e) in sessions
                        if doc == doctor_id and wd == d.weekday())
        booked = [a for a in raw.appointments if a["doctor_id"] == doctor_id
                  and a["status"] in ("requested", "confirmed", "checked_in", "with_doctor", "completed")]
        minutes = sum(int((a["ends_at"] - a["starts_at"]).total_seconds()) // 60 for a in booked)
        row = next(r for r in table.rows if r[0] == name)
        assert row[1:4] == (available, minutes, len(booked))
        assert row[4] == (minutes * 20000 + available) // (2 * available)
    assert next(r for r in table.rows if r[0] == "Dr Cy Night")[1] == 120
    assert table.total[1] == sum(r[1] for r in table.rows)


def test_appointments_by_specialty_and_cancellation_reasons(clinic):
    svc, ids, raw = clinic
    table = svc.reports.run("appointments-by-specialty", SAT, MON)
    of = {ids["ann"]: ["General Medicine"], ids["ben"]: ["Dermatology"]}
    counted: dict[str, Counter[str]] = defaultdict(Counter)
    for a in raw.appointments:
        for specialty in of[a["doctor_id"]]:
            counted[specialty][a["status"]] += 1
    rows = {r[0]: r for r in table.rows}
    for specialty, statuses in counted.items():
        row = rows[specialty]
        assert row[2] == sum(statuses.values()) and row[3] == statuses["completed"]
        assert row[4] == statuses["cancelled"] and row[5] == statuses["no_show"]
    assert rows["Dermatology"][8] == 2500  # 1 no-show of 4 due
    reasons = svc.reports.run("cancellations", SAT, MON)
    expected = Counter(("Cancelled", a["status_reason"].strip().lower()) for a in raw.appointments
                       if a["status"] == "cancelled")
    assert {(r[0], r[2]): r[3] for r in reasons.rows} == dict(expected)
    assert reasons.rows[0][1:] == ("Patient", "feeling better", 2)  # two spellings, one reason
    assert reasons.total[-1] == 3


def test_patients_seen_by_age_band_and_sex(clinic):
    svc, _ids, raw = clinic
    table = svc.reports.run("patients-by-age", SAT, MON)
    seen = {a["patient_id"] for a in raw.appointments if a["status"] not in ("cancelled", "rejected")}
    expected: Counter[tuple[int, str]] = Counter()
    for p in raw.patients:
        if p["id"] in seen:
            dob = p["date_of_birth"]
            age = MON.year - dob.year - ((MON.month, MON.day) < (dob.month, dob.day))
            band = next(i for i, (low, high) in enumerate(AGE_BANDS) if low <= age <= high)
            expected[(band, p["sex"])] += 1
    for i, row in enumerate(table.rows):
        assert row[1:5] == tuple(expected[(i, sex)] for sex in ("female", "male", "other", "unknown"))
    assert table.total[-1] == len(seen)


def _by_day(raw: oracle.Raw, day: date) -> tuple[int, int]:
    """(invoiced, net collected) on a clinic day, from the raw rows."""
    invoiced = sum(i["total"] for i in raw.invoices if i["issued_at"] and i["state"] != "void"
                   and oracle.local_day(i["issued_at"], LONDON) == day)
    return invoiced, sum(oracle.net_by_method(raw, day, day, LONDON).values())


def test_revenue_by_week_month_service_and_payer(clinic):
    svc, ids, raw = clinic
    weekly = svc.reports.run("revenue-by-week", SAT, MON)
    # Saturday and Sunday are the week from Monday 25 March; Monday 1 April starts the next.
    assert [r[0] for r in weekly.rows] == [date(2030, 3, 25), date(2030, 4, 1)]
    for row, days in zip(weekly.rows, ([SAT, SUN], [MON]), strict=True):
        invoiced = sum(_by_day(raw, d)[0] for d in days)
        net = sum(_by_day(raw, d)[1] for d in days)
        assert (row[2], row[-1]) == (invoiced, net)
    monthly = svc.reports.run("revenue-by-month", SAT, MON)
    assert [r[0] for r in monthly.rows] == ["2030-03", "2030-04"]
    assert monthly.total == weekly.total
    assert monthly.rows[1][6] == 2500  # the refund, on 1 April
    services = svc.reports.run("revenue-by-service", SAT, MON)
    with svc.db.engine.connect() as conn:
        lines = [tuple(r) for r in conn.execute(text(
            "SELECT l.description, l.quantity, l.discount, l.total FROM invoice_lines l "
            "JOIN invoices i ON i.id = l.invoice_id WHERE i.state <> 'draft' AND i.state <> 'void'"))]
    by_name: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for name, quantity, discount, total in lines:
        by_name[name] = [by_name[name][0] + quantity, by_name[name][1] + discount, by_name[name][2] + total]
    assert {r[0]: [r[2], r[4], r[6]] for r in services.rows} == dict(by_name)
    assert {r[0]: r[4] for r in services.rows}["Dressing"] == 2000  # 10 % off 200.00
    payers = svc.reports.run("revenue-by-payer", SAT, MON)
    star = [i for i in raw.invoices if i["payer_id"] == ids["payer"]]
    assert payers.rows[0] == ("Star Health", len(star), sum(i["total"] for i in star), 0, 30000, 0, 30000,
                              sum(i["total"] for i in star) - 30000)
    assert payers.rows[1][0] == "Patients (no payer)"
    assert payers.total[2] == sum(i["total"] for i in raw.invoices if i["state"] not in ("draft", "void"))


def test_shift_closures_and_what_payers_owe(clinic):
    svc, ids, raw = clinic
    closures = svc.reports.run("shift-closures", SAT, MON)
    with svc.db.engine.connect() as conn:
        shift_id, closed_at = conn.execute(text("SELECT id, closed_at FROM cashier_shifts")).one()
    received = sum(p["amount"] for p in raw.payments if p["shift_id"] == shift_id)
    refunded = sum(r["amount"] for r in raw.refunds)
    expected = 5000 + received - refunded
    closed = oracle._aware(closed_at).astimezone(LONDON)
    assert closures.rows == ((closed.date(), "Ada Admin", "07:00", "10:00", expected, expected - 100, -100,
                              "a coin short"),)
    owed = svc.reports.run("outstanding-by-payer", SAT, MON)
    star = [i for i in raw.invoices if i["payer_id"] == ids["payer"]]
    assert owed.rows == (("Star Health", 1, sum(i["payer_share"] - i["payer_paid"] for i in star), 0, 0, 0, 30000),)
    # 91 days on, the same claim is over 90 days old.
    later = svc.reports.run("outstanding-by-payer", MON + timedelta(days=91), MON + timedelta(days=91))
    assert later.rows[0][2:] == (0, 0, 0, 30000, 30000)


def test_offsets_in_sql_follow_the_zone():
    from hms_desktop.services.reports.sql_time import offsets

    spans = offsets(LONDON, datetime(2030, 3, 30, tzinfo=UTC), datetime(2030, 4, 2, tzinfo=UTC))
    assert spans == [(datetime(2030, 3, 30, tzinfo=UTC), 0), (datetime(2030, 3, 31, 1, tzinfo=UTC), 3600)]


def test_xlsx_holds_numbers_dates_and_the_chart(clinic):
    from datetime import datetime as dt

    from hms_desktop.services.reports import to_xlsx
    from tests.services import report_xlsx

    svc, _ids, _raw = clinic
    table = svc.reports.run("revenue-by-month", SAT, MON)
    data = to_xlsx(table)
    cells = report_xlsx.rows(data)
    assert cells[0] == ["Revenue per month"] and cells[1] == ["2030-03-30 to 2030-04-01"]
    assert cells[3][:3] == ["Month", "Invoices", "Invoiced (INR)"]
    for row, sheet_row in zip((*table.rows, table.total), cells[4:4 + len(table.rows) + 1], strict=True):
        assert sheet_row == [row[0], row[1], *(v / 100 for v in row[2:])]  # rupees and paise
    assert "xl/charts/chart1.xml" in report_xlsx.names(data)
    daily = report_xlsx.rows(to_xlsx(svc.reports.run("waiting-by-hour", SAT, MON)))
    assert daily[4][0] == "08:00" and daily[4][1] == 2.0
    closures = report_xlsx.rows(to_xlsx(svc.reports.run("shift-closures", SAT, MON)))
    # Excel's day number: days since 1899-12-30.
    assert closures[4][0] == (dt(2030, 4, 1) - dt(1899, 12, 30)).days


def test_a_new_report_prints_with_its_chart_and_table(clinic):
    from tests.documents.pdf_text import text as pdf_text

    svc, _ids, _raw = clinic
    words = pdf_text(svc.reports.report_pdf("waiting-by-hour", SAT, MON))
    assert "WAITING TIMES PER HOUR OF DAY" in words and "Page 1 of 1" in words
    for expected in ("Checked in at", "09:00", "90th percentile", "45 min", "All visits"):
        assert expected in words
