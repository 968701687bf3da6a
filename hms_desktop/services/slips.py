"""The scheduler's paper: appointment slips (an :class:`AppointmentSlip`) and a doctor's day list
(a :class:`DayList`), drawn by the shared renderers in services/documents (their bundled fonts cover
every script a patient's name may be in)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from ..models import AppointmentKind, AppointmentStatus, Doctor, Patient
from .billing.common import terms
from .billing.shifts import clinic_from
from .contact import shown_phone
from .doctors import doctor_title, specialties_of
from .documents import AppointmentSlip, DayList, DayListRow
from .errors import NotFound
from .permissions import Permission
from .scheduling import AppointmentRecord, SchedulingService
from .settings import SettingsService, clinic_region
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

    def day_list(self, doctor_id: int, day: date | None = None) -> bytes:
        """The doctor's printable day list (A4) for the clinic's ``day`` (today if not given), from
        the same read as their queue, so SCHEDULE_VIEW. Not audited: like the slip and the reports,
        it is a view of the schedule, not a document handed to a patient. Call it on the worker."""
        from .documents import render_day_list

        day = day or self._scheduling.today()
        appointments = self._scheduling.doctor_day(doctor_id, day)
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            s = uow.session
            name = s.scalar(select(Doctor.full_name).where(Doctor.id == doctor_id))
            if name is None:
                raise NotFound("That doctor is no longer on the list; refresh and choose again.")
            t, region = terms(s), clinic_region(s)
            ids = {a.patient_id for a in appointments}
            phones = {pid: phone for pid, phone in s.execute(select(Patient.id, Patient.phone).where(Patient.id.in_(ids)))}
            printed_at = f"{self._scheduling.clock().astimezone(t.zone):%d %b %Y %H:%M}"
        rows = tuple(
            DayListRow(time=f"{a.local_start:%H:%M}", token=a.token, patient_name=a.patient_name,
                       patient_mrn=a.patient_mrn, phone=shown_phone(phones.get(a.patient_id) or "", region),
                       reason=a.reason or "", status_label=a.status_label)
            for a in appointments
        )
        return render_day_list(DayList(clinic=clinic_from(t), doctor_name=doctor_title(name), day=day, rows=rows,
                                       printed_at=printed_at))

    def write_appointment_slip(self, appointment_id: int, path: str | Path) -> Path:
        target = Path(path)
        data = self.appointment_slip(appointment_id)
        target.write_bytes(data)
        return target
