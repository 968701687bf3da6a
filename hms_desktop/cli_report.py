"""``hms report NAME --from DATE --to DATE [--doctor, --specialty, --cashier, --payer, --item ...]
--format csv|xlsx|pdf --out FILE``: any
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
from .services.reports.records import FILTER_LABELS, FILTERS

FILTER_HELP = {"specialty": "only this specialty's doctors",
               "cashier": "only what this cashier took in or kept",
               "payer": "only this insurer or company", "item": "only this price-list item (code or name)"}


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
    for kind in FILTERS:
        takes = ", ".join(r.name for r in REPORTS if kind in r.takes)
        report.add_argument(f"--{kind}", metavar="ID_OR_NAME", help=f"{FILTER_HELP[kind]} ({takes})")
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
    found = [(d.id, d.full_name) for d in services.doctors.search(given, include_inactive=True)]
    return _one("doctor", given, found)


def _one(label: str, given: str, found: list[tuple[int, str]]) -> int:
    """The one of ``found`` (id, name) that ``given`` names: exactly, else as the only near match."""
    exact = [f for f in found if f[1].casefold() == given.casefold()]
    matches = exact or found
    if len(matches) != 1:
        names = ", ".join(name for _id, name in matches[:5])
        raise NotFound(f"No {label} is called {given!r}." if not matches
                       else f"{given!r} could be {names}: give the {label}'s id or full name.")
    return matches[0][0]


def _filter_ids(services: Services, args: argparse.Namespace) -> dict[str, int]:
    """--specialty, --cashier, --payer and --item as ids: a number is an id, else a name (or a part of one)."""
    given = {kind: getattr(args, kind) for kind in FILTERS if getattr(args, kind) is not None}
    if not given:
        return {}
    choices = services.reports.filter_choices()
    out = {}
    for kind, value in given.items():
        label = FILTER_LABELS[kind].lower()
        if value.isdigit():
            out[f"{kind}_id"] = int(value)
            continue
        near = [c for c in choices.get(kind, []) if value.casefold() in c[1].casefold()]
        out[f"{kind}_id"] = _one(label, value, near)
    return out


def run_report_command(services: Services, args: argparse.Namespace) -> int:
    chosen = {"doctor_id": _doctor_id(services, args.doctor), **_filter_ids(services, args)}
    if args.fmt in ("pdf", "xlsx"):
        if args.out == "-":
            raise ValidationError({"out": f"A{'n' if args.fmt == 'xlsx' else ''} {args.fmt.upper()} needs a file name."})
        if args.fmt == "pdf":
            data = services.reports.report_pdf(args.name, args.day_from, args.day_to, **chosen)
        else:
            from .services.reports import to_xlsx

            data = to_xlsx(services.reports.run(args.name, args.day_from, args.day_to, **chosen))
        Path(args.out).write_bytes(data)
        print(f"Wrote the {args.name} report for {args.day_from} to {args.day_to} to {args.out} "
              f"({len(data):,} bytes)")
        return 0
    from .services.reports import to_csv

    table = services.reports.run(args.name, args.day_from, args.day_to, **chosen)
    text = to_csv(table)
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    Path(args.out).write_text(text, encoding="utf-8", newline="")
    print(f"Wrote the {args.name} report for {args.day_from} to {args.day_to} to {args.out} ({len(table.rows)} rows)")
    return 0
