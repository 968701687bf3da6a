"""The waiting list: patients who want a time with a doctor (or any doctor of a specialty) within
some days and a part of the day, kept by the front desk. When a matching slot frees up, the
receptionists' bell says so (freed_slots.py); taking a patient off keeps the row (``removed_at``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from ...models import Doctor, DoctorSpecialty, Patient, Specialty, StaffNotification, WaitingEntry
from ..errors import ConflictError, NotFound, ValidationError
from ..permissions import Permission
from ..text import check_text
from ..unit_of_work import UnitOfWork
from .clinic_clock import ClockedService
from .freed_slots import PART_WORDS, PARTS_OF_DAY, SLOT_FILLED

NOTE_LIMIT = 500
LONGEST_RANGE_DAYS = 366


@dataclass(frozen=True)
class WaitingInput:
    patient_id: int
    earliest: date
    latest: date | None = None  # None: any day from ``earliest``
    doctor_id: int | None = None  # a doctor, or else any doctor of ``specialty_id``
    specialty_id: int | None = None
    part_of_day: str = "any"  # any, morning, afternoon, evening
    note: str = ""


@dataclass(frozen=True)
class WaitingRecord:
    id: int
    patient_id: int
    patient_name: str
    patient_mrn: str
    doctor_id: int | None
    doctor_name: str  # "" when any doctor of the specialty will do
    specialty_id: int | None
    specialty_name: str
    earliest: date
    latest: date | None
    part_of_day: str
    note: str
    added_by: str
    added_at: datetime  # in the clinic's zone
    closed_at: datetime | None = None  # booked or taken off (in the clinic's zone); None: waiting
    booked_appointment_id: int | None = None  # closed by this booking

    @property
    def status(self) -> str:
        if self.closed_at is None:
            return "Waiting"
        return f"Booked {self.closed_at:%d %b}" if self.booked_appointment_id else f"Taken off {self.closed_at:%d %b}"

    @property
    def who(self) -> str:
        """The doctor, or "Any <specialty> doctor"."""
        return self.doctor_name or f"Any {self.specialty_name} doctor"

    @property
    def days(self) -> str:
        if self.latest is None:
            return f"From {self.earliest:%a %d %b %Y}"
        if self.latest == self.earliest:
            return f"{self.earliest:%a %d %b %Y}"
        return f"{self.earliest:%d %b} – {self.latest:%d %b %Y}"

    @property
    def part_words(self) -> str:
        return PART_WORDS.get(self.part_of_day, self.part_of_day)


def _query():  # noqa: ANN202 - a Select
    return (select(WaitingEntry, Patient.given_name, Patient.family_name, Patient.mrn, Doctor.full_name, Specialty.name)
            .join(Patient, Patient.id == WaitingEntry.patient_id)
            .outerjoin(Doctor, Doctor.id == WaitingEntry.doctor_id)
            .outerjoin(Specialty, Specialty.id == WaitingEntry.specialty_id))


def close_booked(uow: UnitOfWork, patient_id: int, doctor_id: int, appointment_id: int, now: datetime,
                 summary: str, filled: dict[str, object] | None = None) -> int:
    """In a booking's unit: close the patient's active entries the booking satisfies (this doctor,
    or any doctor of one of this doctor's specialties) as booked, audited; how many. ``filled``:
    the parameters of ``freed_slots.SLOT_FILLED`` for the booked time, run with it (on PostgreSQL
    in the same statement: the booking's hot path, one round trip for both)."""
    params = {"w_patient": patient_id, "w_doctor": doctor_id, "w_appointment": appointment_id, "w_now": now}
    if filled is not None and uow.is_postgresql:
        closed = uow.connection.execute(_CLOSE_AND_FILL, {**params, **filled}).all()
    else:
        closed = uow.connection.execute(_CLOSE_BOOKED, params).all()
        if filled is not None:
            uow.connection.execute(SLOT_FILLED, filled)
    for entry_id, entry_doctor in closed:
        uow.audit("waitlist.booked", entity_type="waiting_list", entity_id=entry_id,
                  summary=f"{summary}: off the waiting list",
                  changes={"removed": [False, True], "booked_appointment_id": [None, appointment_id]})
        uow.announce("schedule", "waitlist", entity_id=entry_id, doctor_id=entry_doctor)
    return len(closed)


_CLOSE_BOOKED = (
    update(WaitingEntry)
    .where(WaitingEntry.patient_id == bindparam("w_patient"), WaitingEntry.removed_at.is_(None),
           or_(WaitingEntry.doctor_id == bindparam("w_doctor"),
               WaitingEntry.doctor_id.is_(None) & WaitingEntry.specialty_id.in_(
                   select(DoctorSpecialty.specialty_id).where(DoctorSpecialty.doctor_id == bindparam("w_doctor")))))
    .values(removed_at=bindparam("w_now"), booked_appointment_id=bindparam("w_appointment"))
    .returning(WaitingEntry.id, WaitingEntry.doctor_id)
)


def _close_and_fill() -> Any:
    """PostgreSQL: the entries closed, and the freed-slot items the time covers marked taken, as two
    data-modifying CTEs of one statement (each runs whether or not its rows are read)."""
    closed = _CLOSE_BOOKED.cte("closed")
    filled = SLOT_FILLED.returning(StaffNotification.id).cte("filled")
    return select(closed.c.id, closed.c.doctor_id).add_cte(filled)


_CLOSE_AND_FILL = _close_and_fill()


class WaitingListService(ClockedService):
    def entries(self, doctor_id: int | None = None, *, include_closed: bool = False,
                patient_id: int | None = None) -> list[WaitingRecord]:
        """Who is waiting (longest first); for a doctor: those waiting for them, or for any doctor
        of one of their specialties; for a patient: their entries. ``include_closed`` adds those
        booked or taken off (after the waiting ones, newest closed first)."""
        with self._units.read(Permission.WAITLIST_VIEW) as uow:
            stmt = _query()
            if include_closed:
                stmt = stmt.order_by(WaitingEntry.removed_at.is_not(None), WaitingEntry.removed_at.desc(),
                                     WaitingEntry.added_at, WaitingEntry.id)
            else:
                stmt = stmt.where(WaitingEntry.removed_at.is_(None)).order_by(WaitingEntry.added_at, WaitingEntry.id)
            if patient_id is not None:
                stmt = stmt.where(WaitingEntry.patient_id == patient_id)
            if doctor_id is not None:
                specialties = select(DoctorSpecialty.specialty_id).where(DoctorSpecialty.doctor_id == doctor_id)
                stmt = stmt.where(or_(WaitingEntry.doctor_id == doctor_id,
                                      WaitingEntry.doctor_id.is_(None) & WaitingEntry.specialty_id.in_(specialties)))
            zone = self._zone(uow.session)
            return [self._record(row, zone) for row in uow.session.execute(stmt)]

    @staticmethod
    def _record(row, zone) -> WaitingRecord:  # noqa: ANN001 - a Row and a ZoneInfo
        entry, given, family, mrn, doctor, specialty = row
        return WaitingRecord(entry.id, entry.patient_id, f"{given} {family}".strip(), mrn, entry.doctor_id, doctor or "",
                             entry.specialty_id, specialty or "", entry.earliest, entry.latest, entry.part_of_day,
                             entry.note, entry.added_by_name, entry.added_at.astimezone(zone),
                             entry.removed_at.astimezone(zone) if entry.removed_at is not None else None,
                             entry.booked_appointment_id)

    def add(self, data: WaitingInput) -> WaitingRecord:
        """Put a patient on the waiting list."""
        with self._units.write(Permission.WAITLIST_MANAGE) as uow:
            session = uow.session
            zone = self._zone(session)
            today = self._now().astimezone(zone).date()
            errors: dict[str, str] = {}
            try:
                note = check_text("note", data.note, NOTE_LIMIT, multiline=True)
            except ValidationError as exc:
                errors.update(exc.fields)
                note = ""
            patient = session.get(Patient, data.patient_id) if isinstance(data.patient_id, int) else None
            if patient is None:
                errors["patient"] = "Choose the patient who is waiting."
            doctor = session.get(Doctor, data.doctor_id) if data.doctor_id is not None else None
            specialty = session.get(Specialty, data.specialty_id) if data.specialty_id is not None else None
            if data.doctor_id is not None and (doctor is None or not doctor.active):
                errors["doctor"] = "That doctor is not in the list any more; choose another."
            elif data.doctor_id is None and specialty is None:
                errors["doctor"] = "Choose a doctor, or a specialty when any of its doctors will do."
            if data.part_of_day not in PARTS_OF_DAY:
                errors["part_of_day"] = "Choose any time, morning, afternoon or evening."
            if not isinstance(data.earliest, date):
                errors["earliest"] = "Give the first day the patient could come."
            elif data.latest is not None and data.latest < data.earliest:
                errors["latest"] = "The last day is before the first day."
            elif data.latest is not None and data.latest < today:
                errors["latest"] = "The last day has passed already."
            elif data.latest is not None and (data.latest - data.earliest).days > LONGEST_RANGE_DAYS:
                errors["latest"] = "Keep the days within a year."
            if errors:
                raise ValidationError(errors)
            assert patient is not None
            actor = uow.actor
            entry = WaitingEntry(patient_id=patient.id, doctor_id=data.doctor_id,
                                 specialty_id=None if doctor is not None else data.specialty_id,
                                 earliest=max(data.earliest, today), latest=data.latest, part_of_day=data.part_of_day,
                                 note=note, added_by_id=actor.id, added_by_name=actor.username[:64],
                                 added_at=self._now())
            session.add(entry)
            session.flush()
            who = doctor.full_name if doctor is not None else f"any {specialty.name if specialty else ''} doctor"
            name = f"{patient.given_name} {patient.family_name}".strip()
            uow.audit("waitlist.added", entity_type="waiting_list", entity_id=entry.id,
                      summary=f"{name} ({patient.mrn}) put on the waiting list for {who}",
                      changes={"patient_id": [None, patient.id], "doctor_id": [None, entry.doctor_id],
                               "specialty_id": [None, entry.specialty_id]})
            uow.announce("schedule", "waitlist", entity_id=entry.id, doctor_id=entry.doctor_id)
            row = session.execute(_query().where(WaitingEntry.id == entry.id)).one()
            return self._record(row, zone)

    def remove(self, entry_id: int) -> None:
        """Take a patient off the waiting list (booked, or no longer waiting)."""
        with self._units.write(Permission.WAITLIST_MANAGE) as uow:
            session = uow.session
            entry = session.get(WaitingEntry, entry_id, with_for_update=True)
            if entry is None:
                raise NotFound("That waiting list entry does not exist.")
            if entry.removed_at is not None:
                raise ConflictError("Someone already took this patient off the waiting list.")
            entry.removed_at = self._now()
            patient = session.get(Patient, entry.patient_id)
            name = f"{patient.given_name} {patient.family_name}".strip() if patient else "A patient"
            uow.audit("waitlist.removed", entity_type="waiting_list", entity_id=entry.id,
                      summary=f"{name} taken off the waiting list", changes={"removed": [False, True]})
            uow.announce("schedule", "waitlist", entity_id=entry.id, doctor_id=entry.doctor_id)
