"""The visit and move rules, once: which action a user may take on an appointment now.

``allowed_actions(user, appointment, doctor)`` is the one answer. The services refuse a call with
``refusal(...)`` (the same rule, saying why), and every screen that enables a button or a drag asks
``allowed_actions``. Pure code: no database, no clock (the caller passes the clinic's ``today``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from ...models import AppointmentStatus
from ..errors import ConflictError, HmsError, PermissionDenied, ValidationError
from ..identity import CurrentUser
from ..permissions import Permission

S = AppointmentStatus

# Which status may follow which. Anything not listed is refused.
TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    S.REQUESTED: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW, S.REJECTED}),
    S.CHECKED_IN: frozenset({S.WITH_DOCTOR, S.CANCELLED}),
    S.WITH_DOCTOR: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.NO_SHOW: frozenset(),
}
# Statuses in which an appointment can still be moved, and in which it counts as "to be rebooked".
MOVABLE = (S.REQUESTED, S.CONFIRMED)


class VisitAction(StrEnum):
    CONFIRM = "confirm"
    CHECK_IN = "check_in"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REJECT = "reject"
    NO_SHOW = "no_show"
    MOVE = "move"  # reschedule, from a dialog or by dragging the card


# The status each workflow action leads to (MOVE keeps the status).
ACTION_STATUS: dict[VisitAction, AppointmentStatus] = {
    VisitAction.CONFIRM: S.CONFIRMED,
    VisitAction.CHECK_IN: S.CHECKED_IN,
    VisitAction.START: S.WITH_DOCTOR,
    VisitAction.COMPLETE: S.COMPLETED,
    VisitAction.CANCEL: S.CANCELLED,
    VisitAction.REJECT: S.REJECTED,
    VisitAction.NO_SHOW: S.NO_SHOW,
}
STATUS_ACTION = {status: action for action, status in ACTION_STATUS.items()}

# Who may ask for each status at all, before the appointment is read (the finer "own patients"
# rule is asked once the doctor is known: ``refusal``).
_MANAGE = (Permission.VISIT_MANAGE_ANY, Permission.VISIT_MANAGE_OWN)
STATUS_PERMISSIONS: dict[AppointmentStatus, tuple[Permission, ...]] = {
    S.REQUESTED: (Permission.SCHEDULE_BOOK,),
    S.CONFIRMED: (Permission.SCHEDULE_BOOK, *_MANAGE),
    S.CHECKED_IN: (Permission.VISIT_CHECK_IN,),
    S.WITH_DOCTOR: _MANAGE,
    S.COMPLETED: _MANAGE,
    S.REJECTED: _MANAGE,
    S.CANCELLED: (Permission.SCHEDULE_BOOK,),
    S.NO_SHOW: (Permission.SCHEDULE_BOOK,),
}

_REFUSALS = {
    S.COMPLETED: "This visit is already completed; it cannot change any more.",
    S.CANCELLED: "This appointment was cancelled; book a new one instead.",
    S.REJECTED: "The doctor rejected this appointment; book a new one instead.",
    S.NO_SHOW: "The patient was marked as a no-show; book a new appointment instead.",
}


class _Appointment(Protocol):
    status: Any
    local_day: date


class _Doctor(Protocol):
    full_name: str
    staff_account_id: int | None


def manages_visits(user: CurrentUser, doctor: _Doctor | None) -> bool:
    """Starts, completes and rejects this doctor's visits (and calls the next patient): an
    administrator for anyone, a doctor for their own patients."""
    if user.can(Permission.VISIT_MANAGE_ANY):
        return True
    own = doctor is not None and user.id is not None and doctor.staff_account_id == user.id
    return own and user.can(Permission.VISIT_MANAGE_OWN)


def permission_refusal(user: CurrentUser, action: VisitAction, doctor: _Doctor | None) -> HmsError | Permission | None:
    """None if the user's role allows the action for this doctor; else the error (or the permission
    to ask for, so the refusal reads like every other missing permission)."""
    if action == VisitAction.CHECK_IN:
        return None if user.can(Permission.VISIT_CHECK_IN) else Permission.VISIT_CHECK_IN
    if action in (VisitAction.START, VisitAction.COMPLETE, VisitAction.REJECT):
        if manages_visits(user, doctor):
            return None
        if user.can(Permission.VISIT_MANAGE_OWN):
            name = doctor.full_name if doctor is not None else "the doctor"
            return PermissionDenied(f"Only {name} (or an administrator) can do this for their patients.")
        return Permission.VISIT_MANAGE_ANY
    if action == VisitAction.CONFIRM:
        return None if manages_visits(user, doctor) or user.can(Permission.SCHEDULE_BOOK) else Permission.SCHEDULE_BOOK
    # cancel, no-show, move
    return None if user.can(Permission.SCHEDULE_BOOK) else Permission.SCHEDULE_BOOK


def status_refusal(current: AppointmentStatus, target: AppointmentStatus) -> str:
    if current == target:
        return f"The appointment is already {current.label.lower()}."
    if current in _REFUSALS:
        return _REFUSALS[current]
    allowed = ", ".join(sorted(s.label.lower() for s in TRANSITIONS[current]))
    return (
        f"A {current.label.lower()} appointment cannot be marked {target.label.lower()}; "
        f"it can next be: {allowed}."
    )


def _workflow_refusal(appointment: _Appointment, action: VisitAction, today: date | None) -> HmsError | None:
    current = S(appointment.status)
    if action == VisitAction.MOVE:
        if current in MOVABLE:
            return None
        return ConflictError(
            f"A {current.label.lower()} appointment cannot be moved; only requested or confirmed ones can."
        )
    target = ACTION_STATUS[action]
    if target not in TRANSITIONS[current]:
        return ConflictError(status_refusal(current, target))
    if action == VisitAction.CHECK_IN and today is not None and appointment.local_day != today:
        return ValidationError(
            {"status": f"This appointment is on {appointment.local_day:%a %d %b %Y}; "
             "patients can be checked in only on the day."}
        )
    return None


def refusal(
    user: CurrentUser, appointment: _Appointment, doctor: _Doctor | None, action: VisitAction,
    *, today: date | None = None,
) -> HmsError | Permission | None:
    """Why ``user`` may not take ``action`` now (the permission first, then the workflow), or None.

    A ``Permission`` means "the role lacks this one": the service turns it into the usual refusal.
    ``today`` (the clinic's date) adds the rule that patients check in only on the day.
    """
    return permission_refusal(user, action, doctor) or _workflow_refusal(appointment, action, today)


def allowed_actions(
    user: CurrentUser, appointment: _Appointment, doctor: _Doctor | None, *, today: date | None = None
) -> frozenset[VisitAction]:
    """Every action ``user`` may take on ``appointment`` (of ``doctor``) now."""
    return frozenset(a for a in VisitAction if refusal(user, appointment, doctor, a, today=today) is None)


__all__ = [
    "ACTION_STATUS", "MOVABLE", "STATUS_ACTION", "STATUS_PERMISSIONS", "TRANSITIONS", "VisitAction",
    "allowed_actions", "manages_visits", "permission_refusal", "refusal", "status_refusal",
]
