"""Reports and the dashboard over a year of a busy clinic.

    python -m bench reports                                  # both databases, the issue's sizes
    python -m bench reports --db sqlite --appointments 200000 --payments 200000 --doctors 50

Targets (issue 9): each report over one year (1,000,000 appointments, 1,000,000 payments, 200
doctors) under 1 s on both databases; the dashboard's first read under 300 ms.

Appointments come from the demo scheduler (bulk inserts); invoices and their payments are
bulk-loaded with plain INSERTs, one payment per invoice, spread over the year. The timed calls are
the real service calls the Reports and Dashboard tabs make: each one once (the first call, what a
person waits for on opening the tab) and then ``--rounds`` times warm, for the median and p95.
Results go to bench/results/reports-<time>.json (git-ignored); ``--keep`` keeps the databases built
and ``--reuse URL`` measures one again without building it:

    python -m bench reports --db sqlite --keep               # prints the kept database's URL
    python -m bench reports --reuse sqlite:////tmp/hms-bench-reports-.../reports.sqlite3
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from bench.common import logger, p95, scratch_database, scratch_environment, time_ms

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
    calls = [("dashboard", "dashboard (today and the last 30 days)", svc.reports.dashboard, TARGET_DASHBOARD_MS)]
    calls += [(info.name, f"{info.name} over a year", lambda name=info.name: svc.reports.run(name, first, today),
               TARGET_REPORT_MS) for info in REPORTS]
    out = []
    for key, what, call, target in calls:
        # The first call is the one a person waits for when they open the tab; it is kept apart
        # from the warm ones the median and p95 are taken over.
        first_ms, result = time_ms(call)
        samples = [time_ms(call)[0] for _ in range(rounds)]
        rows = len(result.rows) if hasattr(result, "rows") else len(result.queues)
        out.append({"key": key, "what": what, "first_ms": round(first_ms, 1),
                    "median_ms": round(statistics.median(samples), 1), "p95_ms": round(p95(samples), 1),
                    "samples_ms": [round(v, 1) for v in samples], "rows": rows, "target_ms": target})
        log(f"{key}: median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms")
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
    parser.add_argument("--rounds", type=int, default=5, metavar="N",
                        help="warm timed calls per report after the first (default 5)")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases built (printed at the end) to measure again with --reuse")
    parser.add_argument("--reuse", metavar="URL", action="append", default=[],
                        help="measure this database (one --keep built) instead of building one; may be repeated")
    parser.add_argument("--output", metavar="FILE", help="results JSON (default bench/results/reports-<time>.json)")
    return parser.parse_args(argv)


def _print(kind: str, args: argparse.Namespace, results: list[dict[str, Any]]) -> bool:
    print(f"\nReports on {kind}: {args.appointments:,} appointments, {args.payments:,} payments, "
          f"{args.doctors} doctors, over one year (load average {os.getloadavg()[0]:.1f})")
    print(f"  {'what':<48} {'first ms':>9} {'median ms':>10} {'p95 ms':>8} {'rows':>6}  target")
    missed = False
    for r in results:
        verdict = "ok" if r["median_ms"] < r["target_ms"] else "MISSED"
        missed |= verdict == "MISSED"
        print(f"  {r['what']:<48} {r['first_ms']:>9.0f} {r['median_ms']:>10.0f} {r['p95_ms']:>8.0f} {r['rows']:>6}  "
              f"< {r['target_ms']:.0f} ms {verdict}")
    return missed


def main(argv: list[str] | None = None) -> int:
    from bench.patients import RESULTS_DIR, environment

    args = parse_args(argv)
    started = datetime.now().astimezone()
    scratch = scratch_environment("hms-bench-reports-")
    report: dict[str, Any] = {"bench": "reports", "started": started.isoformat(timespec="seconds"),
                              "environment": environment(), "load_average_at_start": list(os.getloadavg()),
                              "sizes": {"appointments": args.appointments, "payments": args.payments,
                                        "doctors": args.doctors, "patients": args.patients},
                              "targets_ms": {"report": TARGET_REPORT_MS, "dashboard": TARGET_DASHBOARD_MS},
                              "rounds": args.rounds, "databases": {}}
    failed = False
    kept = []
    if args.reuse:
        runs = [("postgresql" if url.startswith("postgresql") else "sqlite", url) for url in args.reuse]
    else:
        runs = [(kind, None) for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,))]
    for kind, reused in runs:
        log = logger(f"reports {kind}")
        if reused:
            results = measure(reused, args.rounds, log)
        else:
            with scratch_database(kind, scratch, args.server, "reports", keep=args.keep) as (url, throwaway):
                build(url, args, log)
                if throwaway is not None:
                    throwaway.vacuum_analyze()
                results = measure(url, args.rounds, log)
                kept.append(url)
        failed |= _print(kind, args, results)
        report["databases"][kind] = {"url": reused or "built for this run", "load_average": list(os.getloadavg()),
                                     "timings": {r["key"]: {k: v for k, v in r.items() if k != "key"}
                                                 for r in results}}
    output = Path(args.output) if args.output else RESULTS_DIR / f"reports-{started:%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nResults: {output}")
    if args.keep:
        print("Kept, to measure again with --reuse: " + " ".join(kept))
    return 1 if failed else 0
