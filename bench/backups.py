"""Data-safety benchmark: back up and verify a big SQLite clinic, and walk a big audit chain.

    .venv/bin/python -m bench.backups                          # 200,000 patients, 1,000,000 appointments and audit rows
    .venv/bin/python -m bench.backups --patients 20000 --appointments 100000 --audit 100000

The clinic file is built fast, not through the services: the schema by the migrations, then rows
made from the models' own columns (every NOT NULL column gets a plausible value; ids, foreign keys
and times are chosen so the constraints hold) written with executemany. The audit rows are given
real hash chains (8 writers, as 8 desks would leave), hashed with the application's own
``audit_chain.row_hash``. Then it times, on that file:

* ``take_backup`` (SQLite's online backup API in steps, as the app does) and ``verify_backup``
  (integrity_check, row counts, SHA-256);
* ``AuditService.verify_chain`` over all the audit rows (target: well under a minute for 1,000,000);
* the same check finding a row changed in the middle of the chain.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import JSON as SA_JSON
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    text,
)

from hms_desktop.models import Base
from hms_desktop.services import migrations
from hms_desktop.services.audit_chain import GENESIS, row_hash
from hms_desktop.services.backups.sqlite_backup import take_backup, verify_backup
from hms_desktop.services.database import Database

BASE_TIME = datetime(2026, 1, 5, 3, 30, tzinfo=UTC)


def _value(table: Table, column, i: int, counts: dict[str, int]):
    name = column.name
    if name == "ends_at":
        return BASE_TIME + timedelta(minutes=15 * i + 15)
    if name == "starts_at":
        return BASE_TIME + timedelta(minutes=15 * i)
    if column.nullable or column.primary_key:
        return None
    for fk in column.foreign_keys:
        parent = fk.column.table.name
        return (i % counts[parent]) + 1 if counts.get(parent) else None
    kind = column.type
    if isinstance(kind, TypeDecorator):
        kind = kind.impl
    if isinstance(kind, Boolean):
        return name in ("active", "verified")
    if isinstance(kind, Integer | Numeric):
        return 1 if name == "version" else 0
    if isinstance(kind, DateTime):
        return BASE_TIME
    if isinstance(kind, Date):
        return date(1980, 1, 1) + timedelta(days=i % 15000)
    if isinstance(kind, Time):
        return datetime(2026, 1, 1, 9).time()
    if isinstance(kind, SA_JSON):
        return {}
    if isinstance(kind, String | Text):
        length = getattr(kind, "length", None) or 40
        if name == "status":
            return "completed"
        return f"{name[:6]}{i}"[:length]
    return None


def bulk_fill(db: Database, table_name: str, count: int, counts: dict[str, int], chunk: int = 20000) -> float:
    table = Base.metadata.tables[table_name]
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for lo in range(0, count, chunk):
            rows = [{c.name: _value(table, c, i, counts) for c in table.columns if not c.primary_key}
                    for i in range(lo, min(count, lo + chunk))]
            conn.execute(table.insert(), rows)
    counts[table_name] = count
    return time.perf_counter() - started


def fill_audit(db: Database, count: int, writers: int = 8, chunk: int = 20000) -> float:
    table = Base.metadata.tables["audit_log"]
    started = time.perf_counter()
    tails = {f"bench-writer-{w}": (0, GENESIS) for w in range(writers)}
    with db.engine.begin() as conn:
        for lo in range(0, count, chunk):
            rows = []
            for i in range(lo, min(count, lo + chunk)):
                writer = f"bench-writer-{i % writers}"
                seq, prev = tails[writer]
                seq += 1
                row = SimpleNamespace(
                    id=i + 1, at=BASE_TIME + timedelta(seconds=i), actor_id=None, actor_name="bench",
                    workstation=f"desk-{i % writers}", action="patient.changed", entity_type="patient",
                    entity_id=str(i % 200000 + 1), summary=f"Changed patient {i}",
                    changes={"phone": [f"+9198450{i:05d}", None]},
                )
                digest = row_hash(writer, seq, prev, row)
                tails[writer] = (seq, digest)
                rows.append({**vars(row), "writer": writer, "chain_seq": seq, "prev_hash": prev, "row_hash": digest,
                             "batch": None})
            conn.execute(table.insert(), rows)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--doctors", type=int, default=200)
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--postgres-audit", type=int, default=0,
                        help="also walk a chain of this many rows in a scratch PostgreSQL database")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432",
                        help="the PostgreSQL server for --postgres-audit (a scratch database is made and dropped)")
    parser.add_argument("--postgres-only", action="store_true", help="only the PostgreSQL chain check")
    args = parser.parse_args(argv)
    if args.postgres_only:
        return 0 if postgres_chain_checks(args.postgres, args.postgres_audit or args.audit) else 1

    with tempfile.TemporaryDirectory(prefix="hms-bench-backups-") as tmp:
        path = Path(tmp) / "clinic.sqlite3"
        db = Database(f"sqlite:///{path}")
        migrations.upgrade(db, backup=False)
        counts: dict[str, int] = {}
        print(f"[bench] building: {args.patients:,} patients, {args.doctors} doctors, {args.appointments:,} "
              f"appointments, {args.audit:,} audit rows", flush=True)
        for name, n in (("staff_accounts", 1), ("patients", args.patients), ("doctors", args.doctors),
                        ("appointments", args.appointments)):
            print(f"  {name}: {n:,} rows in {bulk_fill(db, name, n, counts):.1f} s", flush=True)
        print(f"  audit_log: {args.audit:,} chained rows in {fill_audit(db, args.audit):.1f} s", flush=True)
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        size = path.stat().st_size
        print(f"  file: {size / 1e6:,.0f} MB", flush=True)

        target = Path(tmp) / "backup.sqlite3"
        started = time.perf_counter()
        expected = take_backup(path, target)
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        check = verify_backup(target, expected)
        verify_s = time.perf_counter() - started
        print(f"backup (online API, 1,024-page steps): {backup_s:.1f} s; verify (integrity_check, counts, SHA-256): "
              f"{verify_s:.1f} s; {'verified' if check.ok else 'NOT verified: ' + check.reason}")

        ok = chain_checks(db, args.audit, "SQLite")
        db.dispose()
    if args.postgres_audit:
        ok = postgres_chain_checks(args.postgres, args.postgres_audit) and ok
    return 0 if check.ok and ok else 1


# The ways of walking the chains compared: one connection; two threads; two processes.
MODES = (("one after another", {"workers": 1}), ("2 threads", {"workers": 2, "processes": False}),
         ("2 processes", {"workers": 2, "processes": True}))


def chain_checks(db: Database, rows: int, label: str) -> bool:
    from hms_desktop.services.audit import AuditService
    from hms_desktop.services.identity import Identity
    from hms_desktop.services.unit_of_work import UnitsOfWork

    identity = Identity()
    identity.act_as_system()
    audit = AuditService(UnitsOfWork(db, identity))
    ok = True
    for name, how in MODES:
        result = audit.verify_chain(**how)
        print(f"{label} audit chain check ({name}), {result.rows_checked:,} rows in {result.writers} chains: "
              f"{result.seconds:.1f} s ({'intact' if result.ok else result.problem})", flush=True)
        ok = ok and result.ok
    # A row edited in the last chain (the bench's writers take turns, so the last rows are writer 7's):
    # every mode must walk to it and name it.
    victim = rows
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET summary = 'edited' WHERE id = :i"), {"i": victim})
    for name, how in MODES:
        broken = audit.verify_chain(**how)
        print(f"{label}, row {victim:,} (last chain) edited ({name}): found at row {broken.row_id} after "
              f"{broken.seconds:.1f} s", flush=True)
        ok = ok and broken.row_id == victim
    return ok


def postgres_chain_checks(server: str, rows: int) -> bool:
    import uuid

    from sqlalchemy import create_engine

    name = f"hms_bench_chain_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(f"{server}/{name}")
    try:
        migrations.upgrade(db, backup=False)
        print(f"  PostgreSQL audit_log: {rows:,} chained rows in {fill_audit(db, rows):.1f} s", flush=True)
        with db.engine.begin() as conn:  # the rows came with their ids: the next id follows them
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), (SELECT max(id) FROM audit_log))"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE audit_log"))
        return chain_checks(db, rows, "PostgreSQL")
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
