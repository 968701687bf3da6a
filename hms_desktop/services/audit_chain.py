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

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, literal, null, or_, select, union_all, update

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
    rows = conn.execute(_MINE_AND_TAIL, {"batch": batch, "writer": writer}).all()
    mine = sorted((r for r in rows if r.tag == 0), key=lambda r: r.id)
    if not mine:
        return 0
    tail = next((r for r in rows if r.tag == 1), None)
    seq, prev = (int(tail.chain_seq), str(tail.row_hash)) if tail is not None else (0, GENESIS)
    params = []
    for row in mine:
        seq += 1
        digest = row_hash(writer, seq, prev, row)
        params.append({"b_id": row.id, "b_writer": writer, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    conn.execute(_SEAL, params)
    return len(params)


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


def verify(conn: Connection, progress: Callable[[int], None] | None = None, batch_size: int = 20000) -> ChainCheck:
    """Walk every chain in order and report the first broken link."""
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
    columns = [*_CONTENT, _T.c.writer, _T.c.chain_seq, _T.c.prev_hash, _T.c.row_hash]
    checked, writers = 0, 0
    writer, expected, prev = None, 1, GENESIS
    last: tuple[str, int] = ("", 0)
    while True:
        # Keyset pages on the unique (writer, place): constant cost per page, no cursor held open.
        rows = conn.execute(
            select(*columns)
            .where(or_(_T.c.writer > last[0], and_(_T.c.writer == last[0], _T.c.chain_seq > last[1])))
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
                return _broken(started, checked, row,
                               f"the row(s) at {missing} of a chain were removed (found just before audit row {row.id}).")
            if row.prev_hash != prev:
                return _broken(started, checked, row,
                               f"audit row {row.id} does not follow the row before it in its chain: a row was "
                               "inserted, reordered or re-hashed there.")
            digest = row_hash(writer, seq, prev, row)
            if digest != row.row_hash:
                return _broken(started, checked, row, f"audit row {row.id} was changed after it was written.")
            seal_says = pinned.pop((writer, seq), None)
            if seal_says is not None and seal_says[0] != digest:
                return _broken(started, checked, row,
                               f"audit row {row.id} is not the row the seal (audit row {seal_says[1]}) recorded there.")
            prev = digest
            expected += 1
            checked += 1
        last = (rows[-1].writer, int(rows[-1].chain_seq))
        if progress is not None:
            progress(checked)
    if pinned:
        (writer_cut, seq), (_, seal_id) = min(pinned.items(), key=lambda item: item[1][1])
        return ChainCheck(
            False, checked, time.perf_counter() - started,
            f"rows were removed from the end of a chain: the seal (audit row {seal_id}) recorded a row at place "
            f"{seq:,} of chain {writer_cut}, which is gone.", row_id=seal_id, writers=writers,
        )
    return ChainCheck(True, checked, time.perf_counter() - started, writers=writers)


def _broken(started: float, checked: int, row: Any, problem: str) -> ChainCheck:
    return ChainCheck(False, checked, time.perf_counter() - started, problem, row_id=int(row.id))
