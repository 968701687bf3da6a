"""The ``hms`` command: starts the application, or runs an admin task from a terminal or script."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from . import __version__

EPILOG = """\
Database: --database URL, else the HMS_DATABASE_URL environment variable, else the choice saved
on this workstation, else a SQLite file in your data directory. URLs look like
  sqlite:////path/to/clinic.sqlite3   (or just a file path)
  postgresql://user@host:5432/hms     (the password is best kept in ~/.pgpass)

Examples:
  hms                                          start the application
  hms db upgrade                               bring the database schema up to date
  echo 'S3cret-pass' | hms user add --username asha --role receptionist --password-stdin
  hms demo-data --patients 100000              add made-up patients for a trial or benchmark
  hms demo-data --patients 2000 --doctors 12 --appointments 3000 --invoices 1500
  hms demo-data --invoices 500 --seed 7          bill 500 more of the demo visits
  hms invoice show INV-2026-000123             an invoice with its lines, payments and balance
  hms invoice pdf INV-2026-000123 --out inv.pdf
  hms invoice pdf RCT-2026-000456 --receipt --thermal --out receipt.pdf
  hms backup now                               back up and verify (SQLite: online backup; PostgreSQL: pg_dump)
  hms backup verify --restore-test FILE        restore drill: scratch copy, upgraded, opened
  hms audit verify                             walk the audit log's hash chains
  hms report revenue --from 2030-01-01 --to 2030-01-31 --format pdf --out jan.pdf
  hms report appointments --from 2030-01-01 --to 2030-01-31 --doctor "Dr Priya Nair" --format csv --out -
  hms report takings --from 2030-01-01 --to 2030-01-31 --cashier "Ada Admin" --format xlsx --out ada.xlsx
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hms",
        description="HMS Desktop: the hospital and clinic front-desk application.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"HMS Desktop {__version__}")
    parser.add_argument("--database", metavar="URL", help="the database to use (see below)")
    parser.add_argument("--verbose", action="store_true", help="log debugging detail to the terminal")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="start the real main window offscreen against a throw-away database, check it, exit 0 if it came up",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema tasks")
    db_sub = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    db_sub.add_parser("upgrade", help="upgrade the schema to the newest revision (backs up a SQLite file first)")
    db_sub.add_parser("current", help="print the schema revision the database is at")
    copy = db_sub.add_parser("copy", help="copy a clinic into a new, empty database (e.g. SQLite to PostgreSQL)")
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="a new, empty database")

    backup = sub.add_parser("backup", help="back up, check and restore the clinic's data")
    backup_sub = backup.add_subparsers(dest="backup_command", metavar="TASK", required=True)
    backup_sub.add_parser("now", help="take a backup now, verify it and apply the retention")
    backup_sub.add_parser("list", help="the backup log, newest first")
    verify = backup_sub.add_parser("verify", help="check a backup file")
    verify.add_argument("file")
    verify.add_argument("--restore-test", action="store_true",
                        help="also restore it into a scratch file, upgrade it and open it with the application")
    restore = backup_sub.add_parser("restore", help="replace the clinic's data by a backup's (backs up the current data first)")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="TASK", required=True)
    audit_sub.add_parser("verify", help="walk the audit log's hash chains and report the first broken link")

    user = sub.add_parser("user", help="staff accounts")
    user_sub = user.add_subparsers(dest="user_command", metavar="TASK", required=True)
    add = user_sub.add_parser("add", help="add a staff account")
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True, choices=["admin", "receptionist", "doctor", "nurse"])
    add.add_argument("--full-name", help="the person's name as shown in the app (default: the user name)")
    add.add_argument(
        "--password-stdin", action="store_true", required=True,
        help="read the password from the first line of standard input (it is never a command-line argument)",
    )

    demo = sub.add_parser("demo-data", help="add realistic made-up patients, and optionally doctors and appointments")
    demo.add_argument("--patients", type=int, default=0, metavar="N", help="how many patients to add")
    demo.add_argument("--doctors", type=int, default=0, metavar="D",
                      help="also add D verified doctors with weekly hours (needs N >= 2*D+1)")
    demo.add_argument("--appointments", type=int, default=0, metavar="A",
                      help="with --doctors: about A appointments around today, 30%% of them still to come")
    demo.add_argument("--invoices", type=int, default=0, metavar="I",
                      help="bill I completed demo visits (issued, partly paid, paid, voided, refunded); "
                           "alone, adds I more to a database that has patients and appointments")
    demo.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data (default 2026)")

    invoice = sub.add_parser("invoice", help="look at and print invoices and receipts")
    invoice_sub = invoice.add_subparsers(dest="invoice_command", metavar="TASK", required=True)
    show = invoice_sub.add_parser("show", help="print an invoice (or the one a receipt belongs to) as text")
    show.add_argument("number", metavar="NUMBER", help="an invoice, receipt or credit note number")
    pdf = invoice_sub.add_parser(
        "pdf", help="write the invoice (A4) or a receipt as PDF; the first print is the original, later ones say COPY")
    pdf.add_argument("number", metavar="NUMBER", help="an invoice number, or a receipt number with --receipt")
    pdf.add_argument("--out", required=True, metavar="FILE", help="the PDF file to write")
    pdf.add_argument("--receipt", action="store_true",
                     help="a receipt: NUMBER is a receipt number, or an invoice number for its latest receipt")
    pdf.add_argument("--thermal", action="store_true", help="with --receipt: the 80 mm thermal roll layout (else A5)")

    from .cli_notify import add_notify_parser
    from .cli_report import add_report_parser

    add_notify_parser(sub)
    from .cli_patient import add_patient_parser

    add_patient_parser(sub)
    add_report_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    from .logging_setup import configure

    configure(verbose=args.verbose)

    if args.self_test:
        from .ui.app import self_test

        return self_test()
    if args.command is None:
        from .ui.app import run_gui

        return run_gui(args.database)
    return _run_admin_task(args)


