"""Show the query plan behind a patient search, as the service actually sends it.

    .venv/bin/python -m bench.explain --url sqlite:////tmp/hms-bench-cache/patients-200000-....sqlite3 "kum" "9845"
    .venv/bin/python -m bench.explain --url postgresql://postgres@127.0.0.1/hms_bench_... --sort mrn ""

Runs ``services.patients.search(query, limit=100)`` once with the SQL captured, then asks the
database how it runs that statement: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
PostgreSQL. The database must have been built by bench.patients (it signs in as its admin); for
PostgreSQL keep one with ``python -m bench.patients --db postgresql --keep-postgresql``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from typing import Any

from bench.patients import ADMIN


def _capture(services: Any) -> list[tuple[str, Any]]:
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []

    @event.listens_for(services.db.engine, "before_cursor_execute")
    def _keep(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        captured.append((statement, parameters))

    return captured


def explain(services: Any, query: str, sort: str, descending: bool) -> None:
    from hms_desktop.services.patients import PatientSort

    captured = _capture(services)
    started = time.perf_counter()
    page = services.patients.search(query, sort=PatientSort(sort), descending=descending, limit=100)
    ms = (time.perf_counter() - started) * 1000
    selects = [(s, p) for s, p in captured if s.lstrip().upper().startswith("SELECT") and "patients" in s]
    if not selects:
        print("no SELECT captured")
        return
    statement, parameters = selects[-1]
    # Session settings the service made for this search (SET LOCAL ...) apply to the EXPLAIN too.
    settings = [s for s, _p in captured if s.lstrip().upper().startswith("SET ")]
    print(f"=== {query!r} (sort {sort}{' desc' if descending else ''}): {len(page.rows)} rows in {ms:.1f} ms")
    print(statement, parameters, sep="\n")
    with services.db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cur = raw.cursor()
        for setting in settings:
            print(setting)
            cur.execute(setting)
        if services.db.is_sqlite:
            cur.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            for row in cur.fetchall():
                print(f"  {row[0]:>3} {row[1]:>3}  {row[3]}")
        else:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            for (line,) in cur.fetchall():
                print("  " + line)
        cur.close()
        conn.rollback()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a database built by bench.patients")
    parser.add_argument("--sort", default="name", choices=("name", "mrn", "date_of_birth", "registered"))
    parser.add_argument("--descending", action="store_true")
    parser.add_argument("queries", nargs="+", help="what a receptionist would type ('' lists everyone)")
    args = parser.parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="hms-bench-explain-")
    os.environ["HMS_DATA_DIR"] = scratch
    from hms_desktop.bootstrap import build_services

    services = build_services(args.url)
    try:
        services.auth.sign_in(ADMIN[0], ADMIN[2])
        for query in args.queries:
            explain(services, query, args.sort, args.descending)
    finally:
        services.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
