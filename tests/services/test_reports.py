"""Reports on a real SQLite file and a real PostgreSQL database, over a small clinic whose figures
are worked out by hand below: two doctors, two days of visits, bills with a discount, a refund and a
part payment, and two older unpaid bills for the ageing buckets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.services.billing import LineInput
from hms_desktop.services.errors import NotFound, PermissionDenied, ValidationError
from hms_desktop.services.reports import to_csv
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.documents.pdf_text import text as pdf_text
from tests.services.conftest import KOLKATA, TODAY, at, make_doctor, make_patients

DAY1, DAY2 = TODAY, TODAY + timedelta(days=1)


def _clock(svc: Services, moment: datetime) -> None:
    svc.scheduling.clock = lambda: moment
    for name in ("invoices", "payments", "shifts", "billing_documents"):
        getattr(svc, name).clock = lambda: moment


def build_clinic(svc: Services) -> dict[str, int]:
    add_staff(svc, "drpriya", "doctor")
    account = next(m.id for m in svc.staff.list() if m.username == "drpriya")
    _clock(svc, at(7))
    priya = make_doctor(svc, "Dr Priya Nair", staff_account_id=account)
    omar = make_doctor(svc, "Dr Omar Khan")
    p = make_patients(svc, 5)  # Asha PatA0, Ravi PatB1, Meera PatC2, John PatD3, Zoë PatE4
    # Older unpaid bills, for the ageing buckets as of DAY2 (2030-01-08).
    _clock(svc, datetime(2029, 10, 1, 12, tzinfo=KOLKATA))  # 99 days before: over 90
    svc.invoices.issue_now(p[1], [LineInput("Dressing", 1, 15000)])
    _clock(svc, datetime(2029, 11, 20, 12, tzinfo=KOLKATA))  # 49 days before: 31-60
    svc.invoices.issue_now(p[2], [LineInput("Dressing", 1, 10000)])
    # Day 1: Priya sees Asha, Ravi does not come, Meera cancels; Omar sees John and takes Zoë as a walk-in.
    _clock(svc, at(7))
    a0 = svc.scheduling.book(p[0], priya.id, at(9))
    a1 = svc.scheduling.book(p[1], priya.id, at(9, 15))
    a2 = svc.scheduling.book(p[2], priya.id, at(9, 30))
    a3 = svc.scheduling.book(p[3], omar.id, at(10))
    _clock(svc, at(12))
    svc.shifts.open(0)
    for appointment in (a0, a3):
        svc.visits.check_in(appointment.id)
        svc.visits.start_visit(appointment.id)
        svc.visits.complete(appointment.id)
    svc.visits.mark_no_show(a1.id)
    svc.visits.cancel(a2.id, "feeling better")
    svc.scheduling.add_walk_in(p[4], omar.id, reason="fever")
    inv1 = svc.invoices.issue_now(p[0], appointment_id=a0.id)  # 500.00 consultation
    svc.payments.pay(inv1.id, "cash", 50000)
    inv2 = svc.invoices.issue_now(p[3], [LineInput("Dressing", 1, 20000, discount_bp=1000, discount_reason="senior")],
                                  appointment_id=a3.id)  # 500.00 + 200.00 - 20.00 = 680.00
    card = svc.payments.pay(inv2.id, "card", 68000, reference="4242")
    svc.payments.refund(card.id, 8000, "charged twice for the dressing")
    # Day 2: Priya sees Ravi after all, who pays part of it by UPI.
    _clock(svc, at(7, day=DAY2))
    a4 = svc.scheduling.book(p[1], priya.id, at(9, day=DAY2))
    _clock(svc, at(12, day=DAY2))
    svc.visits.check_in(a4.id)
    svc.visits.start_visit(a4.id)
    svc.visits.complete(a4.id)
    inv3 = svc.invoices.issue_now(p[1], appointment_id=a4.id)
    svc.payments.pay(inv3.id, "upi", 20000, reference="UPI-1")
    return {"priya": priya.id, "omar": omar.id}


@pytest.fixture
def clinic(services: Services) -> tuple[Services, dict[str, int]]:
    return services, build_clinic(services)


def test_appointments_per_doctor_and_per_day(clinic):
    svc, ids = clinic
    table = svc.reports.run("appointments", DAY1, DAY2)
    # booked, completed, cancelled, no-show, walk-ins, still open, no-show rate of the visits not cancelled
    assert table.rows == (("Dr Omar Khan", 2, 1, 0, 0, 1, 1, 0),
                          ("Dr Priya Nair", 4, 2, 1, 1, 0, 0, 3333))  # 1 of 3
    assert table.total == ("Total", 6, 3, 1, 1, 1, 1, 2000)  # 1 of 5
    daily = svc.reports.run("appointments-daily", DAY1, DAY2, doctor_id=ids["priya"])
    assert daily.rows == ((DAY1, 3, 1, 1, 1, 0), (DAY2, 1, 1, 0, 0, 0))
    assert daily.filters == "Doctor: Dr Priya Nair"
    assert svc.reports.run("appointments", DAY2, DAY2).rows == (("Dr Priya Nair", 1, 1, 0, 0, 0, 0, 0),)


def test_revenue_by_day_doctor_and_method(clinic):
    svc, ids = clinic
    revenue = svc.reports.run("revenue", DAY1, DAY2)
    # day, invoices, invoiced, discounts, credit notes, collected, refunds, net collected
    assert revenue.rows == ((DAY1, 2, 118000, 2000, 0, 118000, 8000, 110000),
                            (DAY2, 1, 50000, 0, 0, 20000, 0, 20000))
    assert revenue.total == ("Total", 3, 168000, 2000, 0, 138000, 8000, 130000)
    omar = svc.reports.run("revenue", DAY1, DAY2, doctor_id=ids["omar"])
    assert omar.total == ("Total", 1, 68000, 2000, 0, 68000, 8000, 60000)
    by_doctor = svc.reports.run("revenue-by-doctor", DAY1, DAY2)
    # doctor, invoices, invoiced, discounts, credited, paid (kept), still owed
    assert by_doctor.rows == (("Dr Omar Khan", 1, 68000, 2000, 0, 60000, 8000),
                              ("Dr Priya Nair", 2, 100000, 0, 0, 70000, 30000))
    by_method = svc.reports.run("revenue-by-method", DAY1, DAY2)
    assert by_method.rows == (("Cash", 1, 50000, 0, 0, 50000), ("Card", 1, 68000, 1, 8000, 60000),
                              ("UPI", 1, 20000, 0, 0, 20000))
    assert by_method.total == ("Total", 3, 138000, 1, 8000, 130000)


def test_takings_and_outstanding_with_ageing(clinic):
    svc, _ids = clinic
    takings = svc.reports.run("takings", DAY1, DAY2)
    assert takings.rows == ((DAY1, "Ada Admin", 2, 118000, 8000, 110000), (DAY2, "Ada Admin", 1, 20000, 0, 20000))
    owed = svc.reports.run("outstanding", DAY1, DAY2)
    # As of 8 Jan 2030: 0-30, 31-60, 61-90, over 90 days, total
    assert [r[:1] + r[2:] for r in owed.rows] == [("Ravi PatB1", 30000, 0, 0, 15000, 45000),
                                                  ("Meera PatC2", 0, 10000, 0, 0, 10000),
                                                  ("John PatD3", 8000, 0, 0, 0, 8000)]
    assert owed.total == ("Total", "", 38000, 10000, 0, 15000, 63000)
    # As of 30 Dec only the two old bills exist, and each is younger.
    earlier = svc.reports.run("outstanding", date(2029, 12, 1), date(2029, 12, 30))
    assert [r[0] for r in earlier.rows] == ["Ravi PatB1", "Meera PatC2"]
    assert earlier.rows[0][2:] == (0, 0, 15000, 0, 15000)  # 90 days old on 30 Dec: 61-90
    assert earlier.rows[1][2:] == (0, 10000, 0, 0, 10000)  # 40 days: 31-60


def test_new_and_returning_patients_in_the_clinic_days(clinic):
    svc, _ids = clinic
    # The patients were registered now (the real clock); in 2030 all five come back.
    in_2030 = dict(svc.reports.run("patients", DAY1, DAY2).rows)
    assert in_2030["New patients"] == 0
    # Not cancelled: Asha, Ravi (no-show), John, Zoë; Meera only cancelled.
    assert in_2030["Returning patients"] == 4
    today = datetime.now(ZoneInfo("Asia/Kolkata")).date()
    now = dict(svc.reports.run("patients", today - timedelta(days=1), today + timedelta(days=1)).rows)
    assert now["New patients"] == 5 and now["New: Female"] == 5 and now["Returning patients"] == 0


def test_csv_has_plain_numbers_and_pdf_reads_back(clinic):
    from tests.services import report_csv

    svc, _ids = clinic
    table = svc.reports.run("revenue", DAY1, DAY2)
    notes, rows = report_csv.read(to_csv(table))
    assert notes == {"report": "Revenue per day", "period": "2030-01-07 to 2030-01-08"}
    assert rows[0] == ["Day", "Invoices", "Invoiced (INR)", "Discounts (INR)", "Credit notes (INR)",
                       "Collected (INR)", "Refunds (INR)", "Net collected (INR)"]
    assert rows[1] == ["2030-01-07", "2", "1180.00", "20.00", "0.00", "1180.00", "80.00", "1100.00"]
    assert rows[-1] == ["Total", "3", "1680.00", "20.00", "0.00", "1380.00", "80.00", "1300.00"]
    words = pdf_text(svc.reports.report_pdf("revenue", DAY1, DAY2))
    assert "REVENUE PER DAY" in words and "2030-01-07" in words and "₹1,300.00" in words
    assert "Page 1 of 1" in words


def test_who_sees_what(clinic):
    svc, ids = clinic
    add_staff(svc, "rita", "receptionist")
    rita = second_desk(svc, "rita", STAFF_PASSWORD)
    doctor = second_desk(svc, "drpriya", STAFF_PASSWORD)
    try:
        assert all(not r.money for r in rita.reports.available())
        assert {r.name for r in svc.reports.available()} >= {"revenue", "takings", "outstanding"}
        for name in ("revenue", "revenue-by-doctor", "revenue-by-method", "takings", "outstanding"):
            with pytest.raises(PermissionDenied):
                rita.reports.run(name, DAY1, DAY2)
            with pytest.raises(PermissionDenied):
                doctor.reports.run(name, DAY1, DAY2)
        assert len(rita.reports.run("appointments", DAY1, DAY2).rows) == 2
        # A doctor sees their own figures only, whatever they ask for.
        assert [r[0] for r in doctor.reports.run("appointments", DAY1, DAY2).rows] == ["Dr Priya Nair"]
        with pytest.raises(PermissionDenied):
            doctor.reports.run("appointments", DAY1, DAY2, doctor_id=ids["omar"])
    finally:
        rita.close()
        doctor.close()
    add_staff(svc, "drnobody", "doctor")
    unlinked = second_desk(svc, "drnobody", STAFF_PASSWORD)
    try:
        with pytest.raises(NotFound):
            unlinked.reports.run("appointments", DAY1, DAY2)
    finally:
        unlinked.close()


def test_bad_periods_and_names_are_refused(clinic):
    svc, _ids = clinic
    with pytest.raises(ValidationError):
        svc.reports.run("appointments", DAY2, DAY1)
    with pytest.raises(ValidationError):
        svc.reports.run("nonsense", DAY1, DAY2)
    with pytest.raises(ValidationError):
        svc.reports.run("takings", DAY1, DAY2, doctor_id=1)
