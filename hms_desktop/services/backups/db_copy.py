"""Moving a clinic to another database (``hms db copy --from SQLITE_URL --to POSTGRES_URL``).

The target must be empty; it is brought to the current schema by the migrations, then every table
the models know (billing's too, whatever is added later: the tables come from the metadata, in
foreign-key order) is copied in batches, row counts and a checksum per table are compared, and
PostgreSQL's id sequences are set past the copied ids so that new rows get new numbers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, func, inspect, select, text

from ...models import Base
from .. import migrations
from ..database import Database
from ..errors import ValidationError

BATCH = 5000


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass(frozen=True)
class CopyReport:
    tables: list[TableCopy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


def _order(table: Table) -> list:
    return list(table.primary_key.columns) or list(table.columns)


def checksum(conn, table: Table) -> tuple[int, str]:
    """Rows and a SHA-256 over every row in key order, as Python values (so equal on both databases)."""
    digest, count = hashlib.sha256(), 0
    result = conn.execution_options(yield_per=BATCH).execute(select(table).order_by(*_order(table)))
    for row in result:
        digest.update(json.dumps(list(row), default=str, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\n")
        count += 1
    return count, digest.hexdigest()


def _has_rows(db: Database) -> str | None:
    with db.engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            if name == "alembic_version":
                continue
            if conn.execute(text(f'SELECT 1 FROM "{name}" LIMIT 1')).first() is not None:
                return name
    return None


def copy_database(source_url: str, target_url: str, progress: Callable[[str, int], None] | None = None) -> CopyReport:
    source, target = Database(source_url), Database(target_url)
    try:
        busy = _has_rows(target)
        if busy:
            raise ValidationError({"to": f"The target database is not empty (table {busy} has rows). Copy only into a "
                                         "new, empty database; nothing was changed."})
        migrations.upgrade(source)  # a SQLite source is backed up first
        migrations.upgrade(target, backup=False)
        tables = [t for t in Base.metadata.sorted_tables if t.name in set(inspect(source.engine).get_table_names())]
        with source.engine.connect() as src, target.engine.begin() as dst:
            # The target was empty before its upgrade, so any row in it now was seeded by a
            # migration (billing's tax rates): the source has those rows too, as they stand there.
            for table in reversed(tables):
                dst.execute(table.delete())
            for table in tables:
                done = 0
                result = src.execution_options(yield_per=BATCH).execute(select(table).order_by(*_order(table)))
                for part in result.partitions():
                    dst.execute(table.insert(), [dict(r._mapping) for r in part])
                    done += len(part)
                    if progress is not None:
                        progress(table.name, done)
            if target.dialect == "postgresql":
                _set_sequences(dst, tables)
        report = []
        with source.engine.connect() as src, target.engine.connect() as dst:
            for table in tables:
                (n1, c1), (n2, c2) = checksum(src, table), checksum(dst, table)
                report.append(TableCopy(table.name, n1, n2, c1, c2))
        return CopyReport(report)
    finally:
        source.dispose()
        target.dispose()


def _set_sequences(conn, tables: list[Table]) -> None:
    for table in tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name}).scalar()
            if sequence:
                top = conn.execute(select(func.max(column))).scalar()
                conn.execute(text("SELECT setval(:s, :v, :called)"),
                             {"s": sequence, "v": top if top is not None else 1, "called": top is not None})
