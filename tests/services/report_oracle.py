"""A second, independent way to the reports' figures: the raw rows read with plain SQL text (no
model, no report query) and summed in Python, the clinic's day worked out from each UTC instant
with zoneinfo. The reports' grouped SQL must agree with it on both databases."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

from hms_desktop.bootstrap import Services


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class Raw:
    appointments: list[dict[str, Any]]
    patients: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    refunds: list[dict[str, Any]]
    invoices: list[dict[str, Any]]
    doctors: dict[int, str]
    staff: dict[int, str]
    shifts: list[dict[str, Any]]


def load(svc: Services) -> Raw:
    with svc.db.engine.connect() as conn:
        def rows(sql: str) -> list[dict[str, Any]]:
            return [dict(r._mapping) for r in conn.execute(text(sql))]

        appointments = rows("SELECT id, patient_id, doctor_id, starts_at, ends_at, status, kind, arrived_at, "
                            "called_at, status_reason FROM appointments")
        for a in appointments:
            for key in ("starts_at", "ends_at", "arrived_at", "called_at"):
                a[key] = _aware(a[key])
        patients = rows("SELECT id, sex, date_of_birth, created_at FROM patients")
        for p in patients:
            p["created_at"] = _aware(p["created_at"])
            p["date_of_birth"] = _day(p["date_of_birth"])
        payments = rows("SELECT id, invoice_id, method, amount, received_at, received_by_id, shift_id FROM payments")
        for p in payments:
            p["received_at"] = _aware(p["received_at"])
        refunds = rows("SELECT id, invoice_id, method, amount, refunded_at, refunded_by_id FROM refunds")
        for r in refunds:
            r["refunded_at"] = _aware(r["refunded_at"])
        invoices = rows("SELECT id, patient_id, doctor_id, payer_id, state, total, discount, credited, paid, refunded, "
                        "payer_share, payer_paid, issued_at FROM invoices")
        for i in invoices:
            i["issued_at"] = _aware(i["issued_at"])
        doctors = {r["id"]: r["full_name"] for r in rows("SELECT id, full_name FROM doctors")}
        staff = {r["id"]: r["full_name"] for r in rows("SELECT id, full_name FROM staff_accounts")}
        shifts = rows("SELECT id, cashier_id, state, opened_at FROM cashier_shifts")
    return Raw(appointments, patients, payments, refunds, invoices, doctors, staff, shifts)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def appointment_day(a: dict[str, Any], zone: ZoneInfo) -> date:
    return local_day(a["starts_at"], zone)


def status_counts(raw: Raw, day: date, zone: ZoneInfo, doctor_id: int | None = None) -> Counter[str]:
    return Counter(a["status"] for a in raw.appointments
                   if appointment_day(a, zone) == day and doctor_id in (None, a["doctor_id"]))


def net_by_method(raw: Raw, day_from: date, day_to: date, zone: ZoneInfo) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for p in raw.payments:
        if day_from <= local_day(p["received_at"], zone) <= day_to and p["method"] != "credit":
            out[p["method"]] += p["amount"]
    for r in raw.refunds:
        if day_from <= local_day(r["refunded_at"], zone) <= day_to:
            out[r["method"]] -= r["amount"]
    return dict(out)


def new_patients(raw: Raw, day_from: date, day_to: date, zone: ZoneInfo) -> int:
    return sum(1 for p in raw.patients if day_from <= local_day(p["created_at"], zone) <= day_to)


def nearest_rank(values: list[int], share: float) -> int:
    """The smallest value with at least ``share`` of the values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * int(share * 100) // 100))
    return ordered[rank - 1]
