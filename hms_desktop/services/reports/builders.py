"""The reports' tables: each builder turns its query's figures into columns, rows, a total row and
what to chart. The service checks who may ask; the dashboard reuses the same tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from ...models import Doctor, PaymentMethod
from ..billing.common import Terms
from ..errors import NotFound
from . import money_reports, queries, visit_reports
from .choices import filter_names
from .records import Column, Kind, ReportInfo, ReportTable
from .table_parts import Built, days_of, rate, totals

SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}


def _appointments(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                  specialty_id: int | None = None) -> Built:
    columns = (Column("doctor", "Doctor"), Column("booked", "Booked", Kind.COUNT),
               Column("completed", "Completed", Kind.COUNT), Column("cancelled", "Cancelled", Kind.COUNT),
               Column("no_show", "No-show", Kind.COUNT), Column("walk_ins", "Walk-ins", Kind.COUNT),
               Column("open", "Still open", Kind.COUNT), Column("no_show_rate", "No-show rate", Kind.RATE))
    rows = []
    for name, booked, completed, cancelled, no_show, walk_ins, still_open in queries.appointments_by_doctor(
            s, day_from, day_to, doctor_id, specialty_id):
        # Of the visits that were due (not cancelled), the share nobody came to.
        rows.append((name, booked, completed, cancelled, no_show, walk_ins, still_open,
                     rate(no_show, booked - cancelled)))
    total = None
    if rows:
        sums = [sum(int(r[i]) for r in rows) for i in range(1, 7)]  # type: ignore[call-overload]
        total = ("Total", *sums, rate(sums[3], sums[0] - sums[2]))
    return columns, tuple(rows), total, "doctor", ("completed", "cancelled", "no_show", "open")


def _appointments_daily(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                        specialty_id: int | None = None) -> Built:
    columns = (Column("day", "Day", Kind.DAY), Column("booked", "Booked", Kind.COUNT),
               Column("completed", "Completed", Kind.COUNT), Column("cancelled", "Cancelled", Kind.COUNT),
               Column("no_show", "No-show", Kind.COUNT), Column("open", "Still open", Kind.COUNT))
    found = queries.appointments_by_day(s, day_from, day_to, doctor_id, specialty_id)
    rows = [(day, *found.get(day, (0, 0, 0, 0, 0))) for day in days_of(day_from, day_to)]
    return columns, tuple(rows), totals(rows, "Total"), "day", ("completed", "cancelled", "no_show", "open")


def _patients(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("group", "Patients"), Column("count", "Count", Kind.COUNT))
    new, returning = queries.patients_new_and_returning(s, day_from, day_to, t.zone)
    rows: list[tuple[object, ...]] = [("New patients", sum(new.values())), ("Returning patients", returning)]
    rows += [(f"New: {label}", new.get(sex, 0)) for sex, label in SEX_LABELS.items()]
    return columns, tuple(rows), None, "group", ("count",)


def _revenue(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("day", "Day", Kind.DAY), Column("invoices", "Invoices", Kind.COUNT),
               Column("invoiced", "Invoiced", Kind.MONEY), Column("discounts", "Discounts", Kind.MONEY),
               Column("credited", "Credit notes", Kind.MONEY), Column("collected", "Collected", Kind.MONEY),
               Column("refunds", "Refunds", Kind.MONEY), Column("net", "Net collected", Kind.MONEY))
    found = queries.revenue_by_day(s, day_from, day_to, doctor_id)
    rows = []
    for day in days_of(day_from, day_to):
        count, invoiced, discounts, credited, collected, refunds = found.get(day, [0] * 6)
        rows.append((day, count, invoiced, discounts, credited, collected, refunds, collected - refunds))
    return columns, tuple(rows), totals(rows, "Total"), "day", ("invoiced", "net")


def _revenue_by_doctor(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                       specialty_id: int | None = None) -> Built:
    columns = (Column("doctor", "Doctor"), Column("invoices", "Invoices", Kind.COUNT),
               Column("invoiced", "Invoiced", Kind.MONEY), Column("discounts", "Discounts", Kind.MONEY),
               Column("credited", "Credit notes", Kind.MONEY), Column("kept", "Paid", Kind.MONEY),
               Column("owed", "Still owed", Kind.MONEY))
    rows = queries.revenue_by_doctor(s, day_from, day_to, doctor_id, specialty_id)
    return columns, tuple(rows), totals(rows, "Total"), "doctor", ("invoiced", "kept")


def _revenue_by_method(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                       cashier_id: int | None = None) -> Built:
    columns = (Column("method", "Payment method"), Column("payments", "Payments", Kind.COUNT),
               Column("received", "Received", Kind.MONEY), Column("refunds", "Refunds", Kind.COUNT),
               Column("refunded", "Refunded", Kind.MONEY), Column("net", "Net", Kind.MONEY))
    found = queries.collections_by_method(s, day_from, day_to, cashier_id)
    rows = []
    for method in PaymentMethod:
        if method in found:
            payments, received, refunds, refunded = found[method]
            rows.append((method.label, payments, received, refunds, refunded, received - refunded))
    return columns, tuple(rows), totals(rows, "Total"), "method", ("net",)


def _takings(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
             cashier_id: int | None = None) -> Built:
    columns = (Column("day", "Day", Kind.DAY), Column("cashier", "Cashier"),
               Column("receipts", "Receipts", Kind.COUNT), Column("received", "Received", Kind.MONEY),
               Column("refunded", "Refunded", Kind.MONEY), Column("net", "Net takings", Kind.MONEY))
    found = queries.takings(s, day_from, day_to, cashier_id)
    rows = [(day, cashier, count, received, refunded, received - refunded)
            for (day, cashier), (count, received, refunded) in sorted(found.items())]
    return columns, tuple(rows), totals(rows, "Total", 2), "day", ("net",)


def _outstanding(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("patient", "Patient"), Column("mrn", "MRN"), Column("days_0_30", "0-30 days", Kind.MONEY),
               Column("days_31_60", "31-60 days", Kind.MONEY), Column("days_61_90", "61-90 days", Kind.MONEY),
               Column("days_over_90", "Over 90 days", Kind.MONEY), Column("total", "Total owed", Kind.MONEY))
    rows = [(*row, sum(row[2:])) for row in queries.outstanding(s, day_to)]
    return columns, tuple(rows), totals(rows, "Total", 2), "patient", ("total",)


BUILDERS: dict[str, Callable[..., Built]] = {
    "appointments": _appointments,
    "appointments-daily": _appointments_daily,
    "patients": _patients,
    "revenue": _revenue,
    "revenue-by-doctor": _revenue_by_doctor,
    "revenue-by-method": _revenue_by_method,
    "takings": _takings,
    "outstanding": _outstanding,
    **money_reports.BUILDERS,
    **visit_reports.BUILDERS,
}


def build_table(s: Session, t: Terms, info: ReportInfo, day_from: date, day_to: date,
                doctor_id: int | None, chosen: dict[str, int] | None = None) -> ReportTable:
    """The report ``info`` over the clinic's days, read in the caller's unit (who may ask, and
    whether the report takes the ``chosen`` filters, is the caller's business)."""
    chosen = chosen or {}
    named: list[tuple[str, str]] = []
    if doctor_id is not None:
        doctor = s.get(Doctor, doctor_id)
        if doctor is None:
            raise NotFound("That doctor no longer exists.")
        named.append(("Doctor", doctor.full_name))
    named += filter_names(s, chosen)
    extra = {f"{kind}_id": value for kind, value in chosen.items()}
    columns, rows, total, label, values = BUILDERS[info.name](s, t, day_from, day_to, doctor_id, **extra)
    return ReportTable(name=info.name, title=info.title, day_from=day_from, day_to=day_to, columns=columns,
                       rows=rows, total=total, currency=t.currency, locale=t.locale, chart_label=label,
                       chart_values=values, named_filters=tuple(named))