def _run_admin_task(args: argparse.Namespace) -> int:
    if args.command == "db" and args.db_command == "copy":
        from .cli_backup import run_db_copy

        return run_db_copy(args.source, args.target)
    from .bootstrap import build_services
    from .config import resolve_database
    from .services import migrations
    from .services.errors import HmsError

    choice = resolve_database(args.database)
    try:
        services = build_services(choice.url)
    except ValueError as exc:
        print(f"hms: {exc}", file=sys.stderr)
        return 2
    try:
        services.db.check_connection()
        if args.command == "db":
            if args.db_command == "current":
                print(migrations.current_revision(services.db) or "(empty database)")
                return 0
            before = migrations.current_revision(services.db)
            backup = migrations.upgrade(services.db)
            after = migrations.current_revision(services.db)
            if backup:
                print(f"Backed up the database to {backup}")
            print(f"{services.db.description}: schema {before or 'empty'} -> {after}" if before != after
                  else f"{services.db.description}: schema already at {after}")
            return 0
        # Every other task needs the current schema.
        backup = migrations.upgrade(services.db)
        if backup:
            print(f"Backed up the database to {backup} before upgrading it", file=sys.stderr)
        services.identity.act_as_system()
        if args.command in ("backup", "audit"):
            from .cli_backup import run_backup_task

            return run_backup_task(services, args)
        if args.command == "user":
            password = sys.stdin.readline().rstrip("\r\n")
            member = services.staff.add(args.username, args.full_name or args.username, args.role, password)
            print(f"Added {member.role} '{member.username}' (id {member.id}) to {services.db.description}")
            return 0
        if args.command == "notify":
            from .cli_notify import run_notify_command

            return run_notify_command(services, args)
        if args.command == "patient":
            from .cli_patient import run_patient_command

            return run_patient_command(services, args)
        if args.command == "report":
            from .cli_report import run_report_command

            return run_report_command(services, args)
        if args.command == "invoice":
            from .cli_billing import run_invoice_command

            return run_invoice_command(services, args)
        if args.command == "demo-data":
            if not (args.patients or args.invoices):
                print("hms: give --patients N, --invoices I, or both", file=sys.stderr)
                return 2
            started = time.perf_counter()

            def progress(done: int, total: int) -> None:
                if sys.stderr.isatty():
                    print(f"\r{done:,} of {total:,} patients", end="", file=sys.stderr, flush=True)

            if args.patients:
                count = services.demo.load_patients(args.patients, seed=args.seed, progress=progress)
                if sys.stderr.isatty():
                    print(file=sys.stderr)
                print(f"Added {count:,} demo patients to {services.db.description} in "
                      f"{time.perf_counter() - started:.1f} s")
            if args.doctors:
                started = time.perf_counter()
                summary = services.demo_schedule.load(
                    doctors=args.doctors, appointments=args.appointments, seed=args.seed, progress=progress
                )
                if sys.stderr.isatty():
                    print(file=sys.stderr)
                print(f"Added {summary.doctors:,} demo doctors and {summary.appointments:,} appointments "
                      f"in {time.perf_counter() - started:.1f} s")
            if args.invoices:
                started = time.perf_counter()
                billed = services.demo_billing.load_invoices(args.invoices, seed=args.seed)
                print(f"Added {billed.invoices:,} demo invoices ({billed.paid:,} paid, {billed.partly_paid:,} partly "
                      f"paid, {billed.unpaid:,} unpaid, {billed.voided:,} void, {billed.refunded:,} refunded) in "
                      f"{time.perf_counter() - started:.1f} s")
            return 0
    except HmsError as exc:
        print(f"hms: {exc}", file=sys.stderr)
        fields = getattr(exc, "fields", None)
        if fields and len(fields) > 1:
            for name, message in fields.items():
                print(f"  {name}: {message}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"hms: {exc}", file=sys.stderr)
        return 2
    finally:
        services.close()
    return 2


if __name__ == "__main__":
    sys.exit(main())
