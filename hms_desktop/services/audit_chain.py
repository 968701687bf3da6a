"""The audit log's hash chains: every row carries a hash over its content and the previous row's hash.

One chain per writer (each workstation's unit-of-work factory, a random id per start), and seal
rows that pin every writer's tail. Measured first with one clinic-wide chain whose tail was taken
under a PostgreSQL advisory lock at commit: the lock has to be held through the commit (the WAL
flush), so every desk's save queued behind every other's, and 8 booking desks fell from about 390
to about 200 bookings a second (bench/scheduling.py on the shared 2-core machine). With a chain per
writer nothing is shared between desks: a unit reads its own writer's tail and its own new rows in
one statement and seals them in a second, and desks never wait for each other.

What each chain shows: a row changed (its hash), removed (a gap in its writer's positions),
inserted with plain SQL (outside every chain, or a link that does not match). Only the last rows
of a writer's chain could go without trace; a seal row (``seal_tails``, written at every backup
and every check, and itself in a chain) records every writer's tail, so rows cut from the end of
a chain before the last seal are reported too.

A unit's own rows are found by the unit's ``batch`` token (a random id every audit row of the unit
carries), never by "not yet sealed": a row slipped in with plain SQL must stay outside the chains,
where ``verify`` reports it, rather than be sealed by the next desk.

Nothing here is secret, so someone who can write to the database could recompute every hash after
a change; the tails and hash of a check the admin keeps (the backup log keeps them too) pin the
chains to that moment.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)

from ..models import AuditEntry

GENESIS = "0" * 64
SEAL_ACTION = "audit.sealed"
MIGRATION_WRITER = "before-the-chain"

_T = AuditEntry.__table__
CONTENT_COLUMNS = (
    "id", "at", "actor_id", "actor_name", "workstation", "action", "entity_type", "entity_id", "summary", "changes",
)
_CONTENT = [_T.c[name] for name in CONTENT_COLUMNS]


def row_hash(writer: str, seq: int, prev_hash: str, row: Any) -> str:
    """The hash of one audit row at place ``seq`` of ``writer``'s chain, after a row whose hash is ``prev_hash``."""
    at = row.at
    payload = [
        writer, seq, row.id, at.isoformat() if isinstance(at, datetime) else at, row.actor_id, row.actor_name,
        row.workstation, row.action, row.entity_type, row.entity_id, row.summary, row.changes,
    ]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


_SEAL = (
    update(_T)
    .where(_T.c.id == bindparam("b_id"))
    .values(writer=bindparam("b_writer"), chain_seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"),
            row_hash=bindparam("b_hash"))
)


def _mine_and_tail() -> Any:
    """This unit's new rows (tag 0, in id order) and its writer's last sealed row (tag 1), in one
    round trip."""
    mine = select(
        literal(0).label("tag"), *_CONTENT,
        null().cast(_T.c.chain_seq.type).label("chain_seq"), null().cast(_T.c.row_hash.type).label("row_hash"),
    ).where(
        _T.c.batch == bindparam("batch"), _T.c.chain_seq.is_(None)
    )
    tail = (
        select(literal(1).label("tag"), *_CONTENT, _T.c.chain_seq, _T.c.row_hash)
        .where(_T.c.writer == bindparam("writer"), _T.c.chain_seq.is_not(None))
        .order_by(_T.c.chain_seq.desc()).limit(1)
    )
    return union_all(mine, tail.subquery().select())


_MINE_AND_TAIL = _mine_and_tail()


def seal(conn: Connection, batch: str, writer: str) -> int:
    """Give this unit's audit rows (those carrying ``batch``) the next places in ``writer``'s chain;
    returns how many. Call inside the unit's transaction, after its rows are written; a writer
    seals one unit at a time (UnitsOfWork holds its lock)."""
    return len(_seal(conn, batch, writer, None, None, None)[0])


