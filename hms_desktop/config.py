"""Which database this workstation uses: --database, else HMS_DATABASE_URL, else the saved choice,
else a SQLite file in the user's data directory."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

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
    """Remember the choice made in the connection dialog (None forgets it)."""
    path = _settings_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if url:
        data["database_url"] = url
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
        return DatabaseChoice(saved, "saved choice")
    return DatabaseChoice(default_database_url(), "default")
