"""``hms report NAME --from DATE --to DATE [--doctor ...] --format csv|xlsx|pdf --out FILE``: any
report as CSV (plain numbers, money in decimals of the currency named in the header, ISO days),
XLSX (the same figures as numbers and dates, with the report's chart) or PDF, for a nightly export
from a scheduler."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .bootstrap import Services
from .services.errors import NotFound, ValidationError
from .services.reports.catalogue import REPORTS


def add_report_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    names = "\n".join(f"  {r.name:<20} {r.title}{' (money)' if r.money else ''}" for r in REPORTS)
    report = sub.add_parser(
        "report", help="write a report as CSV, XLSX or PDF",
        description=f"Write one report over the clinic's days FROM to TO (both included).\n\nReports:\n{names}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    report.add_argument("name", metavar="NAME", choices=[r.name for r in REPORTS], help="which report (see above)")
    report.add_argument("--from", dest="day_from", required=True, type=_day, metavar="DATE", help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="day_to", required=True, type=_day, metavar="DATE", help="last day, YYYY-MM-DD")
    report.add_argument("--doctor", metavar="ID_OR_NAME", help="only this doctor's figures (appointments, revenue)")
    report.add_argument("--format", dest="fmt", choices=["csv", "xlsx", "pdf"], default="csv")
    report.add_argument("--out", required=True, metavar="FILE", help="the file to write ('-' for CSV on stdout)")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2030-01-31") from None


def _doctor_id(services: Services, given: str | None) -> int | None:
    if given is None:
        return None
    if given.isdigit():
        return int(given)
    found = services.doctors.search(given, include_inactive=True)
    exact = [d for d in found if d.full_name.casefold() == given.casefold()]
    matches = exact or found
    if len(matches) != 1:
        names = ", ".join(d.full_name for d in matches[:5])
        raise NotFound(f"No doctor is called {given!r}." if not matches
                       else f"{given!r} could be {names}: give the doctor's id or full name.")
    return matches[0].id


def run_report_command(services: Services, args: argparse.Namespace) -> int:
    doctor_id = _doctor_id(services, args.doctor)
    if args.fmt in ("pdf", "xlsx"):
        if args.out == "-":
            raise ValidationError({"out": f"A{'n' if args.fmt == 'xlsx' else ''} {args.fmt.upper()} needs a file name."})
        if args.fmt == "pdf":
            data = services.reports.report_pdf(args.name, args.day_from, args.day_to, doctor_id=doctor_id)
        else:
            from .services.reports import to_xlsx

            data = to_xlsx(services.reports.run(args.name, args.day_from, args.day_to, doctor_id=doctor_id))
        Path(args.out).write_bytes(data)
        print(f"Wrote the {args.name} report for {args.day_from} to {args.day_to} to {args.out} "
              f"({len(data):,} bytes)")
        return 0
    from .services.reports import to_csv

    table = services.reports.run(args.name, args.day_from, args.day_to, doctor_id=doctor_id)
    text = to_csv(table)
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8", newline="")
    print(f"Wrote the {args.name} report for {args.day_from} to {args.day_to} to {args.out} ({len(table.rows)} rows)")
    return 0
