"""Typed errors raised by services. Each carries a message written for the person at the desk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class HmsError(Exception):
    """Base class: ``str(error)`` is a sentence the UI can show as it is."""

    title = "Something went wrong"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HmsError):
    """Input that cannot be saved; ``fields`` maps a field name to what is wrong with it."""

    title = "Please check the form"

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(message or "; ".join(self.fields.values()))


class ConflictError(HmsError):
    """Someone else got there first: a record edited meanwhile, a name taken, a slot booked.

    ``current`` holds the record as it is now in the database when there is one to show.
    """

    title = "Changed by someone else"

    def __init__(self, message: str, current: Any = None) -> None:
        super().__init__(message)
        self.current = current


class PermissionDenied(HmsError):
    title = "Not allowed"


class NotFound(HmsError):
    title = "Not found"


class AuthenticationFailed(HmsError):
    title = "Sign-in failed"
    # For a wrong password of a real account: how many more tries before it locks (else None).
    attempts_left: int | None = None


class AccountLocked(AuthenticationFailed):
    title = "Account locked"

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class EnvironmentProblem(HmsError):
    """Not a bug: the database is unreachable, the disk is full, another desk holds a lock."""

    title = "Database problem"


class DatabaseUnavailable(EnvironmentProblem):
    title = "Cannot reach the database"


class Contention(EnvironmentProblem):
    """The database broke a tie between desks saving the same records at the same instant (a
    deadlock or a serialization failure). Nothing was saved; the same action can simply be repeated,
    and the services that can meet this repeat it themselves before it ever reaches a person."""

    title = "Busy moment"


class SessionEnded(PermissionDenied):
    """The signed-in account was deactivated, or its role changed, since this desk signed in: the
    call is refused and the desk must return to the sign-in window."""

    title = "Signed out"
