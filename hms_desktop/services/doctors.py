"""Doctors and the specialty list: add, edit, verify, deactivate, search.

A new doctor is unverified until an administrator approves them; only a verified, active doctor
can be booked (the scheduling service checks that on every booking).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from ..models import Doctor, DoctorSpecialty, Role, Specialty, StaffAccount, WeeklySession, utcnow
from . import audit
from .contact import DEFAULT_REGION, email_problem, phone_problem, shown_phone, to_e164
from .doctor_query import DoctorWords, parse_doctor_words
from .errors import ConflictError, NotFound, ValidationError
from .permissions import Permission
from .settings import ClinicView, clinic_region, clinic_view
from .text import check_text, fold
from .unit_of_work import UnitsOfWork

MAX_FEE_MINOR = 100_000_000  # one million in major units: a typo guard, not a policy
LIMITS = {"full_name": 200, "qualifications": 300, "registration_number": 60, "location": 200, "phone": 32, "email": 254, "notes": 5000}


@dataclass(frozen=True)
class SpecialtyRecord:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class DoctorInput:
    """What the doctor form holds. The fee is in minor units (paise, cents): 50000 = 500.00."""

    full_name: str
    specialty_ids: tuple[int, ...] = ()
    qualifications: str = ""
    years_experience: int = 0
    location: str = ""
    phone: str = ""
    email: str = ""
    consultation_fee_minor: int = 0
    notes: str = ""
    staff_account_id: int | None = None
    registration_number: str = ""  # medical council registration, printed on prescriptions


@dataclass(frozen=True)
class DoctorRecord:
    id: int
    full_name: str
    specialties: tuple[SpecialtyRecord, ...]
    qualifications: str
    years_experience: int
    location: str
    phone: str
    email: str
    consultation_fee_minor: int
    notes: str
    active: bool
    verified: bool
    verified_at: datetime | None
    staff_account_id: int | None
    version: int
    registration_number: str = ""

    @property
    def bookable(self) -> bool:
        return self.active and self.verified

    @property
    def specialty_names(self) -> str:
        return ", ".join(s.name for s in self.specialties)

    def as_input(self) -> DoctorInput:
        return DoctorInput(
            full_name=self.full_name, specialty_ids=tuple(s.id for s in self.specialties),
            qualifications=self.qualifications, years_experience=self.years_experience,
            location=self.location, phone=self.phone, email=self.email,
            consultation_fee_minor=self.consultation_fee_minor, notes=self.notes,
            staff_account_id=self.staff_account_id, registration_number=self.registration_number,
        )


def doctor_title(name: str) -> str:
    """'Priya Nair' -> 'Dr Priya Nair'; a name that already says Dr is left alone."""
    words = name.split()
    if words and words[0].rstrip(".").casefold() == "dr":
        return name
    return f"Dr {name}"


def not_bookable_reason(doctor: Doctor) -> str | None:
    """Why this doctor cannot take appointments, in words for the desk; None if they can."""
    if not doctor.active:
        return f"{doctor.full_name} is no longer active and cannot be booked."
    if not doctor.verified:
        return (
            f"{doctor.full_name} has not been verified by an administrator yet and cannot be booked."
        )
    return None


def _specialty(s: Specialty) -> SpecialtyRecord:
    return SpecialtyRecord(id=s.id, name=s.name, active=s.active)


def specialties_of(session: Session, doctor_ids: Iterable[int]) -> dict[int, tuple[SpecialtyRecord, ...]]:
    ids = list(doctor_ids)
    found: dict[int, list[SpecialtyRecord]] = {i: [] for i in ids}
    if not ids:
        return {}
    rows = session.execute(
        select(DoctorSpecialty.doctor_id, Specialty)
        .join(Specialty, Specialty.id == DoctorSpecialty.specialty_id)
        .where(DoctorSpecialty.doctor_id.in_(ids))
        .order_by(Specialty.name)
    )
    for doctor_id, spec in rows:
        found[doctor_id].append(_specialty(spec))
    return {k: tuple(v) for k, v in found.items()}


def _record(d: Doctor, specialties: tuple[SpecialtyRecord, ...], view: ClinicView) -> DoctorRecord:
    """The doctor as shown: the phone as the clinic writes it, the verified time in the clinic's zone."""
    return DoctorRecord(
        id=d.id, full_name=d.full_name, specialties=specialties, qualifications=d.qualifications,
        years_experience=d.years_experience, location=d.location, phone=shown_phone(d.phone, view.region), email=d.email,
        consultation_fee_minor=d.consultation_fee_minor, notes=d.notes, active=d.active,
        verified=d.verified, verified_at=view.local(d.verified_at), staff_account_id=d.staff_account_id,
        version=d.version, registration_number=d.registration_number,
    )


