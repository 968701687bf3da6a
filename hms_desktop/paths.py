"""Where things live on disk: the user's data directory and the files shipped with the app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "HMS Desktop"
APP_AUTHOR = "HMS"


def _source_root() -> Path:
    # A PyInstaller bundle unpacks data files under sys._MEIPASS; a checkout has them beside the package.
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return _source_root() / "resources"


def migrations_dir() -> Path:
    return _source_root() / "migrations"


def data_dir() -> Path:
    override = os.environ.get("HMS_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_path() -> Path:
    return data_dir() / "hms.sqlite3"


def documents_dir() -> Path:
    """Where "Save as PDF" puts invoices, receipts and slips unless the person picks elsewhere."""
    path = data_dir() / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path
