"""The dashboard: today at a glance and the last 30 days, in one read. Who sees what is decided
here, not by the screen: money figures only with REPORTS_MONEY, and a doctor with REPORTS_VIEW_OWN
gets their own appointments and queue only (no clinic-wide patients, shifts or takings)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from ...models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CashierShift,
    Doctor,
    Patient,
    PaymentMethod,
    ShiftState,
    StaffAccount,
    UTCDateTime,
)
from ..billing.common import Terms
from . import queries
from .builders import build_table
from .catalogue import BY_NAME
from .records import ReportTable

DAYS = 30
WAITING, WITH_DOCTOR = AppointmentStatus.CHECKED_IN, AppointmentStatus.WITH_DOCTOR
TO_COME = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True)
class DoctorQueue:
    doctor_id: int
    doctor: str
    waiting: int  # checked in, not yet called
    with_doctor: int
    seen: int  # completed today
    longest_wait_minutes: int | None  # of those waiting, since they checked in
    to_come: int = 0  # booked for today (requested or confirmed), not arrived yet


@dataclass(frozen=True)
class OpenShift:
    cashier: str
    opened_at: datetime  # in the clinic's zone


@dataclass(frozen=True)
class Dashboard:
    """What one person may see of today and the last 30 days. A figure they may not see is None
    (money for anyone without REPORTS_MONEY; clinic-wide figures for a doctor)."""

    today: date
    as_of: datetime  # in the clinic's zone
    scope: str  # "" for the whole clinic, else "Dr Priya Nair" (a doctor's own figures)
    by_status: tuple[tuple[str, int], ...]  # (status value, count) of today's appointments, every status
    walk_ins_waiting: int
    longest_wait_minutes: int | None
    queues: tuple[DoctorQueue, ...]
    no_shows: int
    new_patients: int | None
    takings: tuple[tuple[str, int], ...] | None  # (method label, net received today), minor units
    open_shifts: tuple[OpenShift, ...] | None
    appointments_per_day: ReportTable  # the last 30 days, stacked by status
    no_show_rate: ReportTable  # per doctor over the last 30 days
    revenue_per_day: ReportTable | None
    currency: str
    locale: str

    @property
    def appointments(self) -> int:
        return sum(n for _s, n in self.by_status)

    @property
    def takings_total(self) -> int | None:
        return None if self.takings is None else sum(v for _m, v in self.takings)


def _minutes(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds()) // 60)


def _queues(s: Session, today: date, doctor_id: int | None, now: datetime) -> list[DoctorQueue]:
    status = Appointment.status
    query = (select(Doctor.id, Doctor.full_name, queries.count_if(status == WAITING),
                    queries.count_if(status == WITH_DOCTOR),
                    queries.count_if(status == AppointmentStatus.COMPLETED),
                    queries.count_if(status.in_(TO_COME)),
                    # Typed, so SQLite's text comes back as an aware datetime like PostgreSQL's.
                    type_coerce(func.min(case((status == WAITING, Appointment.arrived_at), else_=None)),
                                UTCDateTime))
             .join(Doctor, Doctor.id == Appointment.doctor_id)
             # Every doctor with someone still to come, waiting or seen today: the desk sees the
             # morning's list before the first arrival, not an empty table.
             .where(Appointment.local_day == today,
                    status.in_((WAITING, WITH_DOCTOR, AppointmentStatus.COMPLETED, *TO_COME)))
             .group_by(Doctor.id, Doctor.full_name).order_by(Doctor.full_name, Doctor.id))
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    out = []
    for did, name, waiting, with_doctor, seen, to_come, first_arrival in s.execute(query):
        out.append(DoctorQueue(did, name, int(waiting), int(with_doctor), int(seen),
                               _minutes(now, first_arrival) if int(waiting) else None, int(to_come)))
    return out


def read_dashboard(s: Session, t: Terms, now: datetime, *, doctor_id: int | None, money: bool,
                   scope: str) -> Dashboard:
    """The dashboard as of ``now``, read in the caller's unit; ``doctor_id`` limits every figure to
    that doctor (and leaves out the clinic-wide ones), ``money`` adds the money figures."""
    local_now = now.astimezone(t.zone)
    today = local_now.date()
    status_query = (select(Appointment.status, func.count()).where(Appointment.local_day == today)
                    .group_by(Appointment.status))
    walk_in_query = (select(func.count()).select_from(Appointment)
                     .where(Appointment.local_day == today, Appointment.status == WAITING,
                            Appointment.kind == AppointmentKind.WALK_IN))
    if doctor_id is not None:
        status_query = status_query.where(Appointment.doctor_id == doctor_id)
        walk_in_query = walk_in_query.where(Appointment.doctor_id == doctor_id)
    found = {status: int(n) for status, n in s.execute(status_query)}
    by_status = tuple((str(st), found.get(st, 0)) for st in AppointmentStatus)
    walk_ins = s.scalar(walk_in_query) or 0
    queues = _queues(s, today, doctor_id, now)
    waits = [q.longest_wait_minutes for q in queues if q.longest_wait_minutes is not None]

    new_patients = None
    open_shifts = None
    if doctor_id is None:
        start, end = queries.clinic_instants(today, today, t.zone)
        new_patients = int(s.scalar(select(func.count()).select_from(Patient)
                                    .where(Patient.created_at >= start, Patient.created_at < end)) or 0)
        open_shifts = tuple(
            OpenShift(name or "Command line", opened.astimezone(t.zone)) for name, opened in s.execute(
                select(StaffAccount.full_name, CashierShift.opened_at)
                .outerjoin(StaffAccount, StaffAccount.id == CashierShift.cashier_id)
                .where(CashierShift.state == ShiftState.OPEN).order_by(CashierShift.opened_at, CashierShift.id)))
    takings = None
    revenue = None
    first = today - timedelta(days=DAYS - 1)
    if money:
        methods = queries.collections_by_method(s, today, today)
        # "Advance applied" is money counted when the advance was paid, not taken today.
        takings = tuple((m.label, methods[m][1] - methods[m][3]) for m in PaymentMethod
                        if m in methods and m is not PaymentMethod.CREDIT)
        revenue = build_table(s, t, BY_NAME["revenue"], first, today, doctor_id)
        revenue = dataclasses.replace(revenue, title="Revenue per day", chart_values=("net",))
    per_day = build_table(s, t, BY_NAME["appointments-daily"], first, today, doctor_id)
    per_doctor = build_table(s, t, BY_NAME["appointments"], first, today, doctor_id)
    per_doctor = dataclasses.replace(per_doctor, title="No-show rate per doctor", chart_values=("no_show_rate",))
    return Dashboard(
        today=today, as_of=local_now, scope=scope, by_status=by_status, walk_ins_waiting=int(walk_ins),
        longest_wait_minutes=max(waits) if waits else None, queues=tuple(queues),
        no_shows=found.get(AppointmentStatus.NO_SHOW, 0), new_patients=new_patients, takings=takings,
        open_shifts=open_shifts, appointments_per_day=per_day, no_show_rate=per_doctor, revenue_per_day=revenue,
        currency=t.currency, locale=t.locale)
