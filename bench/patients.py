"""Patient search benchmark: what a receptionist waits for, measured through the service layer.

    .venv/bin/python -m bench.patients                       # 200,000 patients, SQLite and PostgreSQL
    .venv/bin/python -m bench.patients --patients 20000 --db sqlite --rounds 50

For each database the bench builds a clinic with the app's own code (build_services,
migrations.upgrade, staff.create_first_admin, auth.sign_in, demo.load_patients), then times
``services.patients.search(query, limit=100)`` -- the Patients tab's first page -- for queries
drawn from the data itself: a name prefix, a full name in either order, an MRN, phone numbers typed
from the start and from the end, a date of birth, and so on. It also times ``patients.count()`` and
the first page of the unfiltered list in every sort order.

* SQLite: a file in a temporary directory. Building 200,000 patients takes a minute or two, so the
  built file is cached (``--cache-dir``, default <tmp>/hms-bench-cache) under a key made of the
  patient count, the seed, the schema head and a fingerprint of the migrations and of the code that
  generates and stores demo patients; each run works on a fresh copy of it. ``--rebuild`` ignores
  the cache, ``--no-cache`` neither reads nor writes it.
* PostgreSQL: a database the bench creates on the server in HMS_TEST_POSTGRES_URL (default
  postgresql+psycopg://postgres@127.0.0.1:5432/postgres), fills, and drops at the end. After the
  bulk load it runs VACUUM ANALYZE, as autovacuum would within a minute or so (``--no-analyze`` to
  see the minute before).

Targets: every search kind median < 10 ms and 95th percentile < 25 ms on both databases. The table
marks misses; ``--check`` turns a miss into exit status 1. Results, with every sample, go to
bench/results/patients-<time>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import (
    RoundTrips,
    SampleStats,
    ThrowawayDatabase,
    build_into_cache,
    logger,
    pg_size,
    scratch_environment,
)

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ADMIN = ("bench", "Bench Admin", "Bench-pass-1")
MEDIAN_TARGET_MS = 10.0
P95_TARGET_MS = 25.0
PAGE = 100  # the Patients tab asks for 100 rows at a time


# --- the queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryKind:
    key: str
    label: str
    make: Callable[[Any, random.Random], str | None]  # (PatientRecord, rng) -> query, or None to skip
    targeted: bool = True


def _name_words(record: Any) -> list[str]:
    return [w for w in f"{record.given_name} {record.family_name}".split() if w]


def _name_prefix(record: Any, rng: random.Random) -> str:
    word = rng.choice(_name_words(record))
    return word[: rng.choice((3, 4))]


def _full_name(record: Any, rng: random.Random) -> str:
    parts = [record.given_name, record.family_name]
    rng.shuffle(parts)
    return " ".join(parts)


def _phone_start(record: Any, rng: random.Random) -> str | None:
    # "+91 98765 43210" typed from the start and stopped after 7 to 9 digits: "+91 98765 43".
    if not record.phone:
        return None
    want, seen, cut = rng.randint(7, 9), 0, len(record.phone)
    for i, ch in enumerate(record.phone):
        seen += ch.isdigit()
        if seen == want:
            cut = i + 1
            break
    return record.phone[:cut].strip()


def _phone_local(record: Any, rng: random.Random) -> str | None:
    # The number as people say it, without the country code: "98765 43210".
    parts = record.phone.split()
    return " ".join(parts[1:]) if len(parts) > 1 and parts[0].startswith("+") else (record.phone or None)


def _phone_last4(record: Any, rng: random.Random) -> str | None:
    digits = "".join(c for c in record.phone if c.isdigit())
    return digits[-4:] if len(digits) >= 6 else None


def _dob(record: Any, rng: random.Random) -> str:
    return record.date_of_birth.strftime(rng.choice(("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y")))


def _family_and_dob(record: Any, rng: random.Random) -> str:
    return f"{record.family_name} {record.date_of_birth:%d/%m/%Y}"


def _no_match(record: Any, rng: random.Random) -> str:
    # A typo that matches nobody: the search must still answer fast.
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(5))


def _typing_name(record: Any, rng: random.Random) -> str:
    return rng.choice(_name_words(record))[: rng.choice((1, 2))]


def _typing_digits(record: Any, rng: random.Random) -> str | None:
    digits = "".join(c for c in record.phone if c.isdigit())
    return digits[:3] if digits else None


QUERY_KINDS = (
    QueryKind("name_prefix", "name prefix, 3-4 letters", _name_prefix),
    QueryKind("full_name", "full name, either order", _full_name),
    QueryKind("mrn", "MRN", lambda r, _rng: r.mrn),
    QueryKind("phone_start", "phone, first 7-9 digits", _phone_start),
    QueryKind("phone_local", "phone, local number", _phone_local),
    QueryKind("phone_last4", "phone, last 4 digits", _phone_last4),
    QueryKind("dob", "date of birth", _dob),
    QueryKind("family_dob", "family name + date of birth", _family_and_dob),
    QueryKind("no_match", "no match (typo)", _no_match),
    # What the search box sends while someone is still typing (after its debounce). No target:
    # these match tens of thousands of patients; shown so that a regression there is visible.
    QueryKind("typing_name", "as you type: 1-2 letters", _typing_name, targeted=False),
    QueryKind("typing_digits", "as you type: 3 digits", _typing_digits, targeted=False),
)


_SORT_LABELS = {"name": "name", "mrn": "MRN", "date_of_birth": "date of birth", "registered": "registration"}


# --- measuring -----------------------------------------------------------------------------------


@dataclass
class Timing(SampleStats):
    key: str
    label: str
    targeted: bool
    samples_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)

    def add(self, ms: float, rows: int, query: str = "", statements: int = 0, round_trips: int = 0) -> None:
        self.samples_ms.append(ms)
        self.rows.append(rows)
        self.queries.append(query)
        self.statements.append(statements)
        self.round_trips.append(round_trips)

    @property
    def ok(self) -> bool | None:
        if not self.targeted:
            return None
        return self.median < MEDIAN_TARGET_MS and self.p95 < P95_TARGET_MS

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            **self.stats(),
            **self.count_stats(),
            "slowest_query": self.queries[self.slowest()],
            **({"queries": self.queries} if any(self.queries) else {}),
            "meets_target": self.ok,
            "samples_ms": [round(s, 3) for s in self.samples_ms],
        }


def draw_queries(services: Any, rounds: int, rng: random.Random) -> dict[str, list[str]]:
    """``rounds`` queries of each kind, made from patients picked at random (through the services)."""
    from hms_desktop.services.errors import NotFound
    from hms_desktop.services.patients import PatientSort

    newest = services.patients.search("", sort=PatientSort.MRN, descending=True, limit=1).rows
    if not newest:
        raise SystemExit("bench: the database holds no patients")
    top_id = newest[0].id
    queries: dict[str, list[str]] = {}
    for kind in QUERY_KINDS:
        made: list[str] = []
        attempts = 0
        while len(made) < rounds:
            attempts += 1
            if attempts > rounds * 50:
                raise SystemExit(f"bench: could not draw {rounds} queries of kind {kind.key}")
            try:
                record = services.patients.get(rng.randint(1, top_id))
            except NotFound:
                continue
            query = kind.make(record, rng)
            if query:
                made.append(query)
        queries[kind.key] = made
    return queries


def measure(services: Any, rounds: int, seed: int, list_repeats: int, log: Callable[[str], None]) -> list[Timing]:
    from hms_desktop.services.patients import PatientSort

    rng = random.Random(seed + 1)
    log("drawing queries from the data")
    queries = draw_queries(services, rounds, rng)
    search = services.patients.search

    # Warm up: the first queries pay for connection set-up, statement compilation and cold pages.
    for kind in QUERY_KINDS:
        for query in queries[kind.key][: min(20, rounds)]:
            search(query, limit=PAGE)

    timings = {k.key: Timing(k.key, k.label, k.targeted) for k in QUERY_KINDS}
    counter = RoundTrips(services.db.engine)
    try:
        log(f"timing {rounds} searches of each of {len(QUERY_KINDS)} kinds")
        # Interleaved, so that a burst of noise on a shared machine hits every kind alike.
        for i in range(rounds):
            for kind in QUERY_KINDS:
                query = queries[kind.key][i]
                ms, page, statements, trips = counter.call(lambda q=query: search(q, limit=PAGE))
                timings[kind.key].add(ms, len(page.rows), query, statements, trips)

        results = list(timings.values())
        t = Timing("get_by_mrn", "get_by_mrn (the whole record)", True)
        for query in queries["mrn"][:list_repeats]:
            ms, record, statements, trips = counter.call(lambda q=query: services.patients.get_by_mrn(q))
            t.add(ms, 1, query, statements, trips)
        results.append(t)
        log(f"timing the unfiltered list ({list_repeats} times per sort order) and count()")
        for sort in PatientSort:
            for descending in (False, True):
                label = f"list by {_SORT_LABELS[sort.value]}{', descending' if descending else ''}"
                t = Timing(f"list_{sort.value}{'_desc' if descending else ''}", label, True)
                search("", sort=sort, descending=descending, limit=PAGE)
                for _ in range(list_repeats):
                    ms, page, statements, trips = counter.call(
                        lambda s=sort, d=descending: search("", sort=s, descending=d, limit=PAGE))
                    t.add(ms, len(page.rows), "", statements, trips)
                results.append(t)
        # Scrolling on: the page after the first, by name (keyset pagination with ``after``).
        first = search("", limit=PAGE)
        t = Timing("list_name_page2", "list by name, next page", True)
        for _ in range(list_repeats):
            ms, page, statements, trips = counter.call(lambda: search("", after=first.next_after, limit=PAGE))
            t.add(ms, len(page.rows), "", statements, trips)
        results.append(t)
        t = Timing("count", "count(), everyone", False)
        services.patients.count()
        for _ in range(list_repeats):
            ms, n, statements, trips = counter.call(services.patients.count)
            t.add(ms, n, "", statements, trips)
        results.append(t)
        if hasattr(services.patients, "estimated_count"):
            t = Timing("estimated_count", "estimated_count(), everyone", False)
            for _ in range(list_repeats):
                ms, n, statements, trips = counter.call(services.patients.estimated_count)
                t.add(ms, n, "", statements, trips)
            results.append(t)
    finally:
        counter.close()
    return results


# --- building the clinic -------------------------------------------------------------------------


def _progress(log_prefix: str) -> Callable[[int, int], None]:
    started = time.perf_counter()
    shown = [-1]

    def show(done: int, total: int) -> None:
        if done == shown[0]:
            return  # load_patients reports the last batch twice
        shown[0] = done
        rate = done / max(time.perf_counter() - started, 1e-9)
        end = "\n" if done >= total else ""
        print(f"\r{log_prefix}{done:,} of {total:,} patients ({rate:,.0f}/s)", end=end, file=sys.stderr, flush=True)

    return show


def build_clinic(url: str, patients: int, seed: int, log_prefix: str) -> float:
    """A new clinic at ``url`` with ``patients`` demo patients, built by the app's own code.
    Returns the seconds demo.load_patients took."""
    from hms_desktop.bootstrap import build_services
    from hms_desktop.services import migrations

    services = build_services(url)
    try:
        migrations.upgrade(services.db)
        services.staff.create_first_admin(*ADMIN)
        services.auth.sign_in(ADMIN[0], ADMIN[2])
        started = time.perf_counter()
        services.demo.load_patients(patients, seed=seed, progress=_progress(log_prefix))
        return time.perf_counter() - started
    finally:
        services.close()


def open_clinic(url: str) -> Any:
    from hms_desktop.bootstrap import build_services
    from hms_desktop.services import migrations

    services = build_services(url)
    migrations.upgrade(services.db)  # a no-op unless the cache key missed a schema change
    services.auth.sign_in(ADMIN[0], ADMIN[2])
    return services


def schema_head() -> str:
    from alembic.script import ScriptDirectory

    from hms_desktop.paths import migrations_dir

    return ScriptDirectory(str(migrations_dir())).get_current_head() or "empty"


def data_fingerprint() -> str:
    """Changes whenever the stored data for a given count and seed could change."""
    from hms_desktop.paths import migrations_dir
    from hms_desktop.services import demo_data, patients, text

    digest = hashlib.sha256()
    for path in sorted(migrations_dir().rglob("*.py")):
        digest.update(path.read_bytes())
    for source in (demo_data, text, patients.validate, patients.insert_patients, patients.mrn_for):
        digest.update(inspect.getsource(source).encode())
    return digest.hexdigest()[:12]


@dataclass
class Clinic:
    dialect: str
    services: Any
    where: str
    build_seconds: float | None  # None: taken from the cache
    size_bytes: int | None
    notes: list[str]
    close: Callable[[], None]


def sqlite_clinic(args: argparse.Namespace, workdir: Path, log: Callable[[str], None]) -> Clinic:
    work_file = workdir / "clinic.sqlite3"
    build_seconds = None
    notes: list[str] = []
    if args.no_cache:
        log(f"building {args.patients:,} patients in {work_file}")
        build_seconds = build_clinic(f"sqlite:///{work_file}", args.patients, args.seed, "  SQLite: ")
    else:
        cache_dir = Path(args.cache_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached = cache_dir / f"patients-{args.patients}-seed{args.seed}-schema{schema_head()}-{data_fingerprint()}.sqlite3"
        if args.rebuild or not cached.exists():
            log(f"building {args.patients:,} patients into the cache: {cached}")
            build_seconds = build_into_cache(
                cached, lambda path: build_clinic(f"sqlite:///{path}", args.patients, args.seed, "  SQLite: ")
            )
        else:
            log(f"using the cached clinic {cached}")
            notes.append(f"from cache {cached.name}")
        shutil.copyfile(cached, work_file)
    services = open_clinic(f"sqlite:///{work_file}")
    return Clinic(
        "sqlite", services, str(work_file), build_seconds, work_file.stat().st_size, notes, services.close
    )


def postgresql_clinic(args: argparse.Namespace, log: Callable[[str], None]) -> Clinic:
    database = ThrowawayDatabase(args.pg_server)
    services = None

    def drop() -> None:
        if services is not None:
            services.close()
        database.drop(keep=args.keep_postgresql)

    try:
        log(f"building {args.patients:,} patients in database {database.name} on {database.where}")
        build_seconds = build_clinic(database.url, args.patients, args.seed, "  PostgreSQL: ")
        notes = []
        if args.no_analyze:
            notes.append("no VACUUM ANALYZE after the load")
        else:
            database.vacuum_analyze()
            notes.append("VACUUM ANALYZE after the load")
        services = open_clinic(database.url)
        size = pg_size(services, notes)
        return Clinic("postgresql", services, f"{database.server_url.host}/{database.name}", build_seconds, size,
                      notes, drop)
    except BaseException:
        drop()
        raise


# --- reporting -----------------------------------------------------------------------------------


def _mark(t: Timing) -> str:
    if t.ok is None:
        return "-"
    if t.ok:
        return "ok"
    return "MISS " + ", ".join(
        what for what, bad in (("median", t.median >= MEDIAN_TARGET_MS), ("p95", t.p95 >= P95_TARGET_MS)) if bad
    )


def print_table(clinic: Clinic, patients: int, timings: list[Timing]) -> None:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[clinic.dialect]
    built = f"built in {clinic.build_seconds:.0f} s" if clinic.build_seconds is not None else "cached"
    size = f", {clinic.size_bytes / 1e6:,.0f} MB" if clinic.size_bytes else ""
    extra = f"; {'; '.join(clinic.notes)}" if clinic.notes else ""
    print(f"\n{name}: {patients:,} patients ({built}{size}{extra})")
    header = (f"  {'query kind':<34} {'n':>4} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'rows':>6} "
              f"{'stmts':>5} {'trips':>5}  target")
    print(header)
    print("  " + "-" * (len(header) - 2))
    for t in timings:
        print(
            f"  {t.label:<34} {len(t.samples_ms):>4} {t.median:>10.2f} {t.p95:>8.2f} {max(t.samples_ms):>8.2f}"
            f" {statistics.median(t.rows):>6.0f} {statistics.median(t.statements):>5.0f}"
            f" {statistics.median(t.round_trips):>5.0f}  {_mark(t)}"
        )


def _git(*cmd: str) -> str:
    try:
        return subprocess.run(["git", *cmd], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment() -> dict[str, Any]:
    import sqlalchemy

    return {
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "schema_head": schema_head(),
    }


# --- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.patients", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=200_000, metavar="N", help="demo patients (default 200000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=200, metavar="N", help="timed queries per kind (default 200)")
    parser.add_argument("--list-repeats", type=int, default=50, metavar="N",
                        help="timed calls per list sort order and for count() (default 50)")
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed (default 2026)")
    parser.add_argument("--pg-server", default=os.environ.get("HMS_TEST_POSTGRES_URL", DEFAULT_PG_SERVER),
                        help="PostgreSQL server to create the bench database on (default: HMS_TEST_POSTGRES_URL, "
                             f"else {DEFAULT_PG_SERVER})")
    parser.add_argument("--no-analyze", action="store_true", help="PostgreSQL: skip VACUUM ANALYZE after loading")
    parser.add_argument("--keep-postgresql", action="store_true",
                        help="PostgreSQL: do not drop the bench database at the end (for bench.explain); "
                             "drop it yourself")
    parser.add_argument("--cache-dir", default=str(Path(tempfile.gettempdir()) / "hms-bench-cache"),
                        help="where built SQLite clinics are kept between runs (default <tmp>/hms-bench-cache)")
    parser.add_argument("--rebuild", action="store_true", help="SQLite: build anew even if a cached clinic exists")
    parser.add_argument("--no-cache", action="store_true", help="SQLite: neither use nor fill the cache")
    parser.add_argument("--output", metavar="FILE", help="results JSON (default bench/results/patients-<time>.json)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 if a search misses its target")
    args = parser.parse_args(argv)
    if args.patients < 1 or args.rounds < 1 or args.list_repeats < 1:
        parser.error("--patients, --rounds and --list-repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = scratch_environment("hms-bench-")
    log = logger("bench")

    started = datetime.now().astimezone()
    report: dict[str, Any] = {
        "bench": "patients",
        "started_at": started.isoformat(timespec="seconds"),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "patients": args.patients,
        "seed": args.seed,
        "page_size": PAGE,
        "targets": {"median_ms": MEDIAN_TARGET_MS, "p95_ms": P95_TARGET_MS},
        "environment": environment(),
        "databases": {},
    }
    misses: list[str] = []
    try:
        for dialect in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
            log(f"--- {dialect}")
            clinic = sqlite_clinic(args, scratch, log) if dialect == "sqlite" else postgresql_clinic(args, log)
            try:
                timings = measure(clinic.services, args.rounds, args.seed, args.list_repeats, log)
            finally:
                clinic.close()
            print_table(clinic, args.patients, timings)
            misses += [f"{dialect}: {t.label}" for t in timings if t.ok is False]
            report["databases"][dialect] = {
                "where": clinic.where,
                "build_seconds": None if clinic.build_seconds is None else round(clinic.build_seconds, 1),
                "size_bytes": clinic.size_bytes,
                "notes": clinic.notes,
                "timings": {t.key: t.summary() for t in timings},
            }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    output = Path(args.output) if args.output else RESULTS_DIR / f"patients-{started:%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nTargets: search median < {MEDIAN_TARGET_MS:g} ms and p95 < {P95_TARGET_MS:g} ms. ", end="")
    print(f"Missed by: {'; '.join(misses)}" if misses else "All searches meet them.")
    print(f"Results: {output}")
    return 1 if misses and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
