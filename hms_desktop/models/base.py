"""Declarative base, naming conventions and column types shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic revisions can refer to them on both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always handed back timezone-aware.

    SQLite has no time zone type; without this, values read back from a SQLite file would be naive
    while the same values from PostgreSQL are aware, and comparisons between them would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def binary_string(length: int) -> String:
    """A string compared byte by byte on both dialects.

    Prefix searches are written as ranges (``token >= 'smi' AND token < 'smj'``) so one B-tree index
    serves them on SQLite and PostgreSQL alike; that only holds under code-point ordering, which is
    SQLite's default (BINARY) but needs ``COLLATE "C"`` on PostgreSQL.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")  # type: ignore[return-value]
