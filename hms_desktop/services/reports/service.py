"""The reports as use cases: each checks who is asking, reads in one read-only unit, and hands
back a frozen :class:`ReportTable`. Money reports are for REPORTS_MONEY (admins); the appointment
and patient reports for REPORTS_VIEW, or REPORTS_VIEW_OWN (a doctor: their own figures only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Doctor, PaymentMethod
from ..billing.common import Terms, terms
from ..billing.shifts import clinic_from
from ..errors import NotFound, PermissionDenied, ValidationError
from ..identity import CurrentUser
from ..permissions import Permission
from ..unit_of_work import UnitsOfWork
from . import queries
from .catalogue import BY_NAME, REPORTS
from .records import Column, Kind, ReportInfo, ReportTable

MAX_DAYS = 366 * 2  # two years on one screen is plenty; a longer range is a mistake in the dates
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}


def _rate(part: int, whole: int) -> int:
    """part/whole in basis points, half up; 0 when there is nothing to divide by."""
    return (part * 20000 + whole) // (2 * whole) if whole else 0


class ReportService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def available(self) -> list[ReportInfo]:
        """The reports the signed-in person may run, in menu order."""
        user = self._units.authorise(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN))
        return [r for r in REPORTS if not r.money or user.can(Permission.REPORTS_MONEY)]

    def run(self, name: str, day_from: date, day_to: date, *, doctor_id: int | None = None) -> ReportTable:
        info = BY_NAME.get(name)
        if info is None:
            raise ValidationError({"report": f"There is no report called {name!r}; "
                                             f"choose one of {', '.join(BY_NAME)}."})
        needs = (Permission.REPORTS_MONEY,) if info.money else (Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN)
        with self._units.read(any_of=needs) as uow:
            _check_period(day_from, day_to)
            s = uow.session
            doctor_id = _doctor_scope(s, uow.actor, doctor_id) if info.doctor_filter else _no_doctor(doctor_id, info)
            t = terms(s)
            filters = ""
            if doctor_id is not None:
                doctor = s.get(Doctor, doctor_id)
                if doctor is None:
                    raise NotFound("That doctor no longer exists.")
                filters = f"Doctor: {doctor.full_name}"
            table = _BUILDERS[name](s, t, day_from, day_to, doctor_id)
            return ReportTable(name=name, title=info.title, day_from=day_from, day_to=day_to,
                               columns=table[0], rows=table[1], total=table[2], currency=t.currency,
                               locale=t.locale, chart_label=table[3], chart_values=table[4], filters=filters)

    def report_pdf(self, name: str, day_from: date, day_to: date, *, doctor_id: int | None = None) -> bytes:
        """The report as an A4 PDF with the clinic's header (rendered here: call it on the worker)."""
        table = self.run(name, day_from, day_to, doctor_id=doctor_id)
        with self._units.read(any_of=(Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN,
                                      Permission.REPORTS_MONEY)) as uow:
            clinic = clinic_from(terms(uow.session))
        from ..documents.report import render_report

        return render_report(table, clinic)


def _check_period(day_from: date, day_to: date) -> None:
    if not isinstance(day_from, date) or not isinstance(day_to, date):
        raise ValidationError({"period": "Give the first and the last day."})
    if day_to < day_from:
        raise ValidationError({"period": "The last day is before the first."})
    if (day_to - day_from).days >= MAX_DAYS:
        raise ValidationError({"period": "Choose at most two years."})


def _no_doctor(doctor_id: int | None, info: ReportInfo) -> None:
    if doctor_id is not None:
        raise ValidationError({"doctor": f"The {info.title.lower()} report has no doctor filter."})
    return None


def _doctor_scope(s: Session, actor: CurrentUser, doctor_id: int | None) -> int | None:
    """The doctor the figures are for: anyone with REPORTS_VIEW or REPORTS_MONEY chooses; a doctor
    with REPORTS_VIEW_OWN only sees their own, whatever they ask for."""
    if actor.can(Permission.REPORTS_VIEW) or actor.can(Permission.REPORTS_MONEY):
        return doctor_id
    own = s.scalar(select(Doctor.id).where(Doctor.staff_account_id == actor.id)) if actor.id else None
    if own is None:
        raise NotFound("Your account is not linked to a doctor, so there are no figures of your own to show.")
    if doctor_id is not None and doctor_id != own:
        raise PermissionDenied("You can see your own figures only.")
    return own


Built = tuple[tuple[Column, ...], tuple[tuple[object, ...], ...], tuple[object, ...] | None, str, tuple[str, ...]]


def _days(day_from: date, day_to: date) -> list[date]:
    return [day_from + timedelta(days=i) for i in range((day_to - day_from).days + 1)]


def _totals(rows: list[tuple[object, ...]], first: str, skip: int = 1) -> tuple[object, ...] | None:
    """The total row: ``first`` under the label column(s), then each figure column summed."""
    if not rows:
        return None
    sums = [sum(int(r[i]) for r in rows) for i in range(skip, len(rows[0]))]  # type: ignore[call-overload]
    return (first, *([""] * (skip - 1)), *sums)


