"""The visit workflow at the desk and in the consulting room: confirm, check in, start, complete,
cancel, reject, no-show, "call next", and the queue of patients waiting.

Every step is refused, or allowed, by ``visit_rules`` (the same rule the screens ask to enable
their buttons).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...models import Appointment, AppointmentStatus, Doctor
from ..errors import ConflictError, NotFound, ValidationError
from ..notifications import messages as notify
from ..permissions import Permission
from ..unit_of_work import UnitOfWork, retry_on_contention
from .appointment_changes import explain_schedule_constraints, load_for_change, load_record, stale
from .booking_checks import check_reason
from .booking_sql import add_event, appointment_query, next_token, queue_behind_other_desks
from .clinic_clock import ClockedService
from .freed_slots import slot_freed
from .records import AppointmentRecord, appointment_record
from .slot_math import fmt
from .visit_rules import (
    STATUS_ACTION,
    STATUS_PERMISSIONS,
    VisitAction,
    permission_refusal,
    refusal,
    status_refusal,
)

S = AppointmentStatus


class VisitService(ClockedService):

    def confirm(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.CONFIRMED, expected_version=expected_version)

    def check_in(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        """The patient has arrived: stamps the arrival time and gives them today's next token."""
        return self.change_status(appointment_id, S.CHECKED_IN, expected_version=expected_version)

    def start_visit(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.WITH_DOCTOR, expected_version=expected_version)

    def complete(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.COMPLETED, expected_version=expected_version)

    def cancel(
        self, appointment_id: int, reason: str, *, by: str = "patient", expected_version: int | None = None
    ) -> AppointmentRecord:
        """Cancel, by the patient or by the clinic (``by``); a reason is required. Frees the slot."""
        return self.change_status(appointment_id, S.CANCELLED, reason=reason, cancelled_by=by,
                                  expected_version=expected_version)

    def reject(self, appointment_id: int, reason: str, *, expected_version: int | None = None) -> AppointmentRecord:
        """The doctor declines the appointment; a reason is required. Frees the slot."""
        return self.change_status(appointment_id, S.REJECTED, reason=reason, expected_version=expected_version)

    def mark_no_show(self, appointment_id: int, *, expected_version: int | None = None) -> AppointmentRecord:
        return self.change_status(appointment_id, S.NO_SHOW, expected_version=expected_version)

    @retry_on_contention
    def change_status(
        self,
        appointment_id: int,
        new_status: str,
        *,
        reason: str = "",
        cancelled_by: str = "clinic",
        expected_version: int | None = None,
    ) -> AppointmentRecord:
        """Move an appointment along its workflow; refuses (ConflictError) what the workflow does not allow:
        requested -> confirmed -> checked_in -> with_doctor -> completed, plus cancelled, rejected, no_show."""
        try:
            target = S(new_status)
        except ValueError:
            raise ValidationError({"status": f"'{new_status}' is not an appointment status."}) from None
        with self._units.write(
            any_of=STATUS_PERMISSIONS[target], stale=lambda: stale(self._units, self._clock, appointment_id)
        ) as uow:
            if target in (S.CANCELLED, S.REJECTED):
                reason = check_reason(reason, required=True)
            else:
                reason = check_reason(reason, required=False)
            if target == S.CANCELLED and cancelled_by not in ("patient", "clinic"):
                raise ValidationError({"cancelled_by": "Say whether the patient or the clinic cancelled."})
            session = uow.session
            zone = self._zone(session)
            appt = load_for_change(session, appointment_id, expected_version, zone, self._now())
            explain_schedule_constraints(uow, self._units, self._clock, appt.doctor_id, appt.patient_id, appt.starts_at)
            doctor = session.get(Doctor, appt.doctor_id)
            assert doctor is not None
            self._apply(uow, zone, appt, doctor, target, reason=reason, cancelled_by=cancelled_by)
            session.flush()
            return load_record(session, appt.id, zone, self._now())

    @retry_on_contention
    def call_next(self, doctor_id: int) -> AppointmentRecord | None:
        """The doctor is ready: the earliest-arrived checked-in patient today goes in (with_doctor).
        None if nobody is waiting."""
        busy = ConflictError("Another desk called a patient at the same moment. Please look at the list again.")
        with self._units.write(any_of=STATUS_PERMISSIONS[S.WITH_DOCTOR], stale=lambda: busy) as uow:
            session = uow.session
            zone = self._zone(session)
            # Two presses of "call next" queue up instead of both picking the same patient.
            queue_behind_other_desks(session.connection(), doctor_id)
            doctor = session.get(Doctor, doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            _raise(uow, permission_refusal(uow.actor, VisitAction.START, doctor))
            today = self._now().astimezone(zone).date()
            with_doctor = session.execute(
                appointment_query().where(
                    Appointment.doctor_id == doctor_id, Appointment.local_day == today,
                    Appointment.status == S.WITH_DOCTOR.value,
                ).limit(1)
            ).first()
            if with_doctor is not None:
                raise ConflictError(
                    f"{doctor.full_name} is still with {with_doctor.given_name} {with_doctor.family_name}"
                    f" (token {with_doctor.token}). Complete that visit first."
                )
            nxt = session.scalar(
                select(Appointment)
                .where(Appointment.doctor_id == doctor_id, Appointment.local_day == today,
                       Appointment.status == S.CHECKED_IN.value)
                .order_by(Appointment.arrived_at, Appointment.id)
                .limit(1)
            )
            if nxt is None:
                return None
            self._apply(uow, zone, nxt, doctor, S.WITH_DOCTOR)
            session.flush()
            return load_record(session, nxt.id, zone, self._now())

    def queue(self, doctor_id: int, day: date | None = None) -> list[AppointmentRecord]:
        """Patients checked in and waiting for the doctor, in arrival order (walk-ins included)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            day = day or self._now().astimezone(zone).date()
            now = self._now()
            rows = session.execute(
                appointment_query()
                .where(Appointment.doctor_id == doctor_id, Appointment.local_day == day,
                       Appointment.status == S.CHECKED_IN.value)
                .order_by(Appointment.arrived_at, Appointment.id)
            )
            return [appointment_record(r, zone, now) for r in rows]

    def _apply(
        self, uow: UnitOfWork, zone: ZoneInfo, appt: Appointment, doctor: Doctor, target: AppointmentStatus,
        *, reason: str = "", cancelled_by: str = "clinic",
    ) -> None:
        session, user = uow.session, uow.actor
        current = S(appt.status)
        now = self._now()
        action = STATUS_ACTION.get(target)
        if action is None:  # "requested" is where a booking starts; no step leads back to it
            uow.require(Permission.SCHEDULE_BOOK)
            raise ConflictError(status_refusal(current, target))
        _raise(uow, refusal(user, appt, doctor, action, today=now.astimezone(zone).date()))
        if target == S.CHECKED_IN:
            appt.arrived_at = now
            if appt.token is None:
                appt.token = next_token(session, appt.doctor_id, appt.local_day)
        elif target == S.WITH_DOCTOR:
            appt.called_at = now
        elif target == S.COMPLETED:
            appt.completed_at = now
        elif target == S.CANCELLED:
            appt.cancelled_by = cancelled_by
        if reason:
            appt.status_reason = reason
        appt.status = target.value
        session.flush()
        add_event(session, user, appt, "status", current, target, now, reason=reason)
        who = f" by the {cancelled_by}" if target == S.CANCELLED else ""
        uow.audit(
            f"appointment.{target.value}", entity_type="appointment", entity_id=appt.id,
            summary=f"Appointment at {fmt(appt.starts_at, zone)}: {current.label} -> {target.label}{who}"
            + (f" ({reason})" if reason else ""),
            changes={"status": [current.value, target.value]},
        )
        kind = {S.CHECKED_IN: "checked_in", S.CANCELLED: "cancelled"}.get(target, "status")
        uow.announce("schedule", kind, doctor_id=appt.doctor_id, day=appt.local_day, appointment_id=appt.id)
        if target in (S.CANCELLED, S.REJECTED):
            slot_freed(session, zone, appt.doctor_id, appt.starts_at, now, freed_by_patient=appt.patient_id)
        if target == S.CANCELLED:
            uow.enqueue(notify.cancelled(appt.id, appt.starts_at, appt.ends_at, cancelled_by, reason))
        elif target == S.REJECTED:
            uow.enqueue(notify.rejected(appt.id, appt.starts_at, appt.ends_at, reason))
        elif target == S.CONFIRMED and current == S.REQUESTED:
            uow.enqueue(notify.confirmed(appt.id, appt.starts_at, appt.ends_at))


def _raise(uow: UnitOfWork, why: object) -> None:
    """Refuse with what visit_rules answered: a Permission the role lacks, or the error itself."""
    if why is None:
        return
    if isinstance(why, Permission):
        uow.require(why)
        return
    raise why  # type: ignore[misc]


__all__ = ["VisitService"]
