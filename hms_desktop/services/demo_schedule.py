"""Made-up doctors, weekly hours and appointments, in bulk, for trying the scheduler and for benchmarks.

Needs demo patients first (``DemoDataService.load_patients``). A million appointments across 200
doctors load in about a minute: rows are generated in memory and written with COPY on PostgreSQL
and executemany on SQLite, in large transactions, bypassing the one-at-a-time booking path (no
history events, no change notifications). They still respect every constraint: no doctor and no
patient is ever double-booked (see ``_patient_for``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    ClinicSetting,
    DailyToken,
    Doctor,
    DoctorSpecialty,
    Patient,
    Specialty,
    StaffAccount,
    WeeklySession,
    utcnow,
)
from .errors import ValidationError
from .permissions import Permission
from .scheduling import session_slots
from .settings import ClinicSettings, is_valid_time_zone
from .text import fold
from .unit_of_work import UnitsOfWork

SPECIALTIES = (
    "General Medicine", "Paediatrics", "Dermatology", "Cardiology", "Orthopaedics", "Gynaecology",
    "ENT", "Ophthalmology", "Psychiatry", "Neurology", "Gastroenterology", "Endocrinology",
    "Pulmonology", "Urology", "Dentistry",
)
WINGS = ("East wing", "West wing", "North wing", "South wing", "Annexe")
# (sessions as (start, end) local times, slot minutes); every start is on a 15-minute grid.
PATTERNS = (
    (((time(9), time(13)), (time(16), time(20))), 15),
    (((time(10), time(14)),), 15),
    (((time(8), time(12)), (time(14), time(18))), 15),
    (((time(9), time(12, 30)), (time(17), time(19))), 30),
)
GRID = timedelta(minutes=15)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
BATCH = 50_000
COLUMNS = (
    "patient_id", "doctor_id", "starts_at", "ends_at", "local_day", "status", "kind", "reason", "token",
    "arrived_at", "called_at", "completed_at", "cancelled_by", "status_reason", "created_at", "updated_at",
    "version",
)
REASONS = ("", "", "Follow-up", "Fever", "Review of results", "Check-up", "Pain", "Prescription renewal")


@dataclass(frozen=True)
class DemoScheduleSummary:
    doctors: int
    sessions: int
    appointments: int
    first_day: date
    last_day: date


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in, with the temporary password it was given (shown once, never stored)."""

    username: str
    full_name: str
    role: str
    temporary_password: str
    doctor_name: str = ""


