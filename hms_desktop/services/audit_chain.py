"""The audit log's hash chain: every row carries a hash over its content and the previous row's hash.

How a row joins the chain: the unit of work that wrote it seals it just before it commits (see
``UnitOfWork._before_commit``). Sealing takes the chain's tail under a lock — on PostgreSQL a
transaction-scoped advisory lock, on SQLite the write lock every write unit already holds — reads
the last sealed row's position and hash, and gives this unit's rows the next positions. The lock
is held only from the seal to the commit (three short statements), so desks booking for different
doctors still overlap in everything else they do; bench/scheduling.py measured the cost (see the
commit message of this change). A per-writer chain with a periodic seal was the alternative: it
needs no shared lock, but until the seal runs a row can be removed without trace, and the checker
has to merge many chains. One chain, sealed at commit, leaves nothing unprotected once committed.

A unit's own rows are found by the unit's ``batch`` token (a random id every audit row of the unit
carries), never by "not yet sealed": a row slipped in with plain SQL must stay outside the chain,
where ``verify`` reports it, rather than be sealed by the next desk.

The chain shows a row changed, removed or inserted with plain SQL. It cannot stop someone who can
write to the database from recomputing every hash after a change (nothing here is secret); the
verified position and hash the admin notes down, or that a backup log keeps, pins the chain to
that point.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from ..models import AuditEntry

GENESIS = "0" * 64
# The key of the PostgreSQL advisory lock that guards the chain's tail (any fixed number, distinct
# from the booking locks, which use the two-key form).
CHAIN_LOCK_KEY = 0x48_4D_53_41  # "HMSA"

_T = AuditEntry.__table__
CONTENT_COLUMNS = (
    "id", "at", "actor_id", "actor_name", "workstation", "action", "entity_type", "entity_id", "summary", "changes",
)
_CONTENT = [_T.c[name] for name in CONTENT_COLUMNS]


def row_hash(seq: int, prev_hash: str, row: Any) -> str:
    """The hash of one audit row at position ``seq`` after a row whose hash is ``prev_hash``."""
    at = row.at
    payload = [
        seq, row.id, at.isoformat() if isinstance(at, datetime) else at, row.actor_id, row.actor_name,
        row.workstation, row.action, row.entity_type, row.entity_id, row.summary, row.changes,
    ]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()


_SEAL = (
    update(_T)
    .where(_T.c.id == bindparam("b_id"))
    .values(chain_seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), row_hash=bindparam("b_hash"))
)
_TAIL = (
    select(_T.c.chain_seq, _T.c.row_hash)
    .where(_T.c.chain_seq.is_not(None))
    .order_by(_T.c.chain_seq.desc())
    .limit(1)
)


def seal(conn: Connection, batch: str) -> int:
    """Give this unit's audit rows (those carrying ``batch``) the next places in the chain; returns
    how many. Call inside the unit's transaction, after its rows are written."""
    mine = conn.execute(
        select(*_CONTENT).where(_T.c.batch == batch, _T.c.chain_seq.is_(None)).order_by(_T.c.id)
    ).all()
    if not mine:
        return 0
    if conn.dialect.name == "postgresql":
        # Its own statement: under READ COMMITTED the tail read next sees the commit of whoever
        # held the lock before us.
        conn.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK_KEY)))
    tail = conn.execute(_TAIL).first()
    seq, prev = (int(tail.chain_seq), str(tail.row_hash)) if tail is not None else (0, GENESIS)
    params = []
    for row in mine:
        seq += 1
        digest = row_hash(seq, prev, row)
        params.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    conn.execute(_SEAL, params)
    return len(params)


def seal_all_unsealed(conn: Connection) -> int:
    """Chain every row not yet in the chain, in id order (the migration that introduced the chain
    uses this for the rows written before it; the application never does)."""
    tail = conn.execute(_TAIL).first()
    seq, prev = (int(tail.chain_seq), str(tail.row_hash)) if tail is not None else (0, GENESIS)
    count = 0
    while True:
        rows = conn.execute(select(*_CONTENT).where(_T.c.chain_seq.is_(None)).order_by(_T.c.id).limit(5000)).all()
        if not rows:
            return count
        params = []
        for row in rows:
            seq += 1
            digest = row_hash(seq, prev, row)
            params.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
            prev = digest
        conn.execute(_SEAL, params)
        count += len(params)


@dataclass(frozen=True)
class ChainCheck:
    """What walking the chain found: ``ok``, or the first broken link and what is wrong with it."""

    ok: bool
    rows_checked: int
    seconds: float
    problem: str = ""
    row_id: int | None = None  # the audit row where the chain breaks
    position: int | None = None  # its place in the chain (None for a row outside it)
    tail_position: int = 0
    tail_hash: str = GENESIS

    @property
    def message(self) -> str:
        if self.ok:
            return (
                f"The audit log is intact: {self.rows_checked:,} rows checked in {self.seconds:.1f} s; "
                f"last position {self.tail_position:,}, hash {self.tail_hash[:16]}..."
            )
        return f"The audit log has been tampered with: {self.problem}"


def verify(conn: Connection, progress: Callable[[int], None] | None = None, batch_size: int = 20000) -> ChainCheck:
    """Walk the whole chain in order and report the first broken link."""
    started = time.perf_counter()
    outside = conn.execute(select(_T.c.id).where(_T.c.chain_seq.is_(None)).order_by(_T.c.id).limit(1)).scalar()
    if outside is not None:
        # A committed row outside the chain was not written by the application (every unit seals
        # its rows before it commits; rows still being written by another desk are not visible).
        return ChainCheck(
            False, 0, time.perf_counter() - started,
            f"audit row {outside} is not part of the chain: it was inserted directly into the database.",
            row_id=int(outside),
        )
    columns = [*_CONTENT, _T.c.chain_seq, _T.c.prev_hash, _T.c.row_hash]
    expected, prev, checked = 1, GENESIS, 0
    last_seq = 0
    while True:
        # Keyset pages on the unique chain position: constant cost per page, and no server cursor
        # held open across a million rows.
        rows = conn.execute(
            select(*columns).where(_T.c.chain_seq > last_seq).order_by(_T.c.chain_seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            seq = int(row.chain_seq)
            if seq != expected:
                missing = f"position {expected:,}" if seq == expected + 1 else f"positions {expected:,} to {seq - 1:,}"
                return _broken(started, checked, row, seq,
                               f"the row(s) at chain {missing} were removed (found just before audit row {row.id}).")
            if row.prev_hash != prev:
                return _broken(started, checked, row, seq,
                               f"audit row {row.id} (position {seq:,}) does not follow the row before it: a row was "
                               "inserted, reordered or re-hashed there.")
            digest = row_hash(seq, prev, row)
            if digest != row.row_hash:
                return _broken(started, checked, row, seq,
                               f"audit row {row.id} (position {seq:,}) was changed after it was written.")
            prev = digest
            expected += 1
            checked += 1
        last_seq = int(rows[-1].chain_seq)
        if progress is not None:
            progress(checked)
    return ChainCheck(True, checked, time.perf_counter() - started, tail_position=expected - 1, tail_hash=prev)


def _broken(started: float, checked: int, row: Any, seq: int, problem: str) -> ChainCheck:
    return ChainCheck(False, checked, time.perf_counter() - started, problem, row_id=int(row.id), position=seq)
