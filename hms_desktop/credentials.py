"""Where a remembered database password lives: the operating system's keyring, or, on a machine
without one, a ``~/.pgpass`` file only its owner can read (PostgreSQL's own client library reads it).
Never the workstation settings file, never a log line."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the sign-in window shows before SQLAlchemy is loaded
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

SERVICE = "HMS Desktop database"


def _account(url: URL) -> str:
    return f"{url.username or ''}@{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _keyring():  # noqa: ANN202 - keyring's backend type
    """The usable keyring backend, or None (no desktop keyring on this machine)."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a broken keyring set-up is the same as none
        log.info("No keyring: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        return None
    return backend


def pgpass_path() -> Path:
    return Path(os.environ.get("PGPASSFILE") or Path.home() / ".pgpass")


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _write_pgpass(url: URL, password: str) -> Path:
    path = pgpass_path()
    key = ":".join(_pgpass_field(v) for v in (url.host or "localhost", str(url.port or 5432), url.database or "*",
                                                url.username or ""))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    lines = [line for line in lines if not line.startswith(key + ":")]
    lines.append(f"{key}:{_pgpass_field(password)}")
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.chmod(tmp, 0o600)  # libpq ignores a .pgpass others can read
    tmp.replace(path)
    return path


def remember(raw_url: str) -> str:
    """Keep the URL's password (if any) in the keyring, else in ``~/.pgpass``; return the URL
    without it, which is what may be written to the settings file."""
    from sqlalchemy.engine import make_url

    url = make_url(raw_url)
    if not url.password or url.get_backend_name() != "postgresql":
        return url.render_as_string(hide_password=False)
    password = str(url.password)
    bare = url._replace(password=None)  # URL.set(password=None) would keep it
    backend = _keyring()
    stored = False
    if backend is not None:
        try:
            backend.set_password(SERVICE, _account(bare), password)
            stored = True
            log.info("Database password for %s kept in the keyring", _account(bare))
        except Exception as exc:  # noqa: BLE001 - locked or refusing keyring: fall back
            log.info("The keyring refused the password (%s); using %s", type(exc).__name__, pgpass_path())
    if not stored:
        path = _write_pgpass(bare, password)
        log.info("Database password for %s kept in %s (readable only by you)", _account(bare), path)
    return bare.render_as_string(hide_password=False)


def recall(raw_url: str) -> str:
    """The URL with the password remembered for it, if the keyring holds one (a ``~/.pgpass`` entry
    needs nothing: the PostgreSQL client reads it itself)."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(raw_url)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported when it is used
        return raw_url
    if url.password or url.get_backend_name() != "postgresql":
        return raw_url
    backend = _keyring()
    if backend is None:
        return raw_url
    try:
        password = backend.get_password(SERVICE, _account(url))
    except Exception as exc:  # noqa: BLE001
        log.info("Could not read the keyring: %s", type(exc).__name__)
        return raw_url
    return url.set(password=password).render_as_string(hide_password=False) if password else raw_url
