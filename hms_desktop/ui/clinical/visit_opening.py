"""Opening the visit record of an appointment: which appointments have one, and what the screen
needs, loaded together on the worker (the visit, the clinic's zone, the allergies typed at
registration, which are on the patient record rather than the allergy list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ...services.clinical import VisitRecord
from ...services.errors import HmsError
from ...services.permissions import Permission

#: Appointment statuses whose visit record can be opened: arrived, with the doctor, or done.
VISIT_RECORD_STATUSES = frozenset({"checked_in", "with_doctor", "completed"})


@dataclass(frozen=True)
class OpenedVisit:
    visit: VisitRecord
    zone: tzinfo
    registration_allergies: str  # as typed at registration ("" if none, or not readable here)
    own_doctor_id: int | None  # the doctor profile of the signed-in account: they write only their own visits


def open_visit(services: Any, appointment_id: int) -> OpenedVisit:
    """Worker thread: the appointment's visit (started as a draft if it has none yet)."""
    return _with_context(services, services.clinical.open_for_appointment(appointment_id))


def read_visit(services: Any, visit_id: int) -> OpenedVisit:
    """Worker thread: a visit picked from the patient's history."""
    return _with_context(services, services.clinical.get_visit(visit_id))


def _with_context(services: Any, visit: VisitRecord) -> OpenedVisit:
    try:
        typed = services.patients.get(visit.patient_id).allergies
    except HmsError:
        typed = ""  # the allergy list still shows; the typed line is a courtesy
    own = services.doctors.for_current_user() if services.auth.current.can(Permission.DOCTOR_VIEW) else None
    return OpenedVisit(visit, services.scheduling.time_zone(), typed, own.id if own is not None else None)
