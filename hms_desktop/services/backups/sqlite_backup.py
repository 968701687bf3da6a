"""SQLite backups: taken with SQLite's online backup API in steps, verified right after, restored
the same way. Plain functions on file paths, so the service, the command line and the bench share them.

Why the backup is consistent while desks keep saving: the source connection opens a read
transaction first and counts the rows of every table in it; the backup then copies pages through
that same connection, so it copies exactly the snapshot that was counted (in WAL mode other desks
go on writing meanwhile; they are never blocked for more than one step). The counts are what the
copy is checked against.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ...models import Base

# Pages copied per step (4 KiB each): 4 MiB, a few milliseconds of work; between steps the source
# lock is free for the desks.
STEP_PAGES = 1024
STEP_SLEEP = 0.002


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str  # why not, in plain words ("" when ok)
    sha256: str
    size: int
    counts: dict[str, int] = field(default_factory=dict)


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table the models know that exists in this file (billing's too, once present)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    names = [t.name for t in Base.metadata.sorted_tables if t.name in present]
    if "alembic_version" in present:
        names.append("alembic_version")
    return {name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def take_backup(
    source: Path, target: Path, progress: Callable[[int, int], None] | None = None,
    pages: int = STEP_PAGES, sleep: float = STEP_SLEEP,
) -> dict[str, int]:
    """Copy ``source`` to ``target`` (which must not exist) and return the row counts of the
    snapshot copied."""
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source, isolation_level=None, timeout=30)
    try:
        src.execute("BEGIN")
        counts = table_counts(src)  # starts the read transaction the backup then copies through
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=pages, sleep=sleep,
                       progress=(lambda status, remaining, total: progress(total - remaining, total)) if progress else None)
            # The copy is one self-contained file: no WAL beside it for a copy or a hash to miss.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        src.execute("COMMIT")
    finally:
        src.close()
    partial.replace(target)
    return counts


def verify_backup(path: Path, expected: dict[str, int] | None = None) -> Verification:
    """``PRAGMA integrity_check`` on the copy, its row counts against ``expected`` (the source's at
    the moment of the backup), and its SHA-256 and size."""
    if not path.exists():
        return Verification(False, f"{path} does not exist.", "", 0)
    size = path.stat().st_size
    sha = file_sha256(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                return Verification(False, "the copy is damaged: " + "; ".join(result[:3]), sha, size)
            counts = table_counts(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return Verification(False, f"the copy cannot be read as a database ({exc}).", sha, size)
    if not counts:
        return Verification(False, "the copy holds no clinic tables.", sha, size, counts)
    if expected is not None:
        wrong = [f"{t}: {counts.get(t)} rows, expected {n}" for t, n in expected.items() if counts.get(t) != n]
        if wrong:
            return Verification(False, "row counts differ from the database's: " + "; ".join(wrong[:5]), sha, size, counts)
    return Verification(True, "", sha, size, counts)


def copy_into(source: Path, target: Path) -> None:
    """Replace the whole content of the database ``target`` by that of ``source`` (backup API;
    ``target`` may be open elsewhere, SQLite takes its write lock for the copy)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=STEP_PAGES, sleep=STEP_SLEEP)
    finally:
        dst.close()
        src.close()


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started
