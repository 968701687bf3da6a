"""The money reports beyond the daily ones: revenue by week and month (the day sums rolled up),
by service and by payer, the cashiers' shift closures (expected against counted) and what payers
owe, aged. Figures are grouped in SQL; the closures list one row per shift closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import CashierShift, Invoice, InvoiceLine, InvoiceState, PayerAccount, ShiftState, StaffAccount
from ..billing.common import Terms
from . import queries
from .queries import BILLED, clinic_instants
from .records import Column, Kind
from .table_parts import Built, totals

_sum = queries.sum_of
REVENUE_FIGURES = (Column("invoices", "Invoices", Kind.COUNT), Column("invoiced", "Invoiced", Kind.MONEY),
                   Column("discounts", "Discounts", Kind.MONEY), Column("credited", "Credit notes", Kind.MONEY),
                   Column("collected", "Collected", Kind.MONEY), Column("refunds", "Refunds", Kind.MONEY),
                   Column("net", "Net collected", Kind.MONEY))


def _rolled_up(period: Callable[[date], object], label: Column) -> Callable[..., Built]:
    def build(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None) -> Built:
        found = queries.revenue_by_day(s, day_from, day_to, doctor_id)
        periods: dict[object, list[int]] = {}
        day = day_from
        while day <= day_to:  # every period of the range, the quiet ones too
            target = periods.setdefault(period(day), [0] * 6)
            for i, value in enumerate(found.get(day, ())):
                target[i] += value
            day += timedelta(days=1)
        rows = [(key, *f, f[4] - f[5]) for key, f in periods.items()]
        return (label, *REVENUE_FIGURES), tuple(rows), totals(rows), label.key, ("invoiced", "net")
    return build


revenue_by_week = _rolled_up(lambda d: d - timedelta(days=d.weekday()), Column("week", "Week from", Kind.DAY))
revenue_by_month = _rolled_up(lambda d: f"{d:%Y-%m}", Column("month", "Month"))


def revenue_by_service(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                       item_id: int | None = None) -> Built:
    """The lines of the invoices issued in the period, by what was billed (code and name)."""
    query = (select(InvoiceLine.code, InvoiceLine.description, func.count(), _sum(InvoiceLine.quantity),
                    _sum(InvoiceLine.gross), _sum(InvoiceLine.discount), _sum(InvoiceLine.tax), _sum(InvoiceLine.total))
             .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
             .where(Invoice.local_day >= day_from, Invoice.local_day <= day_to, Invoice.state.in_(BILLED))
             .group_by(InvoiceLine.code, InvoiceLine.description)
             .order_by(func.sum(InvoiceLine.total).desc(), InvoiceLine.description))
    if doctor_id is not None:
        query = query.where(Invoice.doctor_id == doctor_id)
    if item_id is not None:
        query = query.where(InvoiceLine.item_id == item_id)
    rows = [(f"{code} {name}".strip(), *(int(v) for v in figures)) for code, name, *figures in s.execute(query)]
    columns = (Column("service", "Service"), Column("lines", "Lines", Kind.COUNT),
               Column("quantity", "Quantity", Kind.COUNT), Column("gross", "Gross", Kind.MONEY),
               Column("discounts", "Discounts", Kind.MONEY), Column("tax", "Tax", Kind.MONEY),
               Column("total", "Total", Kind.MONEY))
    return columns, tuple(rows), totals(rows), "service", ("total",)


def revenue_by_payer(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                     payer_id: int | None = None) -> Built:
    """Invoices issued in the period by who pays: each insurer or company's share, and the patients'."""
    # Summed per day, state, doctor and payer in the order of the day-led index, then per payer.
    per_day = (select(Invoice.payer_id, func.count().label("n"), func.sum(Invoice.total).label("total"),
                      func.sum(Invoice.payer_share).label("share"), func.sum(Invoice.payer_paid).label("paid"),
                      func.sum(Invoice.discount).label("discount"))
               .where(Invoice.local_day >= day_from, Invoice.local_day <= day_to, queries.billed())
               .group_by(Invoice.local_day, Invoice.state, Invoice.doctor_id, Invoice.payer_id))
    if doctor_id is not None:
        per_day = per_day.where(Invoice.doctor_id == doctor_id)
    if payer_id is not None:
        per_day = per_day.where(Invoice.payer_id == payer_id)
    days = per_day.subquery()
    per_payer = (select(days.c.payer_id, *(func.sum(days.c[k]).label(k) for k in ("n", "total", "share", "paid",
                                                                                  "discount")))
                 .group_by(days.c.payer_id).subquery())
    query = (select(PayerAccount.name, *(per_payer.c[k] for k in ("n", "total", "share", "paid", "discount")))
             .select_from(per_payer).outerjoin(PayerAccount, PayerAccount.id == per_payer.c.payer_id)
             .order_by(PayerAccount.name))
    rows = []
    for name, count, total, share, paid, discount in s.execute(query):
        total, share, paid = int(total), int(share), int(paid)
        rows.append((name or "Patients (no payer)", int(count), total, int(discount), share, paid, share - paid,
                     total - share))
    rows.sort(key=lambda r: (r[0] == "Patients (no payer)", r[0]))
    columns = (Column("payer", "Payer"), Column("invoices", "Invoices", Kind.COUNT),
               Column("invoiced", "Invoiced", Kind.MONEY), Column("discounts", "Discounts", Kind.MONEY),
               Column("payer_share", "Payer's share", Kind.MONEY), Column("payer_paid", "Payer paid", Kind.MONEY),
               Column("payer_owes", "Payer owes", Kind.MONEY), Column("patient_share", "Patients' share", Kind.MONEY))
    return columns, tuple(rows), totals(rows), "payer", ("payer_share", "payer_paid")


def shift_closures(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                   cashier_id: int | None = None) -> Built:
    """Each shift closed on the clinic's days: what the drawer should have held (the float, payments
    less refunds) against what was counted, and the reason given for a difference."""
    start, end = clinic_instants(day_from, day_to, t.zone)
    query = (select(CashierShift.closed_at, CashierShift.opened_at, StaffAccount.full_name, CashierShift.counts,
                    CashierShift.over_short, CashierShift.reason)
             .outerjoin(StaffAccount, StaffAccount.id == CashierShift.cashier_id)
             .where(CashierShift.state == ShiftState.CLOSED, CashierShift.closed_at >= start,
                    CashierShift.closed_at < end)
             .order_by(CashierShift.closed_at, CashierShift.id))
    if cashier_id is not None:
        query = query.where(CashierShift.cashier_id == cashier_id)
    rows = []
    for closed, opened, name, counts, over_short, reason in s.execute(query):
        counts = counts or {}
        expected = sum(int(c["expected"]) for c in counts.values())
        counted = sum(int(c["counted"]) for c in counts.values())
        local_closed, local_opened = closed.astimezone(t.zone), opened.astimezone(t.zone)
        rows.append((local_closed.date(), name or "", f"{local_opened:%H:%M}", f"{local_closed:%H:%M}",
                     expected, counted, int(over_short), reason))
    columns = (Column("day", "Closed on", Kind.DAY), Column("cashier", "Cashier"), Column("opened", "Opened"),
               Column("closed", "Closed"), Column("expected", "Expected", Kind.MONEY),
               Column("counted", "Counted", Kind.MONEY), Column("over_short", "Over (+) / short (-)", Kind.MONEY),
               Column("reason", "Reason"))
    total = None
    if rows:
        total = ("Total", "", "", "", *(sum(int(r[i]) for r in rows) for i in (4, 5, 6)), "")  # type: ignore[call-overload]
    return columns, tuple(rows), total, "cashier", ("expected", "counted")


def outstanding_by_payer(s: Session, t: Terms, day_from: date, day_to: date, doctor_id: int | None,
                         payer_id: int | None = None) -> Built:
    """What each payer still owes of its share, aged from the invoice's day as of the last day."""
    owed = Invoice.payer_share - Invoice.payer_paid
    query = (select(PayerAccount.name, func.count(), *queries.age_buckets(owed, day_to))
             .join(PayerAccount, PayerAccount.id == Invoice.payer_id)
             .where(Invoice.local_day <= day_to, Invoice.state.in_((InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)),
                    owed > 0)
             .group_by(PayerAccount.id, PayerAccount.name).order_by(PayerAccount.name))
    if payer_id is not None:
        query = query.where(Invoice.payer_id == payer_id)
    rows = [(name, int(n), *(int(v) for v in buckets), sum(int(v) for v in buckets))
            for name, n, *buckets in s.execute(query)]
    columns = (Column("payer", "Payer"), Column("invoices", "Invoices", Kind.COUNT),
               Column("days_0_30", "0-30 days", Kind.MONEY), Column("days_31_60", "31-60 days", Kind.MONEY),
               Column("days_61_90", "61-90 days", Kind.MONEY), Column("days_over_90", "Over 90 days", Kind.MONEY),
               Column("total", "Total owed", Kind.MONEY))
    return columns, tuple(rows), totals(rows), "payer", ("total",)


BUILDERS = {
    "revenue-by-week": revenue_by_week,
    "revenue-by-month": revenue_by_month,
    "revenue-by-service": revenue_by_service,
    "revenue-by-payer": revenue_by_payer,
    "shift-closures": shift_closures,
    "outstanding-by-payer": outstanding_by_payer,
}
