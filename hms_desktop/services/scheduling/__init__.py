"""The scheduler, split by job (see docs/architecture.md, "The scheduler"):

records        the frozen records and SlotTaken the services hand back
slot_math      pure slot arithmetic in the clinic's zone, DST included (no database)
clinic_clock   the clinic's time zone and "now", shared by the three services
visit_rules    allowed_actions(user, appointment, doctor): the visit and move rules, once
booking_sql    the booking statements and PostgreSQL advisory locking, history rows, tokens
booking_checks the clash check, "fits the doctor's hours", doctor and patient checks, once
doctor_calendar  sessions, exceptions and busy time of doctors over a range (three range scans)
free_time      next free slots, and the suggestions for a desk that lost a slot
appointment_changes  loading an appointment at the version seen; constraint explanations
availability   AvailabilityService: weekly templates, leave, blocks, clinic holidays
visits         VisitService: confirm, check in, start, complete, cancel, reject, no-show, call next
booking        SchedulingService: free slots, book, move, walk-ins, day lists
follow_up      the follow-up offer of a visit, and who may book it (a doctor: own calendar only)

Everything a caller imported from ``services.scheduling`` before the split still comes from here.
"""

from .availability import AvailabilityService
from .booking import SchedulingService
from .clinic_clock import ClinicClock
from .follow_up import FollowUpOffer
from .records import (
    AppointmentEventRecord,
    AppointmentRecord,
    DoctorDay,
    ExceptionChange,
    ExceptionRecord,
    SessionInput,
    Slot,
    SlotTaken,
    TemplateChange,
    WalkIn,
    WeeklySessionRecord,
)
from .slot_math import MAX_APPOINTMENT, local_day_bounds, session_bounds, session_slots
from .visit_rules import MOVABLE, TRANSITIONS, VisitAction, allowed_actions, manages_visits
from .visits import VisitService

__all__ = [
    "MAX_APPOINTMENT",
    "MOVABLE",
    "TRANSITIONS",
    "AppointmentEventRecord",
    "AppointmentRecord",
    "AvailabilityService",
    "ClinicClock",
    "DoctorDay",
    "FollowUpOffer",
    "ExceptionChange",
    "ExceptionRecord",
    "SchedulingService",
    "SessionInput",
    "Slot",
    "SlotTaken",
    "TemplateChange",
    "VisitAction",
    "VisitService",
    "WalkIn",
    "WeeklySessionRecord",
    "allowed_actions",
    "local_day_bounds",
    "manages_visits",
    "session_bounds",
    "session_slots",
]
