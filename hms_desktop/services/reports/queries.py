"""The reports' SQL: every figure is a grouped aggregate over indexed ``local_day`` columns (the
clinic's day, stored with each row), so a year of a busy clinic is summed by the database, not by
loading rows. The same statements run on SQLite and PostgreSQL; nothing here writes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Subquery, and_, case, func, select
from sqlalchemy.orm import Session

from ...models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CreditNote,
    Doctor,
    DoctorSpecialty,
    Invoice,
    InvoiceState,
    Patient,
    Payment,
    PaymentMethod,
    Refund,
    StaffAccount,
)
from .sql_time import no_index

# Revenue is what was issued: drafts are not yet bills and a void invoice never was one.
BILLED = (InvoiceState.ISSUED, InvoiceState.PARTLY_PAID, InvoiceState.PAID)
CLOSED_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.REJECTED)
OPEN_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.CHECKED_IN,
                 AppointmentStatus.WITH_DOCTOR)
# Every appointment is completed, cancelled (or rejected), a no-show or still open: the appointment
# reports count the open ones as what is left of the booked.
EVERY_STATUS = {AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW, *CLOSED_STATUSES, *OPEN_STATUSES}
if EVERY_STATUS != set(AppointmentStatus):
    raise RuntimeError("A new appointment status: say in reports/queries.py which count it belongs to.")


def billed() -> ColumnElement[bool]:
    """The invoice is revenue. Kept from choosing an index on SQLite, which would take (state,
    local_day) for it and sort a year's invoices by day; the day-led ix_invoices_day_figures hands
    them out in day order with every amount (PostgreSQL chooses well unaided)."""
    return no_index(Invoice.state).in_(BILLED)


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))  # the rows it holds for; 0, not NULL, when none


def sum_of(column: ColumnElement[int]) -> ColumnElement[int]:
    return func.coalesce(func.sum(column), 0)


def in_specialty(doctor: ColumnElement[int], specialty_id: int) -> ColumnElement[bool]:
    """``doctor`` is one of the specialty's doctors (a doctor may have several)."""
    return doctor.in_(select(DoctorSpecialty.doctor_id).where(DoctorSpecialty.specialty_id == specialty_id))


# The counts the appointment reports give, in this order: booked, completed, cancelled (or
# rejected), no-show, walk-ins, still open.
APPOINTMENT_FIGURES = ("booked", "completed", "cancelled", "no_show", "walk_ins", "still_open")


def appointment_counts_per_doctor(day_from: date, day_to: date, doctor_id: int | None,
                                  specialty_id: int | None = None) -> Subquery:
    """doctor_id and APPOINTMENT_FIGURES per doctor with appointments in the period. Counted per
    day and doctor first, in the order of the index that holds them (no sort of a year's rows),
    then summed per doctor over those few rows."""
    status = Appointment.status
    per_day = (select(Appointment.doctor_id, func.count().label("booked"),
                      count_if(status == AppointmentStatus.COMPLETED).label("completed"),
                      count_if(status.in_(CLOSED_STATUSES)).label("cancelled"),
                      count_if(status == AppointmentStatus.NO_SHOW).label("no_show"),
                      count_if(Appointment.kind == AppointmentKind.WALK_IN).label("walk_ins"))
               .where(Appointment.local_day >= day_from, Appointment.local_day <= day_to)
               .group_by(Appointment.local_day, Appointment.doctor_id))
    if doctor_id is not None:
        per_day = per_day.where(Appointment.doctor_id == doctor_id)
    if specialty_id is not None:
        per_day = per_day.where(in_specialty(Appointment.doctor_id, specialty_id))
    days = per_day.subquery()
    counted = [func.sum(days.c[key]).label(key) for key in APPOINTMENT_FIGURES[:-1]]
    # The open ones are what is left of the booked (see EVERY_STATUS): one test fewer per appointment.
    left = func.sum(days.c.booked - days.c.completed - days.c.cancelled - days.c.no_show).label("still_open")
    return select(days.c.doctor_id, *counted, left).group_by(days.c.doctor_id).subquery()


