"""Who may do what. Every service call checks here, whatever the UI shows or hides."""

from __future__ import annotations

from enum import StrEnum

from ..models import Role


class Permission(StrEnum):
    PATIENT_VIEW = "patient.view"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT = "patient.edit"
    PATIENT_ARCHIVE = "patient.archive"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    AUDIT_VIEW = "audit.view"
    SETTINGS_MANAGE = "settings.manage"
    DEMO_DATA = "demo.load"
    BACKUP_MANAGE = "backup.manage"  # take, check and restore backups; backup settings
    # Doctors, availability and the scheduler.
    DOCTOR_VIEW = "doctor.view"
    DOCTOR_MANAGE = "doctor.manage"  # add/edit doctors, manage the specialty list
    DOCTOR_VERIFY = "doctor.verify"  # approve a new doctor so that they can be booked
    SCHEDULE_VIEW = "schedule.view"  # free slots, day lists, appointment history
    SCHEDULE_BOOK = "schedule.book"  # book, reschedule, confirm, cancel, walk-ins, no-shows
    VISIT_CHECK_IN = "visit.check_in"  # mark a patient as arrived
    VISIT_MANAGE_OWN = "visit.manage_own"  # call next, complete, reject: own patients
    VISIT_MANAGE_ANY = "visit.manage_any"  # ... any doctor's patients
    AVAILABILITY_EDIT_OWN = "availability.edit_own"  # own weekly template, leave and blocks
    AVAILABILITY_EDIT_ANY = "availability.edit_any"  # anyone's, and clinic holidays


_FRONT_DESK = {
    Permission.PATIENT_VIEW,
    Permission.PATIENT_REGISTER,
    Permission.PATIENT_EDIT,
    Permission.DOCTOR_VIEW,
    Permission.SCHEDULE_VIEW,
    Permission.VISIT_CHECK_IN,
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.RECEPTIONIST: frozenset(_FRONT_DESK | {Permission.PATIENT_ARCHIVE, Permission.SCHEDULE_BOOK}),
    Role.NURSE: frozenset(_FRONT_DESK),
    Role.DOCTOR: frozenset(
        {
            Permission.PATIENT_VIEW,
            Permission.PATIENT_EDIT,
            Permission.DOCTOR_VIEW,
            Permission.SCHEDULE_VIEW,
            Permission.VISIT_MANAGE_OWN,
            Permission.AVAILABILITY_EDIT_OWN,
        }
    ),
}


def permissions_for(role: str) -> frozenset[Permission]:
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


# Role names in the order a form should offer them, so the UI can list roles without importing models.
ROLES: tuple[str, ...] = tuple(role.value for role in Role)


def role_label(role: str) -> str:
    """How a role is written for people: 'receptionist' -> 'Receptionist'."""
    return role.capitalize()