def _word_conditions(parsed: DoctorWords) -> list[Any]:
    """SQL for what the one search box understood: every specialty word, any of the weekdays, and
    every other word in the name or the location."""
    conditions: list[Any] = []
    for meant in parsed.specialty_ids:
        conditions.append(exists().where(DoctorSpecialty.doctor_id == Doctor.id, DoctorSpecialty.specialty_id.in_(meant)))
    if parsed.weekdays:
        conditions.append(exists().where(WeeklySession.doctor_id == Doctor.id, WeeklySession.weekday.in_(parsed.weekdays)))
    for word in parsed.words:
        conditions.append(or_(Doctor.sort_name.contains(word, autoescape=True),
                              Doctor.location_key.contains(word, autoescape=True)))
    return conditions


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(data: DoctorInput, *, region: str = DEFAULT_REGION) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name, limit in LIMITS.items():
        try:
            values[name] = check_text(name, getattr(data, name), limit, multiline=name == "notes")
        except ValidationError as exc:
            errors.update(exc.fields)
            values[name] = ""
    if "full_name" not in errors and not any(c.isalpha() for c in str(values["full_name"])):
        errors["full_name"] = "Enter the doctor's full name."
    if not _is_int(data.years_experience) or not 0 <= data.years_experience <= 70:
        errors["years_experience"] = "Years of experience must be a whole number from 0 to 70."
    if not _is_int(data.consultation_fee_minor):
        errors["consultation_fee_minor"] = "Enter the fee as a whole number of paise/cents."
    elif not 0 <= data.consultation_fee_minor <= MAX_FEE_MINOR:
        errors["consultation_fee_minor"] = "The fee cannot be negative, and must be below 1,000,000.00."
    if not data.specialty_ids:
        errors["specialty_ids"] = "Choose at least one specialty."
    phone = str(values["phone"])
    if phone and "phone" not in errors:
        if problem := phone_problem(phone, region):
            errors["phone"] = problem
        else:
            values["phone"] = to_e164(phone, region)
    if "email" not in errors and (problem := email_problem(str(values["email"]))):
        errors["email"] = problem
    if errors:
        raise ValidationError(errors)
    values["years_experience"] = data.years_experience
    values["consultation_fee_minor"] = data.consultation_fee_minor
    values["staff_account_id"] = data.staff_account_id
    values["sort_name"] = fold(str(values["full_name"]))[:200]
    values["location_key"] = fold(str(values["location"]))[:200]
    return values


_AUDITED = (
    "full_name", "qualifications", "years_experience", "location", "phone", "email",
    "consultation_fee_minor", "notes", "staff_account_id", "registration_number",
)


