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
    WAITLIST_VIEW = "waitlist.view"  # the waiting list of patients who want an earlier or any time
    WAITLIST_MANAGE = "waitlist.manage"  # add patients to it and take them off
    # Billing.
    BILLING_VIEW = "billing.view"  # invoices, payments, balances, reprints
    INVOICE_CREATE = "invoice.create"  # start, edit and issue invoices
    INVOICE_DISCOUNT = "invoice.discount"  # discount a line, up to the role's limit (DISCOUNT_LIMITS_BP)
    INVOICE_VOID = "invoice.void"  # void an issued invoice, issue credit notes
    PAYMENT_TAKE = "payment.take"  # take payments and advances into one's own open shift
    PAYMENT_REFUND = "payment.refund"
    SHIFT_CLOSE = "shift.close"  # open and close one's own cashier shift
    SHIFT_VIEW_ALL = "shift.view_all"  # see and reopen every cashier's shifts
    PRICE_LIST_MANAGE = "price_list.manage"  # price list, tax rates, payer accounts
    BILLING_EXPORT = "billing.export"  # the accountant's journal
    # Notifications.
    NOTIFICATIONS_SEND = "notifications.send"  # run the outbox dispatcher (the desks' and hms notify run)
    # Reports and the dashboard.
    REPORTS_VIEW = "reports.view"  # appointment and patient figures, every doctor's
    REPORTS_VIEW_OWN = "reports.view_own"  # ... a doctor's own figures only
    REPORTS_MONEY = "reports.money"  # revenue, takings, outstanding balances
    # Clinical records (services/clinical). Every read of one leaves an audit row.
    CLINICAL_READ = "clinical.read"  # complaints, notes, diagnoses, prescriptions, vitals, allergies
    CLINICAL_WRITE = "clinical.write"  # write and sign visits: only the visit's own doctor
    VITALS_WRITE = "vitals.write"  # enter vitals and record allergies (nurses at check-in)
    CLINICAL_ACCESS_LOG = "clinical.access_log"  # list who opened a patient's clinical record
    CLINICAL_EXPORT = "clinical.export"  # a patient's whole record as a FHIR bundle (hms patient export)
    FORMULARY_MANAGE = "formulary.manage"  # the clinic formulary: medicines doctors pick from
    # Take off any attachment, with a reason (an administrator, e.g. a letter filed on the wrong
    # patient); the person who added one may take it off with CLINICAL_WRITE or VITALS_WRITE.
    DOCUMENTS_REMOVE_ANY = "documents.remove_any"


_FRONT_DESK = {
    Permission.PATIENT_VIEW,
    Permission.PATIENT_REGISTER,
    Permission.PATIENT_EDIT,
    Permission.DOCTOR_VIEW,
    Permission.SCHEDULE_VIEW,
    Permission.VISIT_CHECK_IN,
    Permission.WAITLIST_VIEW,
    # Sending the clinic's queued messages is not a privilege of the person signed in: whichever
    # desk holds the dispatch lock sends them (ui/notifications/desk_dispatch.py).
    Permission.NOTIFICATIONS_SEND,
}

# An administrator runs the clinic but is not a clinician: they may see who opened a record, never
# what it says (the minimum necessary), and cannot write or sign one.
_CLINICAL_CONTENT = {Permission.CLINICAL_READ, Permission.CLINICAL_WRITE, Permission.VITALS_WRITE}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission) - _CLINICAL_CONTENT,
    Role.RECEPTIONIST: frozenset(
        _FRONT_DESK
        | {
            Permission.PATIENT_ARCHIVE,
            Permission.SCHEDULE_BOOK,
            Permission.WAITLIST_MANAGE,
            Permission.BILLING_VIEW,
            Permission.INVOICE_CREATE,
            Permission.INVOICE_DISCOUNT,
            Permission.PAYMENT_TAKE,
            Permission.SHIFT_CLOSE,
            Permission.REPORTS_VIEW,
        }
    ),
    Role.NURSE: frozenset(_FRONT_DESK | {Permission.CLINICAL_READ, Permission.VITALS_WRITE, Permission.REPORTS_VIEW}),
    Role.DOCTOR: frozenset(
        {
            Permission.PATIENT_VIEW,
            Permission.PATIENT_EDIT,
            Permission.DOCTOR_VIEW,
            Permission.SCHEDULE_VIEW,
            Permission.WAITLIST_VIEW,
            Permission.VISIT_MANAGE_OWN,
            Permission.AVAILABILITY_EDIT_OWN,
            Permission.REPORTS_VIEW_OWN,
            Permission.CLINICAL_READ,
            Permission.CLINICAL_WRITE,
            Permission.VITALS_WRITE,
            Permission.NOTIFICATIONS_SEND,
        }
    ),
}


# The largest discount each role may give on a line, in basis points of the line (1000 = 10 %).
# A role without INVOICE_DISCOUNT gives none whatever is listed here.
DISCOUNT_LIMITS_BP: dict[Role, int] = {Role.ADMIN: 10000, Role.RECEPTIONIST: 1000}


def discount_limit_bp(role: str) -> int:
    try:
        return DISCOUNT_LIMITS_BP.get(Role(role), 0)
    except ValueError:
        return 0


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
