"""Opening the visit record of an appointment: which appointments have one, and what the screen
needs, loaded together on the worker (the visit, the clinic's zone, the allergies typed at
registration, which are on the patient record rather than the allergy list)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from ...services.clinical import VisitRecord
from ...services.errors import HmsError

#: Appointment statuses whose visit record can be opened: arrived, with the doctor, or done.
VISIT_RECORD_STATUSES = frozenset({"checked_in", "with_doctor", "completed"})


@dataclass(frozen=True)
class OpenedVisit:
    visit: VisitRecord
    zone: tzinfo
    registration_allergies: str  # as typed at registration ("" if none, or not readable here)


def open_visit(services: Any, appointment_id: int) -> OpenedVisit:
    """Worker thread: the appointment's visit (started as a draft if it has none yet)."""
    visit = services.clinical.open_for_appointment(appointment_id)
    try:
        typed = services.patients.get(visit.patient_id).allergies
    except HmsError:
        typed = ""  # the allergy list still shows; the typed line is a courtesy
    return OpenedVisit(visit, services.scheduling.time_zone(), typed)
