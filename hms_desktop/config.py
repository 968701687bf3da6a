"""Which database this workstation uses: --database, else HMS_DATABASE_URL, else the saved choice,
else a SQLite file in the user's data directory."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from . import credentials
from .paths import data_dir, default_database_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseChoice:
    url: str
    source: str  # "command line", "HMS_DATABASE_URL", "saved choice" or "default"


def _settings_file() -> Path:
    return data_dir() / "workstation.json"


def saved_database_url() -> str | None:
    try:
        data = json.loads(_settings_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("Ignoring unreadable %s: %s", _settings_file(), exc)
        return None
    url = data.get("database_url")
    return url if isinstance(url, str) and url.strip() else None


def save_database_url(url: str | None) -> None:
    """Remember the choice made in the connection dialog (None forgets it). A password in the URL
    goes to the keyring (or ``~/.pgpass``), never into this file."""
    path = _settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if url:
        data["database_url"] = credentials.remember(url)
    else:
        data.pop("database_url", None)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    tmp.replace(path)


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


def resolve_database(cli_value: str | None) -> DatabaseChoice:
    if cli_value:
        return DatabaseChoice(cli_value, "command line")
    env = os.environ.get("HMS_DATABASE_URL", "").strip()
    if env:
        return DatabaseChoice(env, "HMS_DATABASE_URL")
    saved = saved_database_url()
    if saved:
        return DatabaseChoice(credentials.recall(saved), "saved choice")
    return DatabaseChoice(default_database_url(), "default")


SSL_MODES = ("disable", "prefer", "require", "verify-full")


@dataclass(frozen=True)
class ConnectionFields:
    """A database URL taken apart for the Database window (never holding the password)."""

    kind: str  # "sqlite" or "postgresql"
    path: str = ""
    host: str = "127.0.0.1"
    port: int = 5432
    database: str = "hms"
    user: str = "hms"
    sslmode: str = "prefer"
    sslrootcert: str = ""


def connection_fields(raw_url: str) -> ConnectionFields:
    """What the Database window should show for ``raw_url`` (the one that failed, say)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(raw_url) if "://" in raw_url else None
    except Exception:  # noqa: BLE001 - anything unparsable: show it as a file path
        url = None
    if url is None:
        return ConnectionFields("sqlite", path=raw_url.strip())
    if url.get_backend_name() == "sqlite":
        return ConnectionFields("sqlite", path=url.database or "")
    query = dict(url.query)
    sslmode = str(query.get("sslmode") or "prefer")
    return ConnectionFields(
        "postgresql", host=url.host or "localhost", port=url.port or 5432, database=url.database or "",
        user=url.username or "", sslmode=sslmode if sslmode in SSL_MODES else "prefer",
        sslrootcert=str(query.get("sslrootcert") or ""),
    )
