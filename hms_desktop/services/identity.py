"""The signed-in user, shared by the services of one workstation."""

from __future__ import annotations

import getpass
import socket
import threading
import uuid
from dataclasses import dataclass, field

from .errors import PermissionDenied
from .permissions import Permission, permissions_for


@dataclass(frozen=True)
class CurrentUser:
    id: int | None  # None for the command line acting as the system
    username: str
    full_name: str
    role: str
    must_change_password: bool = False
    permissions: frozenset[Permission] = field(default=frozenset(), repr=False)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def role_label(self) -> str:
        return self.role.capitalize()


def workstation_name() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


class Identity:
    """Holds who is signed in. Set on sign-in, read by the worker thread; swaps are atomic."""

    def __init__(self) -> None:
        self._user: CurrentUser | None = None
        self._lock = threading.Lock()
        self.workstation = workstation_name()
        # This running app among all desks: change notices carry it, so the screen that made a
        # change can tell its own notices from other desks' ones.
        self.desk_id = uuid.uuid4().hex[:12]

    @property
    def user(self) -> CurrentUser | None:
        return self._user

    def set(self, user: CurrentUser | None) -> None:
        with self._lock:
            self._user = user

    def act_as_system(self) -> CurrentUser:
        """For the command line: whoever can run it on the database's machine administers it."""
        try:
            who = getpass.getuser()
        except Exception:  # noqa: BLE001 - getuser raises various errors in containers
            who = "unknown"
        user = CurrentUser(
            id=None,
            username=f"cli:{who}",
            full_name=f"Command line ({who})",
            role="admin",
            permissions=permissions_for("admin"),
        )
        self.set(user)
        return user

    def require(self, permission: Permission) -> CurrentUser:
        user = self._user
        if user is None:
            raise PermissionDenied("Please sign in first.")
        if permission not in user.permissions:
            raise PermissionDenied(
                f"Your role ({user.role_label}) does not allow this ({permission.value}). "
                "Ask an administrator if you need it."
            )
        return user

    def require_signed_in(self) -> CurrentUser:
        user = self._user
        if user is None:
            raise PermissionDenied("Please sign in first.")
        return user
