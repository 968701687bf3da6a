"""Booking: free slots, book, move, walk-ins, and the day lists the scheduler shows.

No double booking: the same doctor, and the same patient, never hold two overlapping slot-holding
appointments. PostgreSQL refuses them with exclusion constraints (migration 0002); SQLite takes the
write lock up front (BEGIN IMMEDIATE) and the overlap check (booking_checks) runs under it.
Whichever desk loses gets ``SlotTaken`` (a ConflictError) carrying the next free slots.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import (
    SLOT_HOLDING_STATUSES,
    Appointment,
    AppointmentEvent,
    AppointmentKind,
    AppointmentStatus,
    Doctor,
    Patient,
    utcnow,
)
from ..change_feed import ChangeFeed, open_change_feed
from ..doctors import not_bookable_reason
from ..errors import Contention, NotFound, ValidationError
from ..notifications import messages as notify
from ..permissions import Permission
from ..text import fold
from ..unit_of_work import UnitOfWork, UnitsOfWork, retry_on_contention
from . import follow_up
from .appointment_changes import (
    OVERLAP_CONSTRAINTS,
    explain_schedule_constraints,
    load_for_change,
    load_record,
    stale,
)
from .booking_checks import (
    Clash,
    check_clashes,
    check_doctor,
    check_fits,
    check_patient,
    check_reason,
    check_times,
    check_window,
    slot_end,
    slot_minutes_at,
)
from .booking_sql import (
    BookingValues,
    add_event,
    appointment_query,
    booked_record,
    insert_booking,
    next_token,
    queue_behind_other_desks,
    read_booking_context,
)
from .clinic_clock import ClinicClock, ClockedService
from .doctor_calendar import Calendar, bookable_doctor_rows, doctor_rows, load_calendar
from .follow_up import FollowUpOffer
from .free_time import next_free, slot_taken
from .freed_slots import filled_params, holds_a_slot, slot_filled, slot_freed, uncovered_parts
from .records import (
    AppointmentEventRecord,
    AppointmentRecord,
    DoctorDay,
    Slot,
    SlotTaken,
    WalkIn,
    appointment_record,
    exception_record,
    patient_name,
    slot,
)
from .slot_math import (
    MAX_APPOINTMENT,
    MAX_SLOT_MINUTES,
    MIN_SLOT_MINUTES,
    fit,
    fmt,
    is_aware,
    local_day_bounds,
    session_bounds,
    slot_length_at,
)
from .visit_rules import VisitAction, refusal
from .waiting_list import close_booked

S = AppointmentStatus


class SchedulingService(ClockedService):
    def __init__(self, units: UnitsOfWork, clock: ClinicClock | None = None) -> None:
        super().__init__(units, clock)
        self._is_sqlite = units.db.is_sqlite

    # --- the clinic's clock ------------------------------------------------------------------

    @property
    def clock(self) -> Callable[[], datetime]:
        """The clock every scheduling service reads (aware datetimes); tests and demos set their own."""
        return self._clock.source

    @clock.setter
    def clock(self, source: Callable[[], datetime]) -> None:
        self._clock.source = source

    def time_zone(self) -> ZoneInfo:
        return self._clock.time_zone()

    def today(self) -> date:
        """Today's date in the clinic's time zone."""
        return self._clock.today()

    # --- free slots --------------------------------------------------------------------------

    def free_slots(self, doctor_id: int, day: date, *, include_past: bool = False) -> list[Slot]:
        """The doctor's free slots on a local day: template sessions minus bookings, leave, blocks and
        holidays (and, unless ``include_past``, minus slots that have already begun)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            doctor = doctor_rows(session, [doctor_id]).get(doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            start, end = local_day_bounds(day, zone)
            cal = load_calendar(session, zone, [doctor_id], start, end)
            return [
                slot(doctor, s, e, zone)
                for s, e in cal.free(doctor_id, day, None if include_past else self._now())
            ]

    def next_available(self, doctor_id: int, *, after: datetime | None = None, count: int = 1) -> list[Slot]:
        """The doctor's next ``count`` free slots from ``after`` (default now). Empty if the doctor cannot
        be booked or has nothing free within the search horizon."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            doctor = doctor_rows(session, [doctor_id]).get(doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            if not_bookable_reason(doctor):
                return []
            return next_free(session, self._zone(session), self._now(), {doctor.id: doctor}, after, count)

    def next_available_for_specialty(
        self, specialty_id: int, *, after: datetime | None = None, count: int = 5, location: str = ""
    ) -> list[Slot]:
        """The earliest free slots with any bookable doctor of the specialty, earliest first."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            doctors = bookable_doctor_rows(session, specialty_id, fold(location.strip()) if location.strip() else "")
            if not doctors:
                return []
            return next_free(session, self._zone(session), self._now(), doctors, after, count)

    # --- booking -----------------------------------------------------------------------------

    @retry_on_contention
    def book(
        self,
        patient_id: int,
        doctor_id: int,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        reason: str = "",
        kind: str = AppointmentKind.SCHEDULED,
        confirmed: bool = True,
    ) -> AppointmentRecord:
        """Book a patient into the doctor's free time. Without ``ends_at`` the appointment lasts one
        slot of the session it starts in. ``confirmed=False`` records a request the doctor confirms.

        Raises SlotTaken (with ``suggestions``) if the doctor or the patient is busy then.
        """
        return self._book(patient_id, doctor_id, starts_at, ends_at, reason=reason, kind=kind, confirmed=confirmed)

    # --- the follow-up a doctor asked for (follow_up.py holds the rule) -----------------------

    def follow_up_offer(self, visit_id: int, day: date | None = None) -> FollowUpOffer:
        """The first free slot of the visit's doctor on the follow-up day (``day``, else the one
        stored on the visit) that the patient is also free for, else the first one on a later day;
        or the appointment the patient already holds with the doctor that day."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            return follow_up.offer(uow.session, self._zone(uow.session), self._now(), visit_id, day)

    @retry_on_contention
    def book_follow_up(self, visit_id: int, starts_at: datetime) -> AppointmentRecord:
        """Book the visit's patient with the visit's doctor at ``starts_at`` (one slot), as a
        follow-up, through the same checks, audit and change notice as ``book``. A desk with
        SCHEDULE_BOOK may; a doctor may for their own visit only (follow_up.require_may_book)."""
        def guard(uow: UnitOfWork) -> tuple[int, int]:
            patient_id, doctor_id, _day = follow_up.load_visit(uow.session, visit_id)
            follow_up.require_may_book(uow, doctor_id)
            return patient_id, doctor_id

        return self._book(None, None, starts_at, None, reason="Follow-up", kind=AppointmentKind.FOLLOW_UP,
                          confirmed=True, permissions=(Permission.SCHEDULE_BOOK, Permission.CLINICAL_WRITE),
                          guard=guard)

    def _book(
        self,
        patient_id: int | None,
        doctor_id: int | None,
        starts_at: datetime,
        ends_at: datetime | None,
        *,
        reason: str,
        kind: str,
        confirmed: bool,
        permissions: tuple[Permission, ...] = (Permission.SCHEDULE_BOOK,),
        guard: Callable[[UnitOfWork], tuple[int, int]] | None = None,
    ) -> AppointmentRecord:
        """``book``'s one body. ``guard`` (inside the unit, after the permission) names the patient
        and the doctor when the caller does not (a follow-up: from the visit)."""
        now = self._now()
        start = starts_at.astimezone(UTC) if is_aware(starts_at) else starts_at
        end: datetime | None = None
        # The hot path of the busiest write: Core statements built once, run on the unit of work's
        # connection (no ORM objects, no flush), one read for everything the checks need.
        try:
            with self._units.write(any_of=permissions) as uow:
                if guard is not None:
                    patient_id, doctor_id = guard(uow)
                if patient_id is None or doctor_id is None:
                    raise ValidationError({"": "Choose the patient and the doctor."})
                reason = check_reason(reason, required=False, limit=500)
                if kind not in (AppointmentKind.SCHEDULED, AppointmentKind.FOLLOW_UP):
                    raise ValidationError({"kind": "Choose scheduled or follow-up (walk-ins are added to the queue)."})
                check_times(starts_at, ends_at)
                # On SQLite this is BEGIN IMMEDIATE: the lock comes first. On PostgreSQL the insert
                # below queues behind other desks for this doctor and patient (_booking_insert_statement).
                conn = uow.connection
                zone = self._zone(uow.session)
                local_day = start.astimezone(zone).date()
                ctx = read_booking_context(
                    conn, zone, doctor_id, patient_id, local_day.weekday(), start,
                    ends_at.astimezone(UTC) if ends_at is not None else start + MAX_APPOINTMENT,
                )
                doctor, patient, cal = check_doctor(ctx.doctor), check_patient(ctx.patient), ctx.calendar
                end = ends_at.astimezone(UTC) if ends_at is not None else slot_end(cal, doctor, start)
                check_window(start, end, now, zone)
                check_fits(cal, doctor, start, end, local_day)
                if self._is_sqlite:
                    # SQLite has no exclusion constraint: this check, under the write lock taken above,
                    # is what refuses the overlap. PostgreSQL's exclusion constraints refuse it on the
                    # insert below (also against bookings not yet committed); the clash is looked up
                    # for the message only then, so a booking that fits costs no extra query.
                    check_clashes(conn, doctor_id, patient_id, start, end)
                clash_window = (start, end)
                for constraint, who in OVERLAP_CONSTRAINTS.items():
                    uow.explain_constraint(constraint, lambda who=who: self._slot_taken(
                        self._clash_after(who, doctor_id, patient_id, *clash_window), doctor_id, patient_id, starts_at))
                status = S.CONFIRMED if confirmed else S.REQUESTED
                values = BookingValues(
                    patient_id=patient_id, doctor_id=doctor_id, starts_at=start, ends_at=end, local_day=local_day,
                    status=status.value, kind=str(kind), reason=reason, actor=uow.actor, at=self._now(),
                    written_at=utcnow(),
                    audit=uow.audit_values(
                        "appointment.booked", entity_type="appointment",
                        summary=f"Booked {patient_name(patient)} ({patient.mrn}) with {doctor.full_name} "
                        f"at {fmt(start, zone)}",
                    ),
                    message=uow.outbox_values(notify.booked(start, end, requested=not confirmed)),
                    message_key=(notify.BOOKED_KEY_PREFIX, notify.BOOKED_KEY_SUFFIX),
                )
                appointment_id, audit_id = insert_booking(conn, values)
                uow.written_audit([(audit_id, {**values.audit, "entity_id": str(appointment_id)})])
                close_booked(uow, patient_id, doctor_id, appointment_id, values.at,
                             f"{patient_name(patient)} ({patient.mrn}) booked with {doctor.full_name}",
                             filled=filled_params(doctor_id, start, end, appointment_id, patient_name(patient),
                                                  uow.actor.username, values.at))
                uow.announce("schedule", "booked", doctor_id=doctor_id, day=local_day, appointment_id=appointment_id)
                return booked_record(appointment_id, values, patient, doctor, zone)
        except Clash as clash:
            raise self._slot_taken(clash, doctor_id or 0, patient_id or 0, starts_at) from None

    def _slot_taken(self, clash: Clash, doctor_id: int, patient_id: int, around: datetime) -> SlotTaken:
        return slot_taken(self._units, self._clock, clash, doctor_id, patient_id, around)

    def _clash_after(self, kind: str, doctor_id: int, patient_id: int, start: datetime, end: datetime) -> Clash:
        """After the database refused an overlap: the appointment it clashed with, if it is still there."""
        with self._units.read() as uow:
            try:
                check_clashes(uow.connection, doctor_id, patient_id, start, end)
            except Clash as clash:
                return clash
        return Clash(kind, None, None)

    @retry_on_contention
    def reschedule(
        self,
        appointment_id: int,
        starts_at: datetime,
        ends_at: datetime | None = None,
        *,
        doctor_id: int | None = None,
        reason: str = "",
        expected_version: int | None = None,
    ) -> AppointmentRecord:
        """Move a requested or confirmed appointment to a new free time (and optionally doctor).
        Without ``ends_at`` it keeps its length. The move is kept in the appointment's history."""
        now = self._now()
        target_doctor = doctor_id
        patient_id = 0
        try:
            with self._units.write(Permission.SCHEDULE_BOOK, stale=lambda: stale(self._units, self._clock, appointment_id)) as uow:
                reason = check_reason(reason, required=False)
                check_times(starts_at, ends_at)
                session = uow.session
                zone = self._zone(session)
                appt = load_for_change(session, appointment_id, expected_version, zone, self._now())
                patient_id = appt.patient_id
                why = refusal(uow.actor, appt, None, VisitAction.MOVE)  # the role was checked: the status is left
                if why is not None:
                    raise why  # type: ignore[misc]
                target_doctor = doctor_id or appt.doctor_id
                explain_schedule_constraints(uow, self._units, self._clock, target_doctor, patient_id, starts_at)
                queue_behind_other_desks(session.connection(), (appt.doctor_id, target_doctor), appt.patient_id)
                doctor = check_doctor(session.get(Doctor, target_doctor))
                patient = check_patient(session.get(Patient, appt.patient_id))
                start = starts_at.astimezone(UTC)
                end = ends_at.astimezone(UTC) if ends_at is not None else start + (appt.ends_at - appt.starts_at)
                check_window(start, end, now, zone)
                local_day = start.astimezone(zone).date()
                cal = load_calendar(session, zone, [target_doctor], start, end, exclude_appointment=appt.id)
                check_fits(cal, doctor, start, end, local_day)
                check_clashes(session.connection(), doctor.id, patient.id, start, end, exclude_id=appt.id)
                old = (appt.starts_at, appt.ends_at, appt.doctor_id, appt.local_day)
                appt.starts_at, appt.ends_at, appt.local_day, appt.doctor_id = start, end, local_day, target_doctor
                if old[3] != local_day or old[2] != target_doctor:
                    appt.token = None  # a token belongs to one doctor's queue on one day
                session.flush()
                moved_to = f" to {doctor.full_name}" if old[2] != target_doctor else ""
                add_event(session, uow.actor, appt, "rescheduled", appt.status, appt.status, self._now(),
                          old_times=(old[0], old[1]), new_times=(start, end), reason=reason)
                uow.enqueue(notify.rescheduled(appt.id, appt.version, old[0], start, end))
                self._free_old_time(session, zone, cal, doctor, old, (start, end), target_doctor, now, appt.patient_id)
                slot_filled(session, target_doctor, start, end, appt.id, patient_name(patient), uow.actor.username, now)
                uow.audit(
                    "appointment.rescheduled", entity_type="appointment", entity_id=appt.id,
                    summary=f"Moved {patient_name(patient)}'s appointment from {fmt(old[0], zone)} "
                    f"to {fmt(start, zone)}{moved_to}" + (f": {reason}" if reason else ""),
                    changes={"starts_at": [old[0].isoformat(), start.isoformat()],
                             "doctor_id": [old[2], target_doctor]},
                )
                uow.announce("schedule", "moved", doctor_id=old[2], day=old[3], appointment_id=appt.id)
                if (old[2], old[3]) != (target_doctor, local_day):
                    uow.announce("schedule", "moved", doctor_id=target_doctor, day=local_day, appointment_id=appt.id)
                session.flush()
                return load_record(session, appt.id, zone, self._now())
        except Clash as clash:
            raise self._slot_taken(clash, target_doctor or 0, patient_id, starts_at) from None

    @staticmethod
    def _free_old_time(session: Session, zone: ZoneInfo, cal: Calendar, doctor: Doctor,  # noqa: PLR0913
                       old: tuple, new: tuple[datetime, datetime], target_doctor: int, now: datetime,
                       patient_id: int) -> None:
        """The old time a move left, or the part of it the new time no longer covers when that part
        can hold one of the doctor's slots, is a freed slot (the move's unit)."""
        if old[2] != target_doctor:
            slot_freed(session, zone, old[2], old[0], now, freed_by_patient=patient_id)
            return
        for part in uncovered_parts((old[0], old[1]), new):
            if part == (old[0], old[1]) or holds_a_slot(part, slot_minutes_at(cal, doctor, part[0])):
                slot_freed(session, zone, old[2], part[0], now, freed_by_patient=patient_id)

    @retry_on_contention
    def add_walk_in(self, patient_id: int, doctor_id: int, *, reason: str = "", minutes: int | None = None) -> WalkIn:
        """Put a patient who has just arrived into the doctor's queue for today: they get the next
        token and a time fitted into the doctor's free time today, or after the last patient."""
        now = self._now().replace(second=0, microsecond=0) + timedelta(minutes=1)
        try:
            with self._units.write(Permission.SCHEDULE_BOOK) as uow:
                return self._add_walk_in(uow, now, patient_id, doctor_id, reason, minutes)
        except Clash as clash:
            raise self._slot_taken(clash, doctor_id, patient_id, self._now()) from None

    def _add_walk_in(
        self, uow: UnitOfWork, now: datetime, patient_id: int, doctor_id: int, reason: str, minutes: int | None
    ) -> WalkIn:
        reason = check_reason(reason, required=False, limit=500)
        if minutes is not None and not (isinstance(minutes, int) and MIN_SLOT_MINUTES <= minutes <= MAX_SLOT_MINUTES):
            raise ValidationError({"minutes": f"Choose {MIN_SLOT_MINUTES} to {MAX_SLOT_MINUTES} minutes."})
        explain_schedule_constraints(uow, self._units, self._clock, doctor_id, patient_id, self._now())
        # A booking at another desk can take the gap chosen below between the read and the insert;
        # the exclusion constraint refuses the walk-in then, and the one retry policy fits it again.
        uow.explain_constraint("ex_appointments_doctor_id_overlap", lambda: Contention(
            "Another desk filled the doctor's time at the same moment; please add the walk-in again."))
        session = uow.session
        actor = uow.actor
        zone = self._zone(session)
        # Walk-ins for one doctor queue up: each fits into the gaps the previous one left.
        queue_behind_other_desks(session.connection(), doctor_id, patient_id)
        doctor = check_doctor(session.get(Doctor, doctor_id))
        patient = check_patient(session.get(Patient, patient_id))
        today = now.astimezone(zone).date()
        day_start, day_end = local_day_bounds(today, zone)
        cal = load_calendar(session, zone, [doctor_id], day_start, day_end + MAX_APPOINTMENT)
        windows = sorted(
            (session_bounds(today, s.start_time, s.end_time, zone), s.slot_minutes)
            for s in cal.sessions.get(doctor_id, {}).get(today.weekday(), [])
        )
        length = timedelta(minutes=minutes or slot_length_at(windows, now))
        start = fit(now, length, [w for w, _ in windows], cal.busy.get(doctor_id, []))
        end = start + length
        check_clashes(session.connection(), doctor.id, patient.id, start, end)
        local_day = start.astimezone(zone).date()
        token = next_token(session, doctor_id, local_day)
        appt = Appointment(
            patient_id=patient_id, doctor_id=doctor_id, starts_at=start, ends_at=end, local_day=local_day,
            status=S.CHECKED_IN.value, kind=AppointmentKind.WALK_IN.value, reason=reason, token=token,
            arrived_at=self._now(), cancelled_by="", status_reason="", created_by_id=actor.id,
        )
        session.add(appt)
        session.flush()
        add_event(session, actor, appt, "walk_in", "", S.CHECKED_IN, self._now(), new_times=(start, end), reason=reason)
        slot_filled(session, doctor_id, start, end, appt.id, patient_name(patient), actor.username, self._now())
        uow.audit(
            "appointment.walk_in", entity_type="appointment", entity_id=appt.id,
            summary=f"Walk-in {patient_name(patient)} ({patient.mrn}) for {doctor.full_name}, token {token}",
        )
        uow.announce("schedule", "walk_in", doctor_id=doctor_id, day=local_day, appointment_id=appt.id)
        session.flush()
        ahead = session.scalar(
            select(func.count()).select_from(Appointment).where(
                Appointment.doctor_id == doctor_id, Appointment.local_day == local_day,
                Appointment.status == S.CHECKED_IN.value, Appointment.id != appt.id,
                Appointment.starts_at < start,
            )
        ) or 0
        record = load_record(session, appt.id, zone, self._now())
        wait = max(0, int((start - self._now()).total_seconds() // 60))
        return WalkIn(record, token, wait, ahead)

    # --- the visit workflow ------------------------------------------------------------------

    # --- reading appointments ----------------------------------------------------------------

    def get(self, appointment_id: int) -> AppointmentRecord:
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return load_record(session, appointment_id, self._zone(session), self._now())

    def history(self, appointment_id: int) -> list[AppointmentEventRecord]:
        """Every change to the appointment, oldest first."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            return [
                AppointmentEventRecord(
                    id=e.id, at=e.at, actor_name=e.actor_name, action=e.action, from_status=e.from_status,
                    to_status=e.to_status, old_starts_at=e.old_starts_at, old_ends_at=e.old_ends_at,
                    new_starts_at=e.new_starts_at, new_ends_at=e.new_ends_at, reason=e.reason,
                )
                for e in session.scalars(
                    select(AppointmentEvent).where(AppointmentEvent.appointment_id == appointment_id)
                    .order_by(AppointmentEvent.id)
                )
            ]

    def doctor_day(self, doctor_id: int, day: date | None = None, *, include_cancelled: bool = False) -> list[AppointmentRecord]:
        """A doctor's day list in time order: time, patient, reason, status, token, waiting time."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            day = day or self._now().astimezone(zone).date()
            return self._day_rows(session, zone, [doctor_id], day, include_cancelled)[doctor_id]

    def day_view(self, doctor_ids: Sequence[int], day: date) -> list[DoctorDay]:
        """The scheduler's columns: for each doctor (in the order given) their sessions, appointments,
        free slots and exceptions on the local ``day``. A handful of index range scans in all."""
        ids = list(dict.fromkeys(doctor_ids))
        if not ids:
            return []
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            doctors = doctor_rows(session, ids)
            start, end = local_day_bounds(day, zone)
            cal = load_calendar(session, zone, ids, start, end)
            rows = self._day_rows(session, zone, ids, day, False)
            now = self._now()
            out = []
            for doctor_id in ids:
                doctor = doctors.get(doctor_id)
                if doctor is None:
                    continue
                day_sessions = cal.sessions.get(doctor_id, {}).get(day.weekday(), [])
                sessions = [
                    tuple(x.astimezone(zone) for x in session_bounds(day, s.start_time, s.end_time, zone))
                    for s in day_sessions
                ]
                exceptions = cal.exceptions.get(doctor_id, []) + cal.exceptions.get(None, [])
                out.append(
                    DoctorDay(
                        doctor_id=doctor_id, doctor_name=doctor.full_name, location=doctor.location,
                        bookable=not_bookable_reason(doctor) is None, day=day,
                        sessions=sessions,  # type: ignore[arg-type]
                        appointments=rows[doctor_id],
                        free_slots=[slot(doctor, s, e, zone) for s, e in cal.free(doctor_id, day, now)],
                        exceptions=sorted((exception_record(x) for x in exceptions), key=lambda x: x.starts_at),
                        slot_minutes=[s.slot_minutes for s in day_sessions],
                    )
                )
            return out

    def day_loads(self, doctor_ids: Sequence[int], first: date, last: date) -> dict[date, int]:
        """How many appointments hold a slot on each local day from ``first`` to ``last`` with these
        doctors (days with none are left out): the month calendar's per-day load. One grouped scan."""
        ids = list(dict.fromkeys(doctor_ids))
        if not ids:
            return {}
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            stmt = (
                select(Appointment.local_day, func.count())
                .where(Appointment.doctor_id.in_(ids), Appointment.local_day >= first, Appointment.local_day <= last,
                       Appointment.status.in_(SLOT_HOLDING_STATUSES))
                .group_by(Appointment.local_day)
            )
            return {day: count for day, count in uow.session.execute(stmt)}

    def patient_appointments(self, patient_id: int, *, upcoming_only: bool = False, limit: int = 100) -> list[AppointmentRecord]:
        """A patient's appointments, newest first (or, with ``upcoming_only``, the coming ones soonest first)."""
        with self._units.read(Permission.SCHEDULE_VIEW) as uow:
            session = uow.session
            zone = self._zone(session)
            now = self._now()
            stmt = appointment_query().where(Appointment.patient_id == patient_id)
            if upcoming_only:
                stmt = stmt.where(Appointment.starts_at >= now, Appointment.status.in_(SLOT_HOLDING_STATUSES))
                stmt = stmt.order_by(Appointment.starts_at)
            else:
                stmt = stmt.order_by(Appointment.starts_at.desc())
            return [appointment_record(r, zone, now) for r in session.execute(stmt.limit(max(1, min(limit, 1000))))]

    def open_change_feed(self) -> ChangeFeed:
        """A feed of the changes committed at any desk (bookings, moves, arrivals, and the patients,
        doctors, staff and settings other desks save); see change_feed."""
        self._units.authorise(Permission.SCHEDULE_VIEW)
        return open_change_feed(self._units.db)

    def _day_rows(
        self, session: Session, zone: ZoneInfo, doctor_ids: list[int], day: date, include_cancelled: bool
    ) -> dict[int, list[AppointmentRecord]]:
        start, end = local_day_bounds(day, zone)
        stmt = appointment_query().where(
            Appointment.doctor_id.in_(doctor_ids), Appointment.starts_at >= start, Appointment.starts_at < end
        )
        if not include_cancelled:
            stmt = stmt.where(Appointment.status.in_(SLOT_HOLDING_STATUSES + (S.NO_SHOW.value,)))
        now = self._now()
        out: dict[int, list[AppointmentRecord]] = {i: [] for i in doctor_ids}
        rows = session.connection().execute(stmt.order_by(Appointment.doctor_id, Appointment.starts_at, Appointment.id)).all()
        for row in rows:  # plain rows: no ORM layer on the way (the day view reads hundreds)
            out[row.doctor_id].append(appointment_record(row, zone, now))
        return out

    # --- internals ---------------------------------------------------------------------------

