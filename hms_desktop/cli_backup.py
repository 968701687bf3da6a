"""``hms backup ...`` and ``hms audit verify``: the admin's data-safety tasks from a terminal."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .bootstrap import Services


def run_backup_task(services: Services, args: argparse.Namespace) -> int:
    if args.command == "audit":
        check = services.audit.verify_chain()
        print(check.message)
        if not check.ok:
            print("Look at the audit row named above (and the ones after it); restore a verified backup from before "
                  "it if the data must be trusted.", file=sys.stderr)
        return 0 if check.ok else 1
    backups = services.backups
    task = args.backup_command
    if task == "now":
        entry = backups.backup_now()
        print(f"Backed up {services.db.description} to {entry.path}")
        print(f"  size {entry.size:,} bytes, SHA-256 {entry.sha256}")
        for copy in entry.copies:
            print(f"  second copy: {copy}")
        print("  verified" if entry.verified else f"  NOT verified: {entry.why_not}")
        return 0 if entry.verified else 1
    if task == "list":
        entries = backups.history()
        if not entries:
            print(f"No backups logged yet in {backups.settings().primary()}")
        for e in entries:
            state = "verified" if e.verified else f"NOT verified: {e.why_not}"
            print(f"{e.when:%Y-%m-%d %H:%M:%S}  {e.kind:<8} {e.reason:<15} {e.size:>12,}  {state}  {e.path}")
        return 0
    path = Path(args.file).expanduser()
    if task == "verify":
        check = backups.verify(path)
        print(f"{path}: {'verified' if check.ok else 'NOT verified: ' + check.reason}")
        print(f"  size {check.size:,} bytes, SHA-256 {check.sha256 or '-'}")
        if not check.ok or not args.restore_test:
            return 0 if check.ok else 1
        with tempfile.TemporaryDirectory(prefix="hms-restore-test-") as scratch:
            drill = backups.restore_test(path, Path(scratch) / "restore-test.sqlite3")
        print(drill.message)
        return 0 if drill.ok else 1
    if task == "restore":
        print(f"This replaces ALL the data in {services.db.description} by the backup {path}.\n"
              "Everything saved since that backup was taken will be gone from the database (the current data is "
              "backed up first). Every desk must be signed out.")
        if not args.yes:
            print("Type 'restore' to go on: ", end="", flush=True)
            if sys.stdin.readline().strip().lower() != "restore":
                print("Nothing was changed.")
                return 1
        before = backups.restore(path)
        print(f"Restored from {path}. The data it replaced is in {before.path}")
        return 0
    return 2


def run_db_copy(source: str, target: str) -> int:
    from .config import resolve_database
    from .services.backups.db_copy import copy_database
    from .services.errors import HmsError

    def progress(table: str, done: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{table}: {done:,} rows", end="", file=sys.stderr, flush=True)

    try:
        report = copy_database(resolve_database(source).url, resolve_database(target).url, progress)
    except HmsError as exc:
        print(f"hms: {exc}", file=sys.stderr)
        for message in (getattr(exc, "fields", None) or {}).values():
            print(f"  {message}", file=sys.stderr)
        return 1
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for t in report.tables:
        mark = "ok" if t.ok else "DIFFERENT"
        print(f"{t.table:<32} {t.source_rows:>10,} -> {t.target_rows:>10,}  {t.target_checksum[:16]}  {mark}")
    print("Copied; every table's row count and checksum match." if report.ok
          else "The copy differs from the source in the tables marked DIFFERENT; do not use it.")
    return 0 if report.ok else 1
