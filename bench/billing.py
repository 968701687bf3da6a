"""Billing at realistic sizes: a receipt PDF, the Billing tab's first rows and filtered searches over
1,000,000 invoices, and issuing invoices from several desks (separate processes) at once.

    python -m bench billing                         # both databases, 1,000,000 invoices
    python -m bench billing --db sqlite --invoices 200000 --rounds 50

Targets (issue 7): receipt PDF median under 30 ms; first rows and a filtered search under 50 ms
p95 on both databases; 8 writers issuing at least 200 invoices a second on PostgreSQL, with the
numbers gap-free afterwards.

The million invoices are bulk-loaded with plain INSERTs (not the services: that would take hours);
the timed calls are the real service calls the Billing tab and the desks make. The writers bill
in one step (``InvoiceService.issue_now``: invoice, lines and number in one transaction).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import logger, p95, scratch_database, scratch_environment, time_ms
from bench.patients import RESULTS_DIR, environment

BATCH = 20_000
TARGET_PDF_MS = 30.0
TARGET_LIST_MS = 50.0
TARGET_ISSUE_PER_S = 200.0


def build(url: str, invoices: int, patients: int, log) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from sqlalchemy import insert, select

    from hms_desktop.bootstrap import build_services
    from hms_desktop.models import DocumentCounter, Invoice, InvoiceLine, Patient
    from hms_desktop.services import migrations

    svc = build_services(url)
    migrations.upgrade(svc.db, backup=False)
    svc.staff.create_first_admin("admin", "Bench Admin", "Bench-pass-1")
    svc.auth.sign_in("admin", "Bench-pass-1")
    started = time.perf_counter()
    svc.demo.load_patients(patients, seed=7)
    log(f"{patients:,} patients in {time.perf_counter() - started:.1f} s")
    with svc.db.read() as s:
        patient_ids = list(s.scalars(select(Patient.id)))
    rng = random.Random(11)
    today = date.today()
    first = today - timedelta(days=730)
    started = time.perf_counter()
    # Numbered in day order, as a clinic issues them; ids follow.
    days = sorted(first + timedelta(days=rng.randrange(730)) for _ in range(invoices))
    per_year: dict[int, int] = {}
    states = ("paid",) * 7 + ("partly_paid", "issued", "void")
    written = 0
    while written < invoices:
        chunk = []
        lines = []
        for day in days[written:written + BATCH]:
            per_year[day.year] = per_year.get(day.year, 0) + 1
            total = rng.choice((30000, 50000, 80000, 120000, 45050))
            state = rng.choice(states)
            paid = total if state == "paid" else total // 2 if state == "partly_paid" else 0
            chunk.append(dict(number=f"INV-{day.year}-{per_year[day.year]:06d}", patient_id=rng.choice(patient_ids),
                              state=state, local_day=day, subtotal=total, discount=0, tax=0, total=total,
                              payer_share=0, paid=paid, payer_paid=0, refunded=0, credited=0, notes="",
                              void_reason="mistake" if state == "void" else "", claim_reference="",
                              created_at=_utc(day), issued_at=_utc(day), version=1))
        with svc.db.write() as s:
            s.execute(insert(Invoice), chunk)
            ids = s.scalars(select(Invoice.id).order_by(Invoice.id.desc()).limit(len(chunk))).all()
            for invoice_id, row in zip(sorted(ids), chunk, strict=True):
                lines.append(dict(invoice_id=invoice_id, position=1, kind="consultation", code="CONSULT",
                                  description="Consultation", quantity=1, unit_price=row["total"], tax_rate_bp=0,
                                  tax_inclusive=False, discount_bp=0, discount_minor=0, discount_reason="", note="",
                                  gross=row["total"], discount=0, net=row["total"], tax=0, total=row["total"]))
            s.execute(insert(InvoiceLine), lines)
        written += len(chunk)
        log(f"{written:,} invoices")
    with svc.db.write() as s:
        for year, value in per_year.items():
            s.add(DocumentCounter(series="INV", year=year, last_value=value))
    log(f"{invoices:,} invoices bulk-loaded in {time.perf_counter() - started:.1f} s")
    svc.close()
    return {"patients": patients, "invoices": invoices, "first_day": first, "today": today}


def _utc(day: date):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime
    from datetime import time as t

    return datetime.combine(day, t(6, 0), UTC)


def measure_reads(url: str, rounds: int, facts: dict[str, Any], log) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    from hms_desktop.bootstrap import build_services
    from hms_desktop.services.billing import InvoiceFilter, LineInput
    from hms_desktop.services.documents import Paper

    svc = build_services(url)
    svc.auth.sign_in("admin", "Bench-pass-1")
    rng = random.Random(5)
    with svc.db.read() as s:
        from sqlalchemy import func, select

        from hms_desktop.models import Invoice, Patient

        numbers = s.scalars(select(Invoice.number).order_by(func.random()).limit(rounds)).all()
        family = s.scalars(select(Patient.family_name).order_by(func.random()).limit(rounds)).all()
    today = facts["today"]
    kinds = {
        "first page (100 rows)": lambda i: svc.invoices.page(InvoiceFilter(), limit=100),
        "next page": lambda i: svc.invoices.page(InvoiceFilter(), after=first.next_after, limit=100),
        "unpaid this month": lambda i: svc.invoices.page(InvoiceFilter(
            day_from=today - timedelta(days=30), day_to=today, states=("issued", "partly_paid")), limit=100),
        "by invoice number": lambda i: svc.invoices.page(InvoiceFilter(text=numbers[i % len(numbers)]), limit=100),
        "by patient name": lambda i: svc.invoices.page(InvoiceFilter(text=family[i % len(family)][:4]), limit=100),
        "a day, all states": lambda i: svc.invoices.page(InvoiceFilter(
            day_from=today - timedelta(days=i % 300), day_to=today - timedelta(days=i % 300)), limit=100),
    }
    first = svc.invoices.page(InvoiceFilter(), limit=100)
    results = []
    for name, call in kinds.items():
        call(0)  # warm
        samples = []
        rows = []
        for i in range(rounds):
            ms, page = time_ms(lambda i=i, call=call: call(i))
            samples.append(ms)
            rows.append(len(page.rows))
        results.append({"what": name, "median_ms": statistics.median(samples), "p95_ms": p95(samples),
                        "rows": statistics.median(rows), "target_ms": TARGET_LIST_MS})
        log(f"{name}: median {statistics.median(samples):.1f} ms, p95 {p95(samples):.1f} ms")
    # A receipt, as the desk prints it: issue, pay, then the first print (render + archive) and a reprint.
    svc.shifts.open(0)
    patient = rng.randint(1, facts["patients"])
    firsts, copies = [], []
    for _ in range(max(10, rounds // 5)):
        draft = svc.invoices.start(patient)
        draft = svc.invoices.save_draft(draft.id, draft.version, [LineInput("Consultation", 1, 50000),
                                                                  LineInput("ECG", 1, 30000, tax_rate_bp=1800)])
        invoice = svc.invoices.issue(draft.id, draft.version)
        receipt = svc.payments.pay(invoice.id, "cash", invoice.total, tendered=invoice.total + 1000)
        ms, _ = time_ms(lambda r=receipt: svc.billing_documents.receipt_pdf(r.receipt_number, Paper.ROLL_80MM))
        firsts.append(ms)
        ms, _ = time_ms(lambda r=receipt: svc.billing_documents.receipt_pdf(r.receipt_number, Paper.ROLL_80MM))
        copies.append(ms)
    results.append({"what": "receipt PDF, 80 mm, first print (render + archive)", "median_ms": statistics.median(firsts),
                    "p95_ms": p95(firsts), "rows": 1, "target_ms": TARGET_PDF_MS})
    results.append({"what": "receipt PDF, reprint (COPY)", "median_ms": statistics.median(copies),
                    "p95_ms": p95(copies), "rows": 1, "target_ms": None})
    svc.close()
    return results


def _writer(url: str, username: str, count: int, patients: int, barrier, out) -> None:  # type: ignore[no-untyped-def]
    from bench.common import RoundTrips
    from hms_desktop.bootstrap import build_services
    from hms_desktop.services.billing import LineInput

    svc = build_services(url, pool_size=2)
    try:
        svc.auth.sign_in(username, "Bench-pass-1")
        rng = random.Random(username)
        barrier.wait(timeout=120)
        trips = RoundTrips(svc.db.engine)
        started, cpu = time.perf_counter(), time.process_time()
        numbers = []
        for _ in range(count):
            invoice = svc.invoices.issue_now(rng.randint(1, patients), [LineInput("Consultation", 1, 50000)])
            numbers.append(invoice.number)
        trips.close()
        out.put((time.perf_counter() - started, numbers, time.process_time() - cpu, trips.snapshot()))
    except BaseException as exc:
        out.put((0.0, [], 0.0, {"error": repr(exc)}))
        raise
    finally:
        svc.close()


def measure_writers(url: str, writers: int, each: int, patients: int, log) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """``writers`` processes issuing ``each`` invoices at once; numbers checked gap-free, with the
    client CPU, statements and round trips per invoice (bench/common.py RoundTrips)."""
    from hms_desktop.bootstrap import build_services

    svc = build_services(url)
    svc.auth.sign_in("admin", "Bench-pass-1")
    taken = {a.username for a in svc.staff.list()}
    for i in range(writers):
        if f"desk{i}" not in taken:
            svc.staff.add(f"desk{i}", f"Desk {i}", "receptionist", "Bench-pass-1")
    svc.close()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(url, f"desk{i}", each, patients, barrier, out)) for i in range(writers)]
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
    failures = [r[3]["error"] for r in results if "error" in r[3]]
    if failures:
        raise RuntimeError(f"a writer failed: {failures[0]}")
    slowest = max(r[0] for r in results)
    numbers = [n for r in results for n in r[1]]
    by_year: dict[str, list[int]] = {}
    for n in numbers:
        _, year, serial = n.split("-")
        by_year.setdefault(year, []).append(int(serial))
    gap_free = True
    for serials in by_year.values():
        serials.sort()
        gap_free &= serials == list(range(serials[0], serials[0] + len(serials)))
    rate = len(numbers) / slowest
    issued = max(1, len(numbers))
    cpu_ms = 1000 * sum(r[2] for r in results) / issued
    statements = sum(r[3]["statements"] for r in results) / issued
    trips = sum(r[3]["round_trips"] for r in results) / issued
    kinds: dict[str, float] = {}
    for r in results:
        for kind, n in r[3]["kinds"].items():
            kinds[kind] = kinds.get(kind, 0) + n / issued
    log(f"{writers} writers issued {len(numbers):,} invoices in {slowest:.2f} s: {rate:.0f}/s, "
        f"{'gap-free' if gap_free and len(set(numbers)) == len(numbers) else 'NOT gap-free'}; per invoice: "
        f"client CPU {cpu_ms:.2f} ms, {statements:.1f} statements, {trips:.1f} round trips")
    return {"writers": writers, "invoices": len(numbers), "seconds": slowest, "per_s": rate,
            "gap_free": gap_free and len(set(numbers)) == len(numbers), "target_per_s": TARGET_ISSUE_PER_S,
            "client_cpu_ms_per_invoice": cpu_ms, "statements_per_invoice": statements,
            "round_trips_per_invoice": trips, "round_trips_by_kind": {k: round(v, 2) for k, v in sorted(kinds.items())}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench billing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--invoices", type=int, default=1_000_000, metavar="N", help="bulk-loaded invoices")
    parser.add_argument("--patients", type=int, default=20_000, metavar="N")
    parser.add_argument("--rounds", type=int, default=100, metavar="N", help="timed calls per kind (default 100)")
    parser.add_argument("--writers", type=int, default=8, metavar="N", help="desks issuing at once (default 8)")
    parser.add_argument("--each", type=int, default=60, metavar="N", help="invoices each writer issues")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--output", metavar="FILE", help="results JSON (default bench/results/billing-<time>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = scratch_environment("hms-bench-billing-")
    failed = False
    started = datetime.now()
    report: dict[str, Any] = {"bench": "billing", "started": started.isoformat(timespec="seconds"),
                              "environment": environment(), "load_average": os.getloadavg(),
                              "arguments": vars(args), "databases": {}}
    for kind in (("sqlite", "postgresql") if args.db == "both" else (args.db,)):
        log = logger(f"billing {kind}")
        with scratch_database(kind, scratch, args.server, "billing") as (url, throwaway):
            facts = build(url, args.invoices, args.patients, log)
            if throwaway is not None:
                throwaway.vacuum_analyze()
            reads = measure_reads(url, args.rounds, facts, log)
            writes = measure_writers(url, args.writers, args.each, args.patients, log) if kind == "postgresql" else None
        report["databases"][kind] = {"reads": reads, "writers": writes}
        print(f"\nBilling on {kind}: {args.invoices:,} invoices, {args.patients:,} patients")
        print(f"  {'what':<52} {'median ms':>10} {'p95 ms':>8} {'rows':>6}  target")
        for r in reads:
            target = r["target_ms"]
            measured = r["median_ms"] if "PDF" in r["what"] else r["p95_ms"]
            verdict = "" if target is None else ("ok" if measured < target else "MISSED")
            failed |= verdict == "MISSED"
            print(f"  {r['what']:<52} {r['median_ms']:>10.1f} {r['p95_ms']:>8.1f} {r['rows']:>6.0f}  "
                  f"{'' if target is None else f'< {target:.0f} ms '}{verdict}")
        if writes:
            ok = writes["per_s"] >= TARGET_ISSUE_PER_S and writes["gap_free"]
            failed |= not ok
            print(f"  {writes['writers']} writer processes issued {writes['invoices']:,} invoices: "
                  f"{writes['per_s']:.0f}/s (target >= {TARGET_ISSUE_PER_S:.0f}/s), "
                  f"{'gap-free' if writes['gap_free'] else 'NOT gap-free'}  {'ok' if ok else 'MISSED'}")
            print(f"    per invoice: client CPU {writes['client_cpu_ms_per_invoice']:.2f} ms, "
                  f"{writes['statements_per_invoice']:.1f} statements, {writes['round_trips_per_invoice']:.1f} "
                  "round trips (bench/common.py RoundTrips)")
    output = Path(args.output) if args.output else RESULTS_DIR / f"billing-{started:%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"\nResults: {output}")
    return 1 if failed else 0
