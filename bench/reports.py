"""Reports and the dashboard over a year of a busy clinic.

    python -m bench reports                                  # both databases, the issue's sizes
    python -m bench reports --db sqlite --appointments 200000 --payments 200000 --doctors 50

Targets (issue 9): each report over one year (1,000,000 appointments, 1,000,000 payments, 200
doctors) under 1 s on both databases; the dashboard's first read under 300 ms.

Appointments come from the demo scheduler (bulk inserts); invoices and their payments are
bulk-loaded with plain INSERTs, one payment per invoice, spread over the year. The timed calls are
the real service calls the Reports and Dashboard tabs make.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from bench.common import logger, scratch_database, scratch_environment, time_ms

BATCH = 20_000
TARGET_REPORT_MS = 1000.0
TARGET_DASHBOARD_MS = 300.0
METHODS = ("cash",) * 5 + ("card",) * 3 + ("upi",) * 2


def build(url: str, args: argparse.Namespace, log) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select

    from hms_desktop.bootstrap import build_services
    from hms_desktop.models import Doctor, Invoice, Patient, Payment, StaffAccount
    from hms_desktop.services import migrations

    svc = build_services(url)
    migrations.upgrade(svc.db, backup=False)
    svc.staff.create_first_admin("admin", "Bench Admin", "Bench-pass-1")
    svc.auth.sign_in("admin", "Bench-pass-1")
    started = time.perf_counter()
    svc.demo.load_patients(args.patients, seed=7)
    svc.demo_schedule.load(doctors=args.doctors, appointments=args.appointments, days=365, future_share=0.02)
    log(f"{args.patients:,} patients, {args.doctors} doctors, {args.appointments:,} appointments "
        f"in {time.perf_counter() - started:.1f} s")
    with svc.db.read() as s:
        patients = list(s.scalars(select(Patient.id)))
        doctors = list(s.scalars(select(Doctor.id)))
        cashier = s.scalar(select(StaffAccount.id))
    rng = random.Random(3)
    today = date.today()
    days = sorted(today - timedelta(days=rng.randrange(365)) for _ in range(args.payments))
    started = time.perf_counter()
    for first in range(0, args.payments, BATCH):
        chunk = days[first:first + BATCH]
        invoices, amounts = [], []
        for i, day in enumerate(chunk, start=first):
            total = rng.choice((30000, 50000, 80000, 120000, 45050))
            amounts.append(total)
            issued = datetime.combine(day, clock_time(6, 0), UTC)
            invoices.append(dict(number=f"INV-B-{i:07d}", patient_id=rng.choice(patients),
                                 doctor_id=rng.choice(doctors), state="paid", local_day=day, subtotal=total,
                                 discount=0, tax=0, total=total, payer_share=0, paid=total, payer_paid=0, refunded=0,
                                 credited=0, notes="", void_reason="", claim_reference="", created_at=issued,
                                 issued_at=issued, version=1))
        with svc.db.write() as s:
            s.execute(insert(Invoice), invoices)
            ids = sorted(s.scalars(select(Invoice.id).order_by(Invoice.id.desc()).limit(len(invoices))).all())
            s.execute(insert(Payment), [
                dict(receipt_number=f"RCT-B-{first + j:07d}", patient_id=row["patient_id"], invoice_id=invoice_id,
                     method=rng.choice(METHODS), amount=amount, reference="", refunded=0, applied=0,
                     received_at=row["issued_at"], local_day=row["local_day"], received_by_id=cashier, version=1)
                for j, (invoice_id, row, amount) in enumerate(zip(ids, invoices, amounts, strict=True))])
        log(f"{first + len(chunk):,} invoices and payments")
    log(f"{args.payments:,} invoices and payments bulk-loaded in {time.perf_counter() - started:.1f} s")
    svc.close()


def measure(url: str, rounds: int, log) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from hms_desktop.bootstrap import build_services
    from hms_desktop.services.reports import REPORTS

    svc = build_services(url)
    svc.auth.sign_in("admin", "Bench-pass-1")
    today = svc.scheduling.today()
    first = today - timedelta(days=364)
    out = []
    cold, _board = time_ms(svc.reports.dashboard)
    warm = [time_ms(svc.reports.dashboard)[0] for _ in range(rounds)]
    out.append({"what": "dashboard (today and the last 30 days)", "first_ms": cold,
                "median_ms": statistics.median(warm), "rows": 0, "target_ms": TARGET_DASHBOARD_MS})
    for info in REPORTS:
        samples, rows = [], 0
        for _ in range(rounds):
            ms, table = time_ms(lambda name=info.name: svc.reports.run(name, first, today))
            samples.append(ms)
            rows = len(table.rows)
        out.append({"what": f"{info.name} over a year", "first_ms": samples[0], "median_ms": statistics.median(samples),
                    "rows": rows, "target_ms": TARGET_REPORT_MS})
        log(f"{info.name}: {statistics.median(samples):.0f} ms")
    svc.close()
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--appointments", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--payments", type=int, default=1_000_000, metavar="N", help="invoices, each paid once")
    parser.add_argument("--doctors", type=int, default=200, metavar="N")
    parser.add_argument("--patients", type=int, default=50_000, metavar="N")
    parser.add_argument("--rounds", type=int, default=3, metavar="N", help="timed calls per report (default 3)")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = scratch_environment("hms-bench-reports-")
    failed = False
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        log = logger(f"reports {kind}")
        with scratch_database(kind, scratch, args.server, "reports") as (url, throwaway):
            build(url, args, log)
            if throwaway is not None:
                throwaway.vacuum_analyze()
            results = measure(url, args.rounds, log)
        print(f"\nReports on {kind}: {args.appointments:,} appointments, {args.payments:,} payments, "
              f"{args.doctors} doctors, over one year")
        print(f"  {'what':<48} {'first ms':>9} {'median ms':>10} {'rows':>6}  target")
        for r in results:
            verdict = "ok" if r["median_ms"] < r["target_ms"] else "MISSED"
            failed |= verdict == "MISSED"
            print(f"  {r['what']:<48} {r['first_ms']:>9.0f} {r['median_ms']:>10.0f} {r['rows']:>6}  "
                  f"< {r['target_ms']:.0f} ms {verdict}")
    return 1 if failed else 0
