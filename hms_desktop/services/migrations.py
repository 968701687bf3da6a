"""Schema upgrades through Alembic, with a backup of a SQLite file taken first."""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from ..paths import backup_dir, migrations_dir
from .database import Database

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

_REVISION_RE = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_RE = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(None|['\"]([^'\"]+)['\"])", re.MULTILINE)


def alembic_config(db: Database) -> Config:
    # Alembic is imported only when there is work for it: it costs a tenth of a second at start-up.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", db.url.render_as_string(hide_password=False).replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg


def head_revision(db: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def shipped_head() -> str | None:
    """The newest revision among our migration files, read from their text without Alembic.

    Only trusted when the files form a simple chain with one head; otherwise None, and callers ask
    Alembic properly.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION_RE.search(source), _DOWN_RE.search(source)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        if down.group(2):
            parents.add(down.group(2))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def needs_upgrade(db: Database) -> bool:
    current = current_revision(db)
    quick = shipped_head()
    if quick is not None and current == quick:
        return False
    return current != head_revision(db)


def backup_sqlite(db: Database, folder: Path | None = None) -> Path | None:
    """Copy a SQLite file to a timestamped backup, consistently even while in WAL mode."""
    source = db.sqlite_path
    if source is None or not source.exists() or source.stat().st_size == 0:
        return None
    folder = folder or backup_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}-{datetime.now():%Y%m%d-%H%M%S}-before-upgrade{source.suffix}"
    # sqlite3's backup API copies a consistent snapshot, WAL contents included; a file copy might not.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    log.info("Backed up %s to %s", source, target)
    return target


def upgrade(db: Database, *, backup: bool = True) -> Path | None:
    """Bring the schema to the newest revision. Returns the backup's path if one was taken."""
    if not needs_upgrade(db):
        return None
    taken = None
    if backup and db.is_sqlite and current_revision(db) is not None:
        taken = backup_sqlite(db)
    from alembic import command

    command.upgrade(alembic_config(db), "head")
    return taken


def check_models_match(db: Database) -> None:
    """Raise if the models and the migrations disagree (``alembic check``)."""
    from alembic import command

    command.check(alembic_config(db))