def _seal(conn: Connection, batch: str, writer: str, tail: tuple[int, str] | None, rows: list[Any] | None,
          then: Any) -> tuple[list[dict[str, Any]], tuple[int, str] | None]:
    """The seal itself: with the writer's ``tail`` and the unit's ``rows`` known, no read; ``then``
    (PostgreSQL: a statement the seal's UPDATE joins as a CTE) rides in the same round trip.
    Returns the rows' seal parameters and the chain's new tail (None: nothing was sealed)."""
    if tail is None or rows is None:
        found = conn.execute(_MINE_AND_TAIL, {"batch": batch, "writer": writer}).all()
        rows = [r for r in found if r.tag == 0]
        last = next((r for r in found if r.tag == 1), None)
        tail = (int(last.chain_seq), str(last.row_hash)) if last is not None else (0, GENESIS)
    mine = sorted(rows, key=lambda r: r.id)
    seq, prev = tail
    params = []
    for row in mine:
        seq += 1
        digest = row_hash(writer, seq, prev, row)
        params.append({"b_id": row.id, "b_writer": writer, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    if then is not None and conn.dialect.name == "postgresql":
        statement, values = then
        if params:
            statement = _with_seal(statement)
            values = {**values, "s_ids": [p["b_id"] for p in params], "s_seqs": [p["b_seq"] for p in params],
                      "s_prevs": [p["b_prev"] for p in params], "s_hashes": [p["b_hash"] for p in params],
                      "s_writer": writer}
        conn.execute(statement, values)
    elif params:
        conn.execute(_SEAL, params)
    return params, ((seq, prev) if params else None)


_WITH_SEAL: dict[Any, Any] = {}


def _with_seal(statement: Any) -> Any:
    """``statement`` with the seal as its CTE, built once per statement (a fresh one each call
    would cost SQLAlchemy a new cache key and psycopg a new conversion on every write)."""
    combined = _WITH_SEAL.get(statement)
    if combined is None:
        combined = _WITH_SEAL[statement] = statement.add_cte(_sealed_cte())
    return combined


def _sealed_cte() -> Any:
    """PostgreSQL: the seal as one UPDATE over arrays, a CTE of the statement it travels with."""
    v = select(
        func.unnest(bindparam("s_ids", type_=ARRAY(BigInteger()))).label("id"),
        func.unnest(bindparam("s_seqs", type_=ARRAY(BigInteger()))).label("seq"),
        func.unnest(bindparam("s_prevs", type_=ARRAY(String()))).label("prev"),
        func.unnest(bindparam("s_hashes", type_=ARRAY(String()))).label("hash"),
    ).subquery("v")
    return (
        update(_T).where(_T.c.id == v.c.id)
        .values(writer=bindparam("s_writer", type_=String()), chain_seq=v.c.seq, prev_hash=v.c.prev, row_hash=v.c.hash)
        .returning(_T.c.id).cte("sealed")
    )


@dataclass(frozen=True)
class WrittenRow:
    """An audit row as the database holds it, for sealing without reading it back."""

    id: int
    at: Any
    actor_id: int | None
    actor_name: str
    workstation: str
    action: str
    entity_type: str
    entity_id: str
    summary: str
    changes: Any

    @classmethod
    def of(cls, row_id: int, values: Any) -> WrittenRow:
        get = values.get if isinstance(values, dict) else lambda name: getattr(values, name)
        changes = get("changes")
        # As the JSON column gives it back (tuples become lists, keys text), so the hash matches
        # what verify() computes from the stored row.
        changes = json.loads(json.dumps(changes)) if changes is not None else None
        return cls(row_id, get("at"), get("actor_id"), get("actor_name"), get("workstation"), get("action"),
                   get("entity_type"), get("entity_id"), get("summary"), changes)


class WriterChain:
    """One writer's chain as this process knows it: its id, the lock one sealing unit holds until
    it commits, and its tail (place and hash) as last committed here, so that a unit seals its rows
    without reading the tail back. The tail is forgotten (read again next time) whenever a unit
    that sealed did not surely commit."""

    def __init__(self) -> None:
        self.writer = uuid.uuid4().hex
        self.lock = threading.Lock()
        self._tail: tuple[int, str] | None = None

    def seal(self, conn: Connection, batch: str, rows: list[Any] | None, then: Any = None) -> tuple[int, str] | None:
        """Seal a unit's rows (``rows``: WrittenRow-s, or None to find them by ``batch``); call with
        ``lock`` held. Returns the tail to keep once the unit has committed."""
        return _seal(conn, batch, self.writer, self._tail, rows, then)[1]

    def committed(self, tail: tuple[int, str] | None) -> None:
        if tail is not None:
            self._tail = tail

    def forget(self) -> None:
        self._tail = None


def seal_all_unsealed(conn: Connection) -> int:
    """Chain every row not yet in a chain, in id order, as one writer's (the migration that
    introduced the chains uses this for the rows written before it; the application never does)."""
    seq, prev, count = 0, GENESIS, 0
    while True:
        rows = conn.execute(select(*_CONTENT).where(_T.c.chain_seq.is_(None)).order_by(_T.c.id).limit(5000)).all()
        if not rows:
            return count
        params = []
        for row in rows:
            seq += 1
            digest = row_hash(MIGRATION_WRITER, seq, prev, row)
            params.append({"b_id": row.id, "b_writer": MIGRATION_WRITER, "b_seq": seq, "b_prev": prev, "b_hash": digest})
            prev = digest
        conn.execute(_SEAL, params)
        count += len(params)


def tails(conn: Connection) -> dict[str, list[Any]]:
    """Every writer's last place and hash: what a seal row records."""
    last = (
        select(_T.c.writer, func.max(_T.c.chain_seq).label("seq"))
        .where(_T.c.chain_seq.is_not(None)).group_by(_T.c.writer).subquery()
    )
    rows = conn.execute(
        select(_T.c.writer, _T.c.chain_seq, _T.c.row_hash)
        .join(last, and_(_T.c.writer == last.c.writer, _T.c.chain_seq == last.c.seq))
    )
    return {row.writer: [int(row.chain_seq), row.row_hash] for row in rows}


def seal_tails(uow: Any) -> None:
    """Write a seal row: every writer's tail, so that rows cut from the end of a chain show."""
    found = tails(uow.connection)
    uow.audit(SEAL_ACTION, entity_type="audit", summary=f"Sealed the audit chains of {len(found):,} writers",
              changes={"tails": found})


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chains found: ``ok``, or the first broken link and what is wrong with it."""

    ok: bool
    rows_checked: int
    seconds: float
    problem: str = ""
    row_id: int | None = None  # the audit row where a chain breaks
    writers: int = 0

    @property
    def message(self) -> str:
        if self.ok:
            return (
                f"The audit log is intact: {self.rows_checked:,} rows in {self.writers:,} "
                f"{'chain' if self.writers == 1 else 'chains'} checked "
                f"in {self.seconds:.1f} s."
            )
        return f"The audit log has been tampered with: {self.problem}"


# Checking chains side by side: each worker walks a contiguous range of writers (in writer order)
# on its own connection. Below this many rows one connection is quicker than starting workers.
PARALLEL_FROM = 100_000
# Threads by default. Measured with bench/backups.py on the shared 2-core machine, 200,000 rows in
# 8 chains, while other engineers' work kept the load average at 5 to 8 (no core ever free, so the
# figures swing by 2x from run to run): SQLite, three runs, one after another 17.7 / 20.9 / 9.9 s,
# 2 threads 13.6 / 34.5 / 16.1 s, 2 processes 16.8 / 30.1 / 17.6 s; PostgreSQL 10.8 s, 8.9 s, 8.8 s.
# So no gain is proven here. Threads can overlap the database's own work (SQLite's C code, the
# PostgreSQL server, libpq's wait) with hashing, but the hashing itself holds the GIL; processes
# could use a second idle core, but each starts an interpreter and SQLAlchemy, and a packaged
# desktop app (no multiprocessing.freeze_support in it) must not spawn copies of itself.
USE_PROCESSES = False
WORKERS = min(2, os.cpu_count() or 1)


@dataclass(frozen=True)
class _Break:
    problem: str
    row_id: int


@dataclass
class _RangeResult:
    checked: int = 0
    writers: int = 0
    broken: _Break | None = None
    left_pinned: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    complete: bool = True  # False: stopped early because a range before it found a break


def verify(conn: Connection, progress: Callable[[int], None] | None = None, batch_size: int = 20000, *,
           db: Any = None, workers: int | None = None, processes: bool | None = None) -> ChainCheck:
    """Walk every chain in order and report the first broken link (in writer, then place order:
    the same row whether the chains are walked one after another or side by side).

    With ``db`` (the Database ``conn`` belongs to) and a log of ``PARALLEL_FROM`` rows or more, the
    writers are split into ``workers`` contiguous ranges of about equal rows, each walked on its
    own connection: in threads, or with ``processes`` in processes of their own (see
    ``USE_PROCESSES`` for which is used by default and why)."""
    started = time.perf_counter()
    outside = conn.execute(select(_T.c.id).where(_T.c.chain_seq.is_(None)).order_by(_T.c.id).limit(1)).scalar()
    if outside is not None:
        # A committed row outside the chains was not written by the application (every unit seals
        # its rows before it commits; rows still being written by another desk are not visible).
        return ChainCheck(
            False, 0, time.perf_counter() - started,
            f"audit row {outside} is not part of any chain: it was inserted directly into the database.",
            row_id=int(outside),
        )
    # What the seal rows say each chain reached: (writer, place) -> (hash, the seal row's id).
    pinned: dict[tuple[str, int], tuple[str, int]] = {}
    for seal_row in conn.execute(select(_T.c.id, _T.c.changes).where(_T.c.action == SEAL_ACTION)):
        for writer, (seq, digest) in ((seal_row.changes or {}).get("tails") or {}).items():
            pinned[(writer, int(seq))] = (digest, int(seal_row.id))
    workers = WORKERS if workers is None else max(1, workers)
    ranges = _split(conn, workers) if db is not None and workers > 1 else None
    if not ranges or len(ranges) < 2:
        whole = _walk(conn, None, None, pinned, batch_size, progress)
        return _result(started, [whole], whole.left_pinned)
    results = _walk_side_by_side(db, ranges, pinned, batch_size, progress,
                                 USE_PROCESSES if processes is None else processes)
    # Pinned tails of writers outside every range (a chain removed whole) are left over too.
    covered = set().union(*(names for _, _, names in ranges))
    left = {k: v for k, v in pinned.items() if k[0] not in covered}
    for r in results:
        left.update(r.left_pinned)
    return _result(started, results, left)


def _result(started: float, results: list[_RangeResult], left: dict[tuple[str, int], tuple[str, int]]) -> ChainCheck:
    checked = writers = 0
    for r in results:  # in writer order: the first break is the one a walk in order meets first
        if r.broken is not None:
            return ChainCheck(False, checked + r.checked, time.perf_counter() - started, r.broken.problem,
                              row_id=r.broken.row_id)
        checked += r.checked
        writers += r.writers
    if left:
        (writer_cut, seq), (_, seal_id) = min(left.items(), key=lambda item: item[1][1])
        return ChainCheck(
            False, checked, time.perf_counter() - started,
            f"rows were removed from the end of a chain: the seal (audit row {seal_id}) recorded a row at place "
            f"{seq:,} of chain {writer_cut}, which is gone.", row_id=seal_id, writers=writers,
        )
    return ChainCheck(True, checked, time.perf_counter() - started, writers=writers)


def _split(conn: Connection, workers: int) -> list[tuple[str, str, set[str]]] | None:
    """Contiguous writer ranges (in the database's order, which the keyset walk follows) of about
    equal rows, with the writers in each; None for a log too small to be worth it."""
    sizes = conn.execute(
        select(_T.c.writer, func.max(_T.c.chain_seq)).where(_T.c.chain_seq.is_not(None))
        .group_by(_T.c.writer).order_by(_T.c.writer)
    ).all()
    total = sum(int(n) for _, n in sizes)
    if total < PARALLEL_FROM or len(sizes) < 2:
        return None
    ranges: list[tuple[str, str, set[str]]] = []
    names: list[str] = []
    done, share = 0, total / workers
    for writer, n in sizes:
        names.append(writer)
        done += int(n)
        if done >= share * (len(ranges) + 1) and len(ranges) < workers - 1:
            ranges.append((names[0], writer, set(names)))
            names = []
    if names:
        ranges.append((names[0], names[-1], set(names)))
    return ranges


def _walk_side_by_side(db: Any, ranges: list[tuple[str, str, set[str]]], pinned: dict, batch_size: int,
                       progress: Callable[[int], None] | None, processes: bool) -> list[_RangeResult]:
    """Walk each range on its own connection. A range stops early once a range before it has found
    a break (its result could not be the first); progress is reported from the caller's thread."""
    parts = [{k: v for k, v in pinned.items() if k[0] in names} for _, _, names in ranges]
    if processes:
        ctx = multiprocessing.get_context("spawn")
        counts = ctx.Array("q", len(ranges), lock=False)
        first_break = ctx.Value("i", len(ranges), lock=False)
        pool: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(
            len(ranges), mp_context=ctx, initializer=_process_init, initargs=(counts, first_break))
        url = db.url.render_as_string(hide_password=False)
        futures = [pool.submit(_walk_in_process, url, i, lo, hi, parts[i], batch_size)
                   for i, (lo, hi, _) in enumerate(ranges)]
    else:
        counts = [0] * len(ranges)
        first_break = _Shared(len(ranges))
        pool = concurrent.futures.ThreadPoolExecutor(len(ranges), thread_name_prefix="audit-verify")

        def run(i: int, lo: str, hi: str) -> _RangeResult:
            with db.engine.connect() as own:
                return _walk_range(own, i, lo, hi, parts[i], batch_size, counts, first_break)

        futures = [pool.submit(run, i, lo, hi) for i, (lo, hi, _) in enumerate(ranges)]
    try:
        pending = set(futures)
        while pending:
            _, pending = concurrent.futures.wait(pending, timeout=0.25)
            if progress is not None:
                progress(sum(counts))
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Shared:
    """The lowest range index that found a break (threads share it; processes get a ctypes Value)."""

    def __init__(self, value: int) -> None:
        self.value = value
        self.lock = threading.Lock()


_PROCESS_STATE: dict[str, Any] = {}


def _process_init(counts: Any, first_break: Any) -> None:
    _PROCESS_STATE["counts"], _PROCESS_STATE["first_break"] = counts, first_break


def _walk_in_process(url: str, index: int, lo: str, hi: str, pinned: dict, batch_size: int) -> _RangeResult:
    from .database import Database

    db = Database(url, pool_size=1)
    try:
        with db.engine.connect() as own:
            return _walk_range(own, index, lo, hi, pinned, batch_size, _PROCESS_STATE["counts"],
                               _PROCESS_STATE["first_break"])
    finally:
        db.dispose()


def _walk_range(conn: Connection, index: int, lo: str, hi: str, pinned: dict, batch_size: int,
                counts: Any, first_break: Any) -> _RangeResult:
    def report(checked: int) -> bool:
        counts[index] = checked
        return first_break.value < index  # a range before this one already broke: stop

    result = _walk(conn, lo, hi, pinned, batch_size, None, report)
    if result.broken is not None:
        lock = getattr(first_break, "lock", None)
        if lock is not None:
            with lock:
                first_break.value = min(first_break.value, index)
        else:  # a process: a lost race only means a later range walks on a little longer
            first_break.value = min(first_break.value, index)
    return result


def _walk(conn: Connection, lo: str | None, hi: str | None, pinned: dict, batch_size: int,
          progress: Callable[[int], None] | None, stop: Callable[[int], bool] | None = None) -> _RangeResult:
    """Walk the chains of writers ``lo`` to ``hi`` (None: all) in order; the first break ends it."""
    pinned = dict(pinned)
    columns = [*_CONTENT, _T.c.writer, _T.c.chain_seq, _T.c.prev_hash, _T.c.row_hash]
    checked, writers = 0, 0
    writer, expected, prev = None, 1, GENESIS
    last: tuple[str, int] = (lo or "", 0)
    bound = [_T.c.writer <= hi] if hi is not None else []
    while True:
        # Keyset pages on the unique (writer, place): constant cost per page, no cursor held open.
        rows = conn.execute(
            select(*columns)
            .where(or_(_T.c.writer > last[0], and_(_T.c.writer == last[0], _T.c.chain_seq > last[1])), *bound)
            .order_by(_T.c.writer, _T.c.chain_seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            seq = int(row.chain_seq)
            if row.writer != writer:
                writer, expected, prev = row.writer, 1, GENESIS
                writers += 1
            if seq != expected:
                missing = f"place {expected:,}" if seq == expected + 1 else f"places {expected:,} to {seq - 1:,}"
                return _RangeResult(checked, writers, _Break(
                    f"the row(s) at {missing} of a chain were removed (found just before audit row {row.id}).",
                    int(row.id)))
            if row.prev_hash != prev:
                return _RangeResult(checked, writers, _Break(
                    f"audit row {row.id} does not follow the row before it in its chain: a row was "
                    "inserted, reordered or re-hashed there.", int(row.id)))
            digest = row_hash(writer, seq, prev, row)
            if digest != row.row_hash:
                return _RangeResult(checked, writers, _Break(
                    f"audit row {row.id} was changed after it was written.", int(row.id)))
            seal_says = pinned.pop((writer, seq), None)
            if seal_says is not None and seal_says[0] != digest:
                return _RangeResult(checked, writers, _Break(
                    f"audit row {row.id} is not the row the seal (audit row {seal_says[1]}) recorded there.",
                    int(row.id)))
            prev = digest
            expected += 1
            checked += 1
        last = (rows[-1].writer, int(rows[-1].chain_seq))
        if progress is not None:
            progress(checked)
        if stop is not None and stop(checked):
            return _RangeResult(checked, writers, None, {}, complete=False)
    return _RangeResult(checked, writers, None, pinned)