class DoctorService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    # --- specialties -------------------------------------------------------------------------

    def specialties(self, *, include_inactive: bool = False) -> list[SpecialtyRecord]:
        query = select(Specialty).order_by(Specialty.name_key)
        if not include_inactive:
            query = query.where(Specialty.active.is_(True))
        with self._units.read(Permission.DOCTOR_VIEW) as uow:
            return [_specialty(s) for s in uow.session.scalars(query)]

    def add_specialty(self, name: str) -> SpecialtyRecord:
        with self._units.write(Permission.DOCTOR_MANAGE) as uow:
            name = self._check_specialty_name(name)
            taken = ValidationError({"name": f"The specialty '{name}' is already on the list."})
            uow.explain_constraint("uq_specialties_name_key", lambda: taken)
            if uow.session.scalar(select(Specialty.id).where(Specialty.name_key == fold(name))):
                raise taken
            spec = Specialty(name=name, name_key=fold(name), active=True)
            uow.session.add(spec)
            uow.session.flush()
            uow.audit("specialty.created", entity_type="specialty", entity_id=spec.id,
                      summary=f"Added specialty '{name}'")
            uow.announce("doctors", "specialties")
            return _specialty(spec)

    def rename_specialty(self, specialty_id: int, name: str) -> SpecialtyRecord:
        with self._units.write(Permission.DOCTOR_MANAGE) as uow:
            name = self._check_specialty_name(name)
            taken = ValidationError({"name": f"The specialty '{name}' is already on the list."})
            uow.explain_constraint("uq_specialties_name_key", lambda: taken)
            spec = uow.session.get(Specialty, specialty_id)
            if spec is None:
                raise NotFound("That specialty no longer exists.")
            clash = uow.session.scalar(
                select(Specialty.id).where(Specialty.name_key == fold(name), Specialty.id != specialty_id)
            )
            if clash:
                raise taken
            old = spec.name
            spec.name, spec.name_key = name, fold(name)
            uow.audit("specialty.changed", entity_type="specialty", entity_id=spec.id,
                      summary=f"Renamed specialty '{old}' to '{name}'", changes={"name": [old, name]})
            uow.announce("doctors", "specialties")
            return _specialty(spec)

    def set_specialty_active(self, specialty_id: int, active: bool) -> SpecialtyRecord:
        """A retired specialty stays on doctors who have it but is no longer offered for new ones."""
        with self._units.write(Permission.DOCTOR_MANAGE) as uow:
            spec = uow.session.get(Specialty, specialty_id)
            if spec is None:
                raise NotFound("That specialty no longer exists.")
            if spec.active != active:
                spec.active = active
                uow.audit(
                    "specialty.changed", entity_type="specialty", entity_id=spec.id,
                    summary=f"{'Restored' if active else 'Retired'} specialty '{spec.name}'",
                    changes={"active": [not active, active]},
                )
                uow.announce("doctors", "specialties")
            return _specialty(spec)

    @staticmethod
    def _check_specialty_name(name: str) -> str:
        name = check_text("name", name, 100)
        name = " ".join(name.split())
        if not name or not any(c.isalpha() for c in name):
            raise ValidationError({"name": "Enter the specialty's name."})
        return name

    # --- reading doctors ---------------------------------------------------------------------

    def get(self, doctor_id: int) -> DoctorRecord:
        with self._units.read(Permission.DOCTOR_VIEW) as uow:
            doctor = uow.session.get(Doctor, doctor_id)
            if doctor is None:
                raise NotFound("That doctor does not exist.")
            return _record(doctor, specialties_of(uow.session, [doctor_id])[doctor_id], clinic_view(uow.session))

    def for_current_user(self) -> DoctorRecord | None:
        """The doctor profile linked to the signed-in account (a doctor's own day list), if any."""
        with self._units.read(Permission.DOCTOR_VIEW) as uow:
            if uow.actor.id is None:
                return None
            doctor = uow.session.scalar(select(Doctor).where(Doctor.staff_account_id == uow.actor.id))
            if doctor is None:
                return None
            return _record(doctor, specialties_of(uow.session, [doctor.id])[doctor.id], clinic_view(uow.session))

    def search(
        self,
        query: str = "",
        *,
        specialty_id: int | None = None,
        location: str = "",
        weekday: int | None = None,
        include_inactive: bool = False,
        only_bookable: bool = False,
        limit: int = 500,
        words: str = "",
    ) -> list[DoctorRecord]:
        """Doctors whose name contains every word of ``query``, with the specialty, whose location
        contains ``location``, and who have a session on ``weekday`` (0 = Monday), ordered by name.

        "A dermatologist in the east wing on Thursday" is
        ``search(specialty_id=derm.id, location="east wing", weekday=3)``, or as typed in one box,
        ``search(words="a dermatologist in the east wing on Thursday")`` (see doctor_query).
        """
        stmt = select(Doctor)
        for word in fold(query).split():
            stmt = stmt.where(Doctor.sort_name.contains(word, autoescape=True))
        if location.strip():
            stmt = stmt.where(Doctor.location_key.contains(fold(location.strip()), autoescape=True))
        if specialty_id is not None:
            stmt = stmt.where(
                exists().where(DoctorSpecialty.doctor_id == Doctor.id, DoctorSpecialty.specialty_id == specialty_id)
            )
        if weekday is not None:
            stmt = stmt.where(
                exists().where(WeeklySession.doctor_id == Doctor.id, WeeklySession.weekday == weekday)
            )
        if not include_inactive or only_bookable:
            stmt = stmt.where(Doctor.active.is_(True))
        if only_bookable:
            stmt = stmt.where(Doctor.verified.is_(True))
        stmt = stmt.order_by(Doctor.sort_name, Doctor.id).limit(max(1, min(limit, 5000)))
        with self._units.read(Permission.DOCTOR_VIEW) as uow:
            if words.strip():
                known = uow.session.execute(select(Specialty.id, Specialty.name)).all()
                stmt = stmt.where(*_word_conditions(parse_doctor_words(words, [(r.id, r.name) for r in known])))
            doctors = list(uow.session.scalars(stmt))
            specs = specialties_of(uow.session, [d.id for d in doctors])
            view = clinic_view(uow.session)
            return [_record(d, specs[d.id], view) for d in doctors]

    # --- writing -----------------------------------------------------------------------------

    def add(self, data: DoctorInput) -> DoctorRecord:
        """A new doctor starts unverified: bookable only once an administrator verifies them."""
        with self._units.write(Permission.DOCTOR_MANAGE) as uow:
            values = validate(data, region=clinic_region(uow.session))
            uow.explain_constraint("uq_doctors_staff_account_id", self._link_conflict)
            self._check_links(uow.session, data, doctor_id=None)
            doctor = Doctor(**values, active=True, verified=False)
            uow.session.add(doctor)
            uow.session.flush()
            self._set_specialties(uow.session, doctor.id, data.specialty_ids)
            uow.audit(
                "doctor.created", entity_type="doctor", entity_id=doctor.id, summary=f"Added doctor {doctor.full_name}",
                changes={k: [None, values[k]] for k in _AUDITED if values[k] not in ("", None, 0)},
            )
            uow.announce("doctors", "created", entity_id=doctor.id)
            return _record(doctor, specialties_of(uow.session, [doctor.id])[doctor.id], clinic_view(uow.session))

    def update(self, doctor_id: int, expected_version: int, data: DoctorInput) -> DoctorRecord:
        with self._units.write(Permission.DOCTOR_MANAGE, stale=lambda: self._conflict(doctor_id)) as uow:
            values = validate(data, region=clinic_region(uow.session))
            uow.explain_constraint("uq_doctors_staff_account_id", self._link_conflict)
            session = uow.session
            doctor = self._load(session, doctor_id, expected_version)
            self._check_links(session, data, doctor_id=doctor_id)
            before = {k: getattr(doctor, k) for k in _AUDITED}
            old_specs = specialties_of(session, [doctor_id])[doctor_id]
            changes = audit.diff(before, {k: values[k] for k in _AUDITED})
            if sorted(s.id for s in old_specs) != sorted(set(data.specialty_ids)):
                changes["specialties"] = [sorted(s.id for s in old_specs), sorted(set(data.specialty_ids))]
                self._set_specialties(session, doctor_id, data.specialty_ids, replace=True)
            if not changes:
                return _record(doctor, old_specs, clinic_view(uow.session))
            for key, value in values.items():
                setattr(doctor, key, value)
            # Bumps the version even when only the specialties changed.
            doctor.updated_at = utcnow()
            session.flush()
            uow.audit("doctor.changed", entity_type="doctor", entity_id=doctor_id,
                      summary=f"Changed doctor {doctor.full_name}", changes=changes)
            uow.announce("doctors", "changed", entity_id=doctor_id)
            return _record(doctor, specialties_of(session, [doctor_id])[doctor_id], clinic_view(session))

    def verify(self, doctor_id: int) -> DoctorRecord:
        """Approve a new doctor: from now on they can be booked (if active)."""
        with self._units.write(Permission.DOCTOR_VERIFY, stale=lambda: self._conflict(doctor_id)) as uow:
            doctor = self._load(uow.session, doctor_id)
            if not doctor.verified:
                doctor.verified = True
                doctor.verified_at = utcnow()
                doctor.verified_by_id = uow.actor.id
                uow.session.flush()
                uow.audit("doctor.verified", entity_type="doctor", entity_id=doctor_id,
                          summary=f"Verified doctor {doctor.full_name}", changes={"verified": [False, True]})
                uow.announce("doctors", "verified", entity_id=doctor_id)
            return _record(doctor, specialties_of(uow.session, [doctor_id])[doctor_id], clinic_view(uow.session))

    def set_active(self, doctor_id: int, expected_version: int, active: bool) -> DoctorRecord:
        """An inactive doctor cannot be booked; existing appointments are kept (rebook them)."""
        with self._units.write(Permission.DOCTOR_MANAGE, stale=lambda: self._conflict(doctor_id)) as uow:
            doctor = self._load(uow.session, doctor_id, expected_version)
            if doctor.active != active:
                doctor.active = active
                uow.session.flush()
                uow.audit(
                    "doctor.activated" if active else "doctor.deactivated", entity_type="doctor",
                    entity_id=doctor_id,
                    summary=f"{'Reactivated' if active else 'Deactivated'} doctor {doctor.full_name}",
                    changes={"active": [not active, active]},
                )
                uow.announce("doctors", "activated" if active else "deactivated", entity_id=doctor_id)
            return _record(doctor, specialties_of(uow.session, [doctor_id])[doctor_id], clinic_view(uow.session))

    # --- internals ---------------------------------------------------------------------------

    def _load(self, session: Session, doctor_id: int, expected_version: int | None = None) -> Doctor:
        doctor = session.get(Doctor, doctor_id)
        if doctor is None:
            raise NotFound("That doctor does not exist.")
        if expected_version is not None and doctor.version != expected_version:
            raise ConflictError(
                _CONFLICT_MESSAGE.format(name=doctor.full_name),
                current=_record(doctor, specialties_of(session, [doctor_id])[doctor_id], clinic_view(session)),
            )
        return doctor

    def _conflict(self, doctor_id: int) -> ConflictError:
        current = self.get(doctor_id)
        return ConflictError(_CONFLICT_MESSAGE.format(name=current.full_name), current=current)

    @staticmethod
    def _link_conflict() -> ValidationError:
        return ValidationError({"staff_account_id": "That staff account is already linked to another doctor."})

    @staticmethod
    def _check_links(session: Session, data: DoctorInput, *, doctor_id: int | None) -> None:
        ids = set(data.specialty_ids)
        found = {s.id: s for s in session.scalars(select(Specialty).where(Specialty.id.in_(ids)))}
        if len(found) != len(ids):
            raise ValidationError({"specialty_ids": "One of the chosen specialties no longer exists."})
        if doctor_id is None and any(not s.active for s in found.values()):
            raise ValidationError({"specialty_ids": "One of the chosen specialties has been retired."})
        if data.staff_account_id is not None:
            account = session.get(StaffAccount, data.staff_account_id)
            if account is None:
                raise ValidationError({"staff_account_id": "That staff account does not exist."})
            if account.role != Role.DOCTOR:
                raise ValidationError(
                    {"staff_account_id": f"Only an account with the doctor role can be linked; "
                     f"'{account.username}' is a {account.role}."}
                )
            other = session.scalar(
                select(Doctor.id).where(Doctor.staff_account_id == account.id, Doctor.id != (doctor_id or -1))
            )
            if other:
                raise DoctorService._link_conflict()

    @staticmethod
    def _set_specialties(session: Session, doctor_id: int, ids: Sequence[int], *, replace: bool = False) -> None:
        if replace:
            session.query(DoctorSpecialty).filter(DoctorSpecialty.doctor_id == doctor_id).delete()
        session.add_all(DoctorSpecialty(doctor_id=doctor_id, specialty_id=i) for i in dict.fromkeys(ids))
        session.flush()  # the session does not autoflush; specialties_of() must see these rows


_CONFLICT_MESSAGE = (
    "Someone at another desk saved changes to {name} while you were editing. Nothing of yours has been "
    "saved yet."
)
