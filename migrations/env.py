"""Alembic environment. The app passes its engine in; the alembic CLI builds one from the URL."""

from __future__ import annotations

import os
import warnings

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.exc import SAWarning

from hms_desktop.models import Base
from hms_desktop.services.database import normalise_url

config = context.config
target_metadata = Base.metadata


# Objects the models do not (cannot portably) declare, created by hand in a revision: the
# PostgreSQL exclusion constraints against double booking (0002). SQLAlchemy 2.0 does not reflect
# them today; if a later version reports them (or their GiST indexes), autogenerate would propose
# dropping them and `alembic check` would fail, so they are skipped by name here.
# Likewise the SQLite expression indexes on the minutes waited (hx_, 0017_repfast): SQLAlchemy cannot
# declare an index that exists on one database only.
HAND_MADE_PREFIXES = ("ex_", "hx_")
SKIPPED_HX = "Skipped unsupported reflection of expression-based index hx_"


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ARG001 - Alembic's signature
    if reflected and compare_to is None and name and name.startswith(HAND_MADE_PREFIXES):
        return False
    return True


def _engine():
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    url = os.environ.get("HMS_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("Set HMS_DATABASE_URL (or sqlalchemy.url in alembic.ini) to the database to migrate.")
    return create_engine(normalise_url(url))


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=include_object,
        )
        with context.begin_transaction(), warnings.catch_warnings():
            # SQLAlchemy cannot reflect the hx_ expression indexes and says so; compare skips them.
            warnings.filterwarnings("ignore", SKIPPED_HX, SAWarning)
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