def _appointments(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("doctor", "Doctor"), Column("booked", "Booked", Kind.COUNT),
               Column("completed", "Completed", Kind.COUNT), Column("cancelled", "Cancelled", Kind.COUNT),
               Column("no_show", "No-show", Kind.COUNT), Column("walk_ins", "Walk-ins", Kind.COUNT),
               Column("open", "Still open", Kind.COUNT), Column("no_show_rate", "No-show rate", Kind.RATE))
    rows = []
    for name, booked, completed, cancelled, no_show, walk_ins, still_open in queries.appointments_by_doctor(
            s, day_from, day_to, doctor_id):
        # Of the visits that were due (not cancelled), the share nobody came to.
        rows.append((name, booked, completed, cancelled, no_show, walk_ins, still_open,
                     _rate(no_show, booked - cancelled)))
    total = None
    if rows:
        sums = [sum(int(r[i]) for r in rows) for i in range(1, 7)]  # type: ignore[call-overload]
        total = ("Total", *sums, _rate(sums[3], sums[0] - sums[2]))
    return columns, tuple(rows), total, "doctor", ("completed", "cancelled", "no_show", "open")


def _appointments_daily(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("day", "Day", Kind.DAY), Column("booked", "Booked", Kind.COUNT),
               Column("completed", "Completed", Kind.COUNT), Column("cancelled", "Cancelled", Kind.COUNT),
               Column("no_show", "No-show", Kind.COUNT), Column("open", "Still open", Kind.COUNT))
    found = queries.appointments_by_day(s, day_from, day_to, doctor_id)
    rows = [(day, *found.get(day, (0, 0, 0, 0, 0))) for day in _days(day_from, day_to)]
    return columns, tuple(rows), _totals(rows, "Total"), "day", ("completed", "cancelled", "no_show", "open")


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
    for day in _days(day_from, day_to):
        count, invoiced, discounts, credited, collected, refunds = found.get(day, [0] * 6)
        rows.append((day, count, invoiced, discounts, credited, collected, refunds, collected - refunds))
    return columns, tuple(rows), _totals(rows, "Total"), "day", ("invoiced", "net")


def _revenue_by_doctor(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("doctor", "Doctor"), Column("invoices", "Invoices", Kind.COUNT),
               Column("invoiced", "Invoiced", Kind.MONEY), Column("discounts", "Discounts", Kind.MONEY),
               Column("credited", "Credit notes", Kind.MONEY), Column("kept", "Paid", Kind.MONEY),
               Column("owed", "Still owed", Kind.MONEY))
    rows = queries.revenue_by_doctor(s, day_from, day_to, doctor_id)
    return columns, tuple(rows), _totals(rows, "Total"), "doctor", ("invoiced", "kept")


def _revenue_by_method(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("method", "Payment method"), Column("payments", "Payments", Kind.COUNT),
               Column("received", "Received", Kind.MONEY), Column("refunds", "Refunds", Kind.COUNT),
               Column("refunded", "Refunded", Kind.MONEY), Column("net", "Net", Kind.MONEY))
    found = queries.collections_by_method(s, day_from, day_to)
    rows = []
    for method in PaymentMethod:
        if method in found:
            payments, received, refunds, refunded = found[method]
            rows.append((method.label, payments, received, refunds, refunded, received - refunded))
    return columns, tuple(rows), _totals(rows, "Total"), "method", ("net",)


def _takings(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("day", "Day", Kind.DAY), Column("cashier", "Cashier"),
               Column("receipts", "Receipts", Kind.COUNT), Column("received", "Received", Kind.MONEY),
               Column("refunded", "Refunded", Kind.MONEY), Column("net", "Net takings", Kind.MONEY))
    found = queries.takings(s, day_from, day_to)
    rows = [(day, cashier, count, received, refunded, received - refunded)
            for (day, cashier), (count, received, refunded) in sorted(found.items())]
    return columns, tuple(rows), _totals(rows, "Total", 2), "day", ("net",)


def _outstanding(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
    columns = (Column("patient", "Patient"), Column("mrn", "MRN"), Column("days_0_30", "0-30 days", Kind.MONEY),
               Column("days_31_60", "31-60 days", Kind.MONEY), Column("days_61_90", "61-90 days", Kind.MONEY),
               Column("days_over_90", "Over 90 days", Kind.MONEY), Column("total", "Total owed", Kind.MONEY))
    rows = [(*row, sum(row[2:])) for row in queries.outstanding(s, day_to)]
    return columns, tuple(rows), _totals(rows, "Total", 2), "patient", ("total",)


_BUILDERS: dict[str, Callable[[Session, Terms, date, date, int | None], Built]] = {
    "appointments": _appointments,
    "appointments-daily": _appointments_daily,
    "patients": _patients,
    "revenue": _revenue,
    "revenue-by-doctor": _revenue_by_doctor,
    "revenue-by-method": _revenue_by_method,
    "takings": _takings,
    "outstanding": _outstanding,
}