def appointments_by_doctor(s: Session, day_from: date, day_to: date, doctor_id: int | None,
                           specialty_id: int | None = None) -> list[tuple[str, int, int, int, int, int, int]]:
    """(doctor, booked, completed, cancelled, no-show, walk-ins, still open) per doctor."""
    per_doctor = appointment_counts_per_doctor(day_from, day_to, doctor_id, specialty_id)
    query = (select(Doctor.full_name, *(per_doctor.c[key] for key in APPOINTMENT_FIGURES))
             .join(Doctor, Doctor.id == per_doctor.c.doctor_id).order_by(Doctor.full_name, Doctor.id))
    return [tuple(int(v) if i else v for i, v in enumerate(row)) for row in s.execute(query)]  # type: ignore[misc]


def appointments_by_day(s: Session, day_from: date, day_to: date, doctor_id: int | None,
                        specialty_id: int | None = None) -> dict[date, tuple[int, int, int, int, int]]:
    """day -> (booked, completed, cancelled, no-show, still open)."""
    status = Appointment.status
    query = (select(Appointment.local_day, func.count(), count_if(status == AppointmentStatus.COMPLETED),
                    count_if(status.in_(CLOSED_STATUSES)), count_if(status == AppointmentStatus.NO_SHOW),
                    count_if(status.in_(OPEN_STATUSES)))
             .where(Appointment.local_day >= day_from, Appointment.local_day <= day_to)
             .group_by(Appointment.local_day))
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    if specialty_id is not None:
        query = query.where(in_specialty(Appointment.doctor_id, specialty_id))
    return {row[0]: tuple(int(v) for v in row[1:]) for row in s.execute(query)}  # type: ignore[misc]


