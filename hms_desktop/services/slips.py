"""Appointment slips: the appointment as an :class:`AppointmentSlip`, drawn by the shared renderer
in services/documents (its bundled fonts cover every script a patient's name may be in)."""

from __future__ import annotations

from pathlib import Path

from ..models import AppointmentKind, AppointmentStatus
from .doctors import specialties_of
from .documents import AppointmentSlip
from .permissions import Permission
from .scheduling import AppointmentRecord, SchedulingService
from .settings import SettingsService
from .unit_of_work import UnitsOfWork


def slip_of(appt: AppointmentRecord, *, clinic_name: str, specialties: str = "") -> AppointmentSlip:
    """What the slip shows for this appointment, as plain values."""
    return AppointmentSlip(
        clinic_name=clinic_name,
        appointment_id=appt.id,
        patient_name=appt.patient_name,
        patient_mrn=appt.patient_mrn,
        doctor_name=appt.doctor_name,
        starts_at=appt.local_start,
        ends_at=appt.local_end,
        kind_label=AppointmentKind(appt.kind).label,
        status_label=AppointmentStatus(appt.status).label,
        specialties=specialties,
        location=appt.location or "",
        token=appt.token,
        reason=appt.reason or "",
        # A walk-in is already here: telling them to arrive early makes no sense.
        walk_in=appt.kind == AppointmentKind.WALK_IN.value,
    )


class SlipService:
    def __init__(self, units: UnitsOfWork, scheduling: SchedulingService, settings: SettingsService) -> None:
        self._units = units
        self._scheduling = scheduling
        self._settings = settings

    def appointment_slip(self, appointment_id: int) -> bytes:
        """The slip as PDF bytes (call on the worker: rendering is CPU work)."""
        from .documents import render_appointment_slip

        self._units.authorise(Permission.SCHEDULE_VIEW)
        appt = self._scheduling.get(appointment_id)
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            specialties = ", ".join(s.name for s in specialties_of(uow.session, [appt.doctor_id])[appt.doctor_id])
        return render_appointment_slip(
            slip_of(appt, clinic_name=self._settings.get().clinic_name, specialties=specialties)
        )

    def write_appointment_slip(self, appointment_id: int, path: str | Path) -> Path:
        target = Path(path)
        data = self.appointment_slip(appointment_id)
        target.write_bytes(data)
        return target
