"""Password hashing with bcrypt. Slow on purpose: call it from the worker thread, never the GUI."""

from __future__ import annotations

import os

import bcrypt

MIN_LENGTH = 8
MAX_BYTES = 72  # bcrypt's own limit; bcrypt 5 raises beyond it rather than silently truncating


def _rounds() -> int:
    # Tests set HMS_BCRYPT_ROUNDS=4; production keeps bcrypt's default cost.
    try:
        return max(4, min(16, int(os.environ.get("HMS_BCRYPT_ROUNDS", "12"))))
    except ValueError:
        return 12


def problem_with(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password.encode("utf-8")) > MAX_BYTES:
        return f"Use at most {MAX_BYTES} bytes (about {MAX_BYTES} Latin letters)."
    if password.strip() != password:
        return "A password cannot start or end with a space."
    return None


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def verify(password: str, hashed: str) -> bool:
    data = password.encode("utf-8")
    if len(data) > MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(data, hashed.encode("ascii"))
    except ValueError:
        return False


# Compared against when the user name is unknown, so a wrong name takes as long as a wrong password:
# made with the cost real hashes get (a cheaper one answered in 1 ms where a real check took 270).
_dummy_hashes: dict[int, str] = {}


def _dummy_hash() -> str:
    rounds = _rounds()
    found = _dummy_hashes.get(rounds)
    if found is None:
        found = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds)).decode("ascii")
        _dummy_hashes[rounds] = found
    return found


def burn_time(password: str) -> None:
    verify(password, _dummy_hash())