def clinic_instants(day_from: date, day_to: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants the clinic's days begin and end at (a DST day is 23 or 25 hours long)."""
    start = datetime.combine(day_from, time(0), tzinfo=zone)
    end = datetime.combine(day_to + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def seen_in(day_from: date, day_to: date, doctor_id: int | None) -> ColumnElement[bool]:
    """The patient had an appointment in the period that was not cancelled (with the doctor, when
    given): one probe of ix_appointments_patient_day per patient, stopping at the first such
    appointment, instead of collecting a year's visits to find the few thousand patients."""
    query = (select(Appointment.id).where(Appointment.patient_id == Patient.id, Appointment.local_day >= day_from,
                                          Appointment.local_day <= day_to, Appointment.status.not_in(CLOSED_STATUSES)))
    if doctor_id is not None:
        query = query.where(Appointment.doctor_id == doctor_id)
    return query.exists()


def patients_new_and_returning(s: Session, day_from: date, day_to: date,
                               zone: ZoneInfo) -> tuple[dict[str, int], int]:
    """New patients by sex (registered on the clinic's days in the period), and returning ones:
    registered before the period, with an appointment in it that was not cancelled."""
    start, end = clinic_instants(day_from, day_to, zone)
    new = {sex: int(n) for sex, n in s.execute(
        select(Patient.sex, func.count()).where(Patient.created_at >= start, Patient.created_at < end)
        .group_by(Patient.sex))}
    returning = s.scalar(select(func.count()).select_from(Patient)
                         .where(Patient.created_at < start, seen_in(day_from, day_to, None)))
    return new, int(returning or 0)


def revenue_by_day(s: Session, day_from: date, day_to: date,
                   doctor_id: int | None) -> dict[date, list[int]]:
    """day -> [invoices, invoiced, discounts, credit notes, collected, refunds]."""
    days: dict[date, list[int]] = {}

    def add(rows, offset: int) -> None:  # type: ignore[no-untyped-def]
        for day, *figures in rows:
            target = days.setdefault(day, [0] * 6)
            for i, value in enumerate(figures):
                target[offset + i] = int(value)

    invoices = (select(Invoice.local_day, func.count(), sum_of(Invoice.total), sum_of(Invoice.discount))
                .where(Invoice.local_day >= day_from, Invoice.local_day <= day_to, billed())
                .group_by(Invoice.local_day))
    credits = (select(CreditNote.local_day, sum_of(CreditNote.amount)).join(Invoice, Invoice.id == CreditNote.invoice_id)
               .where(CreditNote.local_day >= day_from, CreditNote.local_day <= day_to)
               .group_by(CreditNote.local_day))
    # "Advance applied" moves credit already counted when the advance was paid: not new money.
    payments = (select(Payment.local_day, sum_of(Payment.amount))
                .where(Payment.local_day >= day_from, Payment.local_day <= day_to,
                       Payment.method != PaymentMethod.CREDIT).group_by(Payment.local_day))
    refunds = (select(Refund.local_day, sum_of(Refund.amount))
               .where(Refund.local_day >= day_from, Refund.local_day <= day_to).group_by(Refund.local_day))
    if doctor_id is not None:
        invoices = invoices.where(Invoice.doctor_id == doctor_id)
        credits = credits.where(Invoice.doctor_id == doctor_id)
        payments = payments.join(Invoice, Invoice.id == Payment.invoice_id).where(Invoice.doctor_id == doctor_id)
        refunds = refunds.join(Invoice, Invoice.id == Refund.invoice_id).where(Invoice.doctor_id == doctor_id)
    add(s.execute(invoices), 0)
    add(s.execute(credits), 3)
    add(s.execute(payments), 4)
    add(s.execute(refunds), 5)
    return days


def revenue_by_doctor(s: Session, day_from: date, day_to: date, doctor_id: int | None,
                      specialty_id: int | None = None) -> list[tuple[str, int, int, int, int, int, int]]:
    """(doctor, invoices, invoiced, discounts, credited, kept, still owed) over invoices of the period."""
    # Summed per day, state and doctor in the order of the day-led index (the columns as stored:
    # no arithmetic per invoice), then per doctor; what was kept and what is owed follow from the sums.
    per_day = (select(Invoice.doctor_id, func.count().label("n"), func.sum(Invoice.total).label("total"),
                      func.sum(Invoice.discount).label("discount"), func.sum(Invoice.credited).label("credited"),
                      func.sum(Invoice.paid).label("paid"), func.sum(Invoice.refunded).label("refunded"))
               .where(Invoice.local_day >= day_from, Invoice.local_day <= day_to, billed())
               .group_by(Invoice.local_day, Invoice.state, Invoice.doctor_id))
    if doctor_id is not None:
        per_day = per_day.where(Invoice.doctor_id == doctor_id)
    if specialty_id is not None:
        per_day = per_day.where(in_specialty(Invoice.doctor_id, specialty_id))
    days = per_day.subquery()
    kept = func.sum(days.c.paid) - func.sum(days.c.refunded)
    per_doctor = (select(days.c.doctor_id, *(func.sum(days.c[k]).label(k) for k in ("n", "total", "discount", "credited")),
                         kept.label("kept"), (func.sum(days.c.total) - func.sum(days.c.credited) - kept).label("owed"))
                  .group_by(days.c.doctor_id).subquery())
    query = (select(Doctor.full_name, *(per_doctor.c[k] for k in ("n", "total", "discount", "credited", "kept", "owed")))
             .select_from(per_doctor).outerjoin(Doctor, Doctor.id == per_doctor.c.doctor_id)
             .order_by(Doctor.full_name, Doctor.id))
    return [(row[0] or "No doctor", *(int(v) for v in row[1:])) for row in s.execute(query)]  # type: ignore[misc]


def _by_cashier(cashier_id: int | None) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """The conditions on payments and on refunds for one cashier's money (none for everyone's)."""
    if cashier_id is None:
        return [], []
    return [Payment.received_by_id == cashier_id], [Refund.refunded_by_id == cashier_id]


def collections_by_method(s: Session, day_from: date, day_to: date,
                          cashier_id: int | None = None) -> dict[str, list[int]]:
    """method -> [payments, received, refunds, refunded], of one cashier when ``cashier_id`` is given."""
    paid_by, refunded_by = _by_cashier(cashier_id)
    methods: dict[str, list[int]] = {}
    # Per day and method in the order of the day-led index, then per method.
    per_day = (select(Payment.method, func.count().label("n"), func.sum(Payment.amount).label("amount"))
               .where(Payment.local_day >= day_from, Payment.local_day <= day_to, *paid_by)
               .group_by(Payment.local_day, Payment.method).subquery())
    for method, count, total in s.execute(
            select(per_day.c.method, func.sum(per_day.c.n), func.sum(per_day.c.amount)).group_by(per_day.c.method)):
        methods.setdefault(method, [0, 0, 0, 0])[0:2] = [int(count), int(total)]
    for method, count, total in s.execute(
            select(Refund.method, func.count(), sum_of(Refund.amount))
            .where(Refund.local_day >= day_from, Refund.local_day <= day_to, *refunded_by).group_by(Refund.method)):
        methods.setdefault(method, [0, 0, 0, 0])[2:4] = [int(count), int(total)]
    return methods


def takings(s: Session, day_from: date, day_to: date,
            cashier_id: int | None = None) -> dict[tuple[date, str], list[int]]:
    """(day, cashier) -> [receipts, received, refunded]; advances applied are not takings."""
    paid_by, refunded_by = _by_cashier(cashier_id)
    out: dict[tuple[date, str], list[int]] = {}
    # Per day, method and cashier in the order of the day-led index, then per day and cashier.
    per_method = (select(Payment.local_day, Payment.received_by_id, func.count().label("n"),
                         func.sum(Payment.amount).label("amount"))
                  .where(Payment.local_day >= day_from, Payment.local_day <= day_to,
                         Payment.method != PaymentMethod.CREDIT, *paid_by)
                  .group_by(Payment.local_day, Payment.method, Payment.received_by_id).subquery())
    per_cashier = (select(per_method.c.local_day, per_method.c.received_by_id, func.sum(per_method.c.n).label("n"),
                          func.sum(per_method.c.amount).label("amount"))
                   .group_by(per_method.c.local_day, per_method.c.received_by_id).subquery())
    for day, name, count, total in s.execute(
            select(per_cashier.c.local_day, StaffAccount.full_name, per_cashier.c.n, per_cashier.c.amount)
            .select_from(per_cashier).outerjoin(StaffAccount, StaffAccount.id == per_cashier.c.received_by_id)):
        out.setdefault((day, name or "Command line"), [0, 0, 0])[0:2] = [int(count), int(total)]
    for day, name, total in s.execute(
            select(Refund.local_day, StaffAccount.full_name, sum_of(Refund.amount))
            .outerjoin(StaffAccount, StaffAccount.id == Refund.refunded_by_id)
            .where(Refund.local_day >= day_from, Refund.local_day <= day_to, *refunded_by)
            .group_by(Refund.local_day, StaffAccount.id, StaffAccount.full_name)):
        out.setdefault((day, name or "Command line"), [0, 0, 0])[2] = int(total)
    return out


def outstanding(s: Session, as_of: date) -> list[tuple[str, str, int, int, int, int]]:
    """(patient, MRN, owed 0-30, 31-60, 61-90, over 90 days) for invoices dated up to ``as_of``,
    aged from the invoice's day; the bucket edges are dates, so both databases compare the same."""
    owed = Invoice.total - Invoice.credited - (Invoice.paid - Invoice.refunded)
    query = (select(Patient.family_name, Patient.given_name, Patient.mrn, *age_buckets(owed, as_of))
             .join(Patient, Patient.id == Invoice.patient_id)
             .where(Invoice.local_day <= as_of, Invoice.state.in_((InvoiceState.ISSUED, InvoiceState.PARTLY_PAID)))
             .group_by(Patient.id, Patient.family_name, Patient.given_name, Patient.mrn)
             .having(func.sum(owed) > 0)
             .order_by(Patient.family_name, Patient.given_name, Patient.id))
    return [(f"{row[1]} {row[0]}".strip(), row[2], *(int(v) for v in row[3:])) for row in s.execute(query)]  # type: ignore[misc]


def age_buckets(owed: ColumnElement[int], as_of: date) -> list[ColumnElement[int]]:
    """``owed`` summed in four buckets by the invoice's age as of ``as_of``: 0-30, 31-60, 61-90 and
    over 90 days. The edges are dates worked out here, so both databases compare the same."""
    edges = [as_of - timedelta(days=d) for d in (30, 60, 90)]

    def bucket(newer: date | None, older: date | None) -> ColumnElement[int]:
        conditions = []
        if newer is not None:
            conditions.append(Invoice.local_day < newer)
        if older is not None:
            conditions.append(Invoice.local_day >= older)
        return sum_of(case((and_(*conditions), owed), else_=0))

    return [bucket(None, edges[0]), bucket(edges[0], edges[1]), bucket(edges[1], edges[2]), bucket(edges[2], None)]