def _temporary_password() -> str:
    import secrets

    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed from a screen
    groups = ["".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


class DemoScheduleService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def load(
        self,
        *,
        doctors: int = 200,
        appointments: int = 1_000_000,
        days: int | None = None,
        future_share: float = 0.3,
        seed: int = 2026,
        today: date | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> DemoScheduleSummary:
        """Add ``doctors`` verified doctors with weekly hours and about ``appointments`` appointments
        spread over ``days`` days (default: enough to fill about 70% of the slots), ``future_share``
        of them from today on."""
        self._units.authorise(Permission.DEMO_DATA)
        if not 1 <= doctors <= 5000:
            raise ValidationError({"doctors": "Choose between 1 and 5,000 demo doctors."})
        if not 0 <= appointments <= 20_000_000:
            raise ValidationError({"appointments": "Choose at most 20,000,000 demo appointments."})
        rng = random.Random(seed)
        with self._units.read(Permission.DEMO_DATA) as uow:
            patient_ids = list(uow.session.scalars(select(Patient.id).where(Patient.archived.is_(False))))
            zone = _zone(uow.session)
        if appointments and len(patient_ids) < 2 * doctors + 1:
            raise ValidationError(
                {"patients": f"Load at least {2 * doctors + 1:,} demo patients first (there are {len(patient_ids):,})."}
            )
        rng.shuffle(patient_ids)
        today = today or datetime.now(zone).date()

        with self._units.write(Permission.DEMO_DATA) as uow:
            doctor_rows = self._add_doctors(uow.session, rng, doctors)
            uow.announce("doctors", "created")
        pattern_of = {d: PATTERNS[i % len(PATTERNS)] for i, d in enumerate(doctor_rows)}
        slots_per_week = sum(
            6 * sum(int((_minutes(e) - _minutes(s)) // m) for s, e in sessions)
            for sessions, m in pattern_of.values()
        )
        if days is None:
            days = max(1, int(appointments / 0.7 / max(slots_per_week / 7, 1)) + 1)
        first_day = today - timedelta(days=int(days * (1 - future_share)))
        last_day = first_day + timedelta(days=days - 1)
        capacity = slots_per_week * days / 7
        fill = min(1.0, appointments / capacity) if capacity else 0.0

        written = 0
        batch: list[tuple[Any, ...]] = []
        now = utcnow()
        doctor_index = {d: i for i, d in enumerate(doctor_rows)}
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            if day.weekday() == 6:
                continue
            past = day < today
            for doctor_id, (sessions, minutes) in pattern_of.items():
                token = 0
                for start_t, end_t in sessions:
                    for s, e in session_slots(day, start_t, end_t, minutes, zone):
                        if written + len(batch) >= appointments or rng.random() >= fill:
                            continue
                        patient = _patient_for(s, doctor_index[doctor_id], len(doctor_rows), patient_ids)
                        batch.append(self._row(rng, patient, doctor_id, s, e, day, past, now, token + 1))
                        if batch[-1][8] is not None:
                            token += 1
                        if len(batch) >= BATCH:
                            written += self._write(batch)
                            batch = []
                            if progress:
                                progress(written, appointments)
        if batch:
            written += self._write(batch)
        with self._units.write(Permission.DEMO_DATA) as uow:
            # Past days' tokens are taken; the counters must know, or a late walk-in would collide.
            uow.session.execute(
                insert(DailyToken).from_select(
                    ["doctor_id", "day", "last_token"],
                    select(Appointment.doctor_id, Appointment.local_day, func.max(Appointment.token))
                    .where(Appointment.doctor_id.in_(list(doctor_rows)), Appointment.token.is_not(None))
                    .group_by(Appointment.doctor_id, Appointment.local_day),
                )
            )
            uow.audit(
                "demo.schedule_loaded", entity_type="appointment",
                summary=f"Loaded {len(doctor_rows):,} demo doctors and {written:,} demo appointments "
                f"({first_day:%d %b %Y} to {last_day:%d %b %Y})",
            )
            uow.announce("schedule", "availability")
        if progress:
            progress(written, appointments)
        sessions_count = sum(6 * len(s) for s, _ in pattern_of.values())
        return DemoScheduleSummary(len(doctor_rows), sessions_count, written, first_day, last_day)

    def create_demo_accounts(self) -> list[DemoAccount]:
        """Sign-ins to try each role with: a doctor account linked to the first demo doctor that has
        none, a receptionist and a nurse, each with a temporary password (to be shown once; each
        must be changed at the first sign-in). User names already taken are left alone."""
        self._units.authorise(Permission.DEMO_DATA)
        from .staff import StaffService  # the one way an account is made

        staff = StaffService(self._units)
        with self._units.read(Permission.DEMO_DATA) as uow:
            taken = set(uow.session.scalars(select(StaffAccount.username)))
            doctor = uow.session.execute(
                select(Doctor.id, Doctor.full_name)
                .where(Doctor.staff_account_id.is_(None), Doctor.active.is_(True), Doctor.verified.is_(True))
                .order_by(Doctor.id).limit(1)
            ).first()
        wanted = [("demo.reception", "Demo Receptionist", "receptionist", ""), ("demo.nurse", "Demo Nurse", "nurse", "")]
        if doctor is not None:
            wanted.insert(0, ("demo.doctor", doctor.full_name, "doctor", doctor.full_name))
        made = []
        for username, full_name, role, doctor_name in wanted:
            if username in taken:
                continue
            password = _temporary_password()
            member = staff.add(username, full_name, role, password)
            if doctor_name and doctor is not None:
                with self._units.write(Permission.DEMO_DATA) as uow:
                    uow.session.execute(
                        update(Doctor).where(Doctor.id == doctor.id).values(staff_account_id=member.id)
                    )
                    uow.audit("doctor.changed", entity_type="doctor", entity_id=doctor.id,
                              summary=f"Demo doctor {doctor_name} linked to the account '{username}'",
                              changes={"staff_account_id": [None, member.id]})
                    uow.announce("doctors", "changed", entity_id=doctor.id)
            made.append(DemoAccount(username, full_name, role, password, doctor_name))
        return made

    @staticmethod
    def _row(
        rng: random.Random, patient: int, doctor_id: int, s: datetime, e: datetime, day: date, past: bool,
        now: datetime, token: int,
    ) -> tuple[Any, ...]:
        arrived = called = completed = None
        tok = None
        cancelled_by = status_reason = ""
        roll = rng.random()
        if past:
            if roll < 0.85:
                status = AppointmentStatus.COMPLETED
                tok = token
                arrived = s - timedelta(minutes=rng.randint(0, 30))
                called, completed = s, e
            elif roll < 0.92:
                status = AppointmentStatus.CANCELLED
                cancelled_by, status_reason = rng.choice((("patient", "Could not come"), ("clinic", "Doctor unavailable")))
            else:
                status = AppointmentStatus.NO_SHOW
        else:
            status = AppointmentStatus.CONFIRMED if roll < 0.9 else AppointmentStatus.REQUESTED
        kind = AppointmentKind.FOLLOW_UP if rng.random() < 0.2 else AppointmentKind.SCHEDULED
        return (
            patient, doctor_id, s, e, day, status.value, kind.value, rng.choice(REASONS), tok, arrived, called,
            completed, cancelled_by, status_reason, now, now, 1,
        )

    def _write(self, batch: list[tuple[Any, ...]]) -> int:
        with self._units.write(Permission.DEMO_DATA) as uow:
            if not uow.is_postgresql:
                uow.session.execute(insert(Appointment), [dict(zip(COLUMNS, row, strict=True)) for row in batch])
            else:
                raw = uow.connection.connection.driver_connection
                with raw.cursor() as cur, cur.copy(f"COPY appointments ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
        return len(batch)

    def _add_doctors(self, session: Session, rng: random.Random, count: int) -> list[int]:
        existing = {s.name_key: s.id for s in session.scalars(select(Specialty))}
        for name in SPECIALTIES:
            if fold(name) not in existing:
                spec = Specialty(name=name, name_key=fold(name), active=True)
                session.add(spec)
                session.flush()
                existing[fold(name)] = spec.id
        specialty_ids = [existing[fold(n)] for n in SPECIALTIES]
        from faker import Faker  # slow to import; only needed when demo data is made

        fake = Faker("en_IN")
        fake.seed_instance(rng.randint(0, 10**9))
        now = utcnow()
        ids = []
        for i in range(count):
            name = f"Dr {fake.first_name()} {fake.last_name()}"
            wing = WINGS[i % len(WINGS)]
            location = f"{wing}, room {100 + i}"
            doctor = Doctor(
                full_name=name, sort_name=fold(name), qualifications=rng.choice(("MBBS", "MBBS, MD", "MBBS, MS", "BDS")),
                years_experience=rng.randint(1, 35), location=location, location_key=fold(location),
                phone=f"+91 {rng.randint(70000, 99999)} {rng.randint(0, 99999):05d}", email="",
                consultation_fee_minor=rng.choice((30000, 50000, 75000, 100000)), notes="", active=True,
                verified=True, verified_at=now,
            )
            session.add(doctor)
            ids.append(doctor)
        session.flush()
        doctor_ids = [d.id for d in ids]
        rows = []
        sessions = []
        for i, doctor_id in enumerate(doctor_ids):
            chosen = {specialty_ids[i % len(specialty_ids)]}
            if rng.random() < 0.3:
                chosen.add(rng.choice(specialty_ids))
            rows.extend({"doctor_id": doctor_id, "specialty_id": s} for s in chosen)
            pattern, minutes = PATTERNS[i % len(PATTERNS)]
            for weekday in range(6):
                for start_t, end_t in pattern:
                    sessions.append({"doctor_id": doctor_id, "weekday": weekday, "start_time": start_t,
                                     "end_time": end_t, "slot_minutes": minutes})
        session.execute(insert(DoctorSpecialty), rows)
        session.execute(insert(WeeklySession), sessions)
        return doctor_ids


def _patient_for(start: datetime, doctor_index: int, doctors: int, patient_ids: list[int]) -> int:
    """Patients are spread so that no one is in two places at once: slot g of doctor d gets patient
    (g * D + d) mod P. Two appointments within one 30-minute span (g' - g <= 1) share a patient only if
    (g' - g) * D + (d' - d) is a multiple of P, impossible when P > 2D unless they are the same slot."""
    g = int((start - EPOCH) // GRID)
    return patient_ids[(g * doctors + doctor_index) % len(patient_ids)]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _zone(session: Session) -> ZoneInfo:
    row = session.get(ClinicSetting, "time_zone")
    name = row.value if row is not None and isinstance(row.value, str) else ClinicSettings.time_zone
    return ZoneInfo(name if is_valid_time_zone(name) else ClinicSettings.time_zone)
