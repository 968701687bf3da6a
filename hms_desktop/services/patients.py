"""Patients: register, find, edit, archive. The front desk's most-used service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, text
from sqlalchemy.orm import Session

from ..models import Doctor, Patient, PatientNamePrefix, PatientNameToken, utcnow
from ..models.patient import BLOOD_GROUPS, SEXES
from . import audit
from . import patient_search_sql as search_sql
from .contact import (
    DEFAULT_REGION,
    calling_code,
    email_problem,
    phone_digits,
    phone_problem,
    shown_phone,
    to_e164,
)
from .date_input import age_on, parse_date
from .errors import ConflictError, NotFound, ValidationError
from .mrn import mrn_for, reserve_patient_ids
from .notifications.consent import channels_problem, stored_channels
from .patient_query import parse_query
from .permissions import Permission
from .settings import ClinicView, clinic_view, recent_clinic_view
from .text import check_text, fold, prefix_upper_bound, tokens
from .unit_of_work import UnitsOfWork

__all__ = [
    "DuplicateCandidate", "PatientInput", "PatientPage", "PatientRecord", "PatientService", "PatientSort",
    "PatientSummary", "age_on", "insert_patients", "parse_date", "validate",
]

OLDEST_DATE = date(1900, 1, 1)
MAX_AGE_YEARS = 125

LIMITS = {
    "given_name": 100,
    "family_name": 100,
    "phone": 32,
    "email": 254,
    "address": 500,
    "allergies": 2000,
    "emergency_contact_name": 200,
    "emergency_contact_phone": 32,
    "notes": 10000,
}
MULTILINE = {"address", "allergies", "notes"}


# --- what callers hand in and get back -------------------------------------------------------


@dataclass(frozen=True)
class PatientInput:
    """What the registration form holds. Give a date of birth, or an estimated age in years."""

    given_name: str
    family_name: str = ""
    sex: str = "unknown"
    date_of_birth: date | None = None
    estimated_age_years: int | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    blood_group: str = ""
    allergies: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    notes: str = ""
    message_channels: str = "email"  # consent: "email", "sms", "email,sms" or "" (none)
    primary_doctor_id: int | None = None  # the doctor who usually sees the patient (None: nobody)


@dataclass(frozen=True)
class PatientSummary:
    """One row of the Patients table."""

    id: int
    mrn: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: date
    dob_estimated: bool
    phone: str
    archived: bool
    sort_key: tuple[Any, ...] = field(repr=False, compare=False, default=())

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, day: date) -> int:
        return age_on(self.date_of_birth, day)


@dataclass(frozen=True)
class PatientRecord:
    id: int
    mrn: str
    given_name: str
    family_name: str
    sex: str
    date_of_birth: date
    dob_estimated: bool
    phone: str
    email: str
    address: str
    blood_group: str
    allergies: str
    emergency_contact_name: str
    emergency_contact_phone: str
    notes: str
    archived: bool
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    message_channels: str = "email"
    primary_doctor_id: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class PrimaryDoctor:
    """The doctor who usually sees a patient, as the booking screens and the record name them."""

    id: int
    full_name: str
    active: bool


@dataclass(frozen=True)
class DuplicateCandidate:
    patient: PatientSummary
    reasons: tuple[str, ...]


class PatientSort(StrEnum):
    NAME = "name"
    MRN = "mrn"
    DATE_OF_BIRTH = "date_of_birth"
    REGISTERED = "registered"


@dataclass(frozen=True)
class PatientPage:
    rows: list[PatientSummary]
    # Pass back as ``after`` to get the next page; None when there is no more.
    next_after: tuple[Any, ...] | None


def validate(data: PatientInput, today: date | None = None, *, region: str = DEFAULT_REGION) -> dict[str, Any]:
    """Check the form; return the column values to store, or raise ValidationError per field.
    Phones are stored in E.164, read with ``region`` (the clinic's country) as the default."""
    today = today or date.today()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        try:
            values[name] = check_text(name, getattr(data, name), limit, multiline=name in MULTILINE)
        except ValidationError as exc:
            errors.update(exc.fields)
            values[name] = ""
    if "given_name" not in errors:
        if not values["given_name"]:
            errors["given_name"] = "Enter the patient's given (first) name."
        elif not any(c.isalpha() for c in values["given_name"]):
            errors["given_name"] = "A name needs at least one letter."
    if "family_name" not in errors and values["family_name"] and not any(c.isalpha() for c in values["family_name"]):
        errors["family_name"] = "A name needs at least one letter."
    if data.sex not in SEXES:
        errors["sex"] = f"Choose one of: {', '.join(SEXES)}."
    values["sex"] = data.sex
    if data.blood_group not in BLOOD_GROUPS:
        errors["blood_group"] = f"Choose one of: {', '.join(b for b in BLOOD_GROUPS if b)}, or leave it empty."
    values["blood_group"] = data.blood_group
    if data.date_of_birth is not None:
        if data.date_of_birth > today:
            errors["date_of_birth"] = "The date of birth is in the future."
        elif data.date_of_birth < OLDEST_DATE or age_on(data.date_of_birth, today) > MAX_AGE_YEARS:
            errors["date_of_birth"] = f"That would make the patient over {MAX_AGE_YEARS}; please check the year."
        values["date_of_birth"] = data.date_of_birth
        values["dob_estimated"] = False
    elif data.estimated_age_years is not None:
        if not 0 <= data.estimated_age_years <= MAX_AGE_YEARS:
            errors["date_of_birth"] = f"An estimated age must be between 0 and {MAX_AGE_YEARS} years."
        else:
            # Mid-year of the estimated birth year: the least wrong guess on average.
            values["date_of_birth"] = date(today.year - data.estimated_age_years, 7, 1)
            if values["date_of_birth"] > today:
                values["date_of_birth"] = date(today.year - data.estimated_age_years - 1, 7, 1)
            values["dob_estimated"] = True
    else:
        errors["date_of_birth"] = "Enter the date of birth, or an estimated age if it is not known."
    for key in ("phone", "emergency_contact_phone"):
        if key in errors or not values[key]:
            continue
        problem = phone_problem(values[key], region)
        if problem:
            errors[key] = problem
        else:
            values[key] = to_e164(values[key], region)
    if "email" not in errors and (problem := email_problem(values["email"])):
        errors["email"] = problem
    if problem := channels_problem(data.message_channels, values.get("phone", "")):
        errors["message_channels"] = problem
    values["message_channels"] = stored_channels(data.message_channels)
    doctor = data.primary_doctor_id
    if doctor is not None and (isinstance(doctor, bool) or not isinstance(doctor, int) or doctor <= 0):
        errors["primary_doctor_id"] = "Choose the primary doctor from the list, or nobody."
    values["primary_doctor_id"] = doctor
    if errors:
        raise ValidationError(errors)
    digits = phone_digits(values["phone"])
    values["phone_digits"] = digits
    values["phone_digits_rev"] = digits[::-1]
    name_words = tokens(f"{values['given_name']} {values['family_name']}")
    values["sort_name"] = f"{fold(values['family_name'])} {fold(values['given_name'])}".strip()[:220]
    values["name_key"] = " ".join(sorted(name_words))[:220]
    return values


_EDITABLE = (
    "given_name", "family_name", "sex", "date_of_birth", "dob_estimated", "phone", "email", "address",
    "blood_group", "allergies", "emergency_contact_name", "emergency_contact_phone", "notes", "message_channels",
    "primary_doctor_id",
)
_SUMMARY_COLUMNS = search_sql.SUMMARY_COLUMNS


# The key a row sorts by, handed back as ``next_after`` for the next page.
_SORT_KEY = {
    PatientSort.NAME: lambda row: (row.sort_name, row.id),
    PatientSort.MRN: lambda row: (row.mrn,),
    PatientSort.DATE_OF_BIRTH: lambda row: (row.date_of_birth, row.id),
    PatientSort.REGISTERED: lambda row: (row.created_at, row.id),
}


def _summary(row: Any, sort: PatientSort, region: str) -> PatientSummary:
    return PatientSummary(
        row.id, row.mrn, row.given_name, row.family_name, row.sex, row.date_of_birth, row.dob_estimated,
        shown_phone(row.phone, region), row.archived, _SORT_KEY[sort](row),
    )


def _record(p: Any, view: ClinicView) -> PatientRecord:
    """The record as shown: phones in the national form of the clinic's country (see contact),
    times in the clinic's zone."""
    region = view.region
    return PatientRecord(
        id=p.id, mrn=p.mrn, given_name=p.given_name, family_name=p.family_name, sex=p.sex,
        date_of_birth=p.date_of_birth, dob_estimated=p.dob_estimated, phone=shown_phone(p.phone, region), email=p.email,
        address=p.address, blood_group=p.blood_group, allergies=p.allergies,
        emergency_contact_name=p.emergency_contact_name, emergency_contact_phone=shown_phone(p.emergency_contact_phone, region),
        notes=p.notes, archived=p.archived, archived_at=view.local(p.archived_at),
        created_at=view.local(p.created_at), updated_at=view.local(p.updated_at), version=p.version,
        message_channels=p.message_channels, primary_doctor_id=p.primary_doctor_id,
    )


# One patient's whole record as plain columns (no ORM object, no identity map): the lookups below
# are built once, so each call only binds its value to a statement SQLAlchemy has compiled before.
# Every field of PatientRecord is a patients column of the same name, so a new field is read too.
_RECORD_COLUMNS = tuple(getattr(Patient, f.name) for f in fields(PatientRecord))
_BY_ID = select(*_RECORD_COLUMNS).where(Patient.id == bindparam("key"))
_BY_MRN = select(*_RECORD_COLUMNS).where(Patient.mrn == bindparam("key"))
_PG_ESTIMATE = text("SELECT reltuples FROM pg_class WHERE oid = 'patients'::regclass")
_HIGHEST_ID = select(func.max(Patient.id))
_SUMMARIES_BY_ID = select(*_SUMMARY_COLUMNS).where(Patient.id.in_(bindparam("ids", expanding=True)))


def insert_patients(session: Session, rows: Sequence[dict[str, Any]], actor_id: int | None) -> list[int]:
    """Insert validated column values in bulk (demo data, imports). Returns the new ids."""
    ids = reserve_patient_ids(session, len(rows))
    now = utcnow()
    patient_rows = []
    token_rows = []
    prefix_rows = []
    for pid, values in zip(ids, rows, strict=True):
        patient_rows.append(
            {**values, "id": pid, "mrn": mrn_for(pid), "archived": False, "created_at": now,
             "updated_at": now, "created_by_id": actor_id, "updated_by_id": actor_id, "version": 1}
        )
        words = tokens(f"{values['given_name']} {values['family_name']}")
        token_rows.extend({"token": t, "patient_id": pid} for t in words)
        prefix_rows.extend(_prefix_rows(pid, values["sort_name"], words))
    session.execute(insert(Patient), patient_rows)
    if token_rows:
        session.execute(insert(PatientNameToken), token_rows)
        session.execute(insert(PatientNamePrefix), prefix_rows)
    return ids


def _prefix_rows(patient_id: int, sort_name: str, words: Sequence[str]) -> list[dict[str, Any]]:
    """The patient's rows of patient_name_prefixes (see the model): each word's first one and two letters."""
    found = sorted({w[:n] for w in words for n in (1, 2) if len(w) >= n})
    return [{"prefix": x, "sort_name": sort_name, "patient_id": patient_id} for x in found]


class PatientService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    # --- reading -----------------------------------------------------------------------------

    def search(
        self,
        query: str = "",
        *,
        include_archived: bool = False,
        sort: PatientSort = PatientSort.NAME,
        descending: bool = False,
        after: tuple[Any, ...] | None = None,
        limit: int = 100,
    ) -> PatientPage:
        """Patients matching ``query`` (name words in any order, MRN, phone digits, date of birth),
        one page at a time, ordered by ``sort``. An empty query lists everyone."""
        limit = max(1, min(limit, 1000))
        parsed = parse_query(query)
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            region = recent_clinic_view(uow.session).region
            shape, values = search_sql.shape_and_values(
                search_sql.search_terms(parsed, include_archived, calling_code(region)))
            stmt = search_sql.statement(shape, sort.value, descending, after is not None)
            result = uow.connection.execute(stmt, search_sql.parameters(values, after, limit + 1))
            rows = [_summary(r, sort, region) for r in result]
        more = len(rows) > limit
        rows = rows[:limit]
        return PatientPage(rows, rows[-1].sort_key if more and rows else None)

    def count(self, query: str = "", *, include_archived: bool = False) -> int:
        parsed = parse_query(query)
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            region = recent_clinic_view(uow.session).region
            shape, values = search_sql.shape_and_values(
                search_sql.search_terms(parsed, include_archived, calling_code(region)))
            return uow.connection.scalar(search_sql.count_statement(shape), search_sql.parameters(values)) or 0

    def estimated_count(self) -> int:
        """About how many patients there are, at once: the figure ``count()`` gives exactly costs a
        read of every patient's index entry (tens of ms at 200,000); the Patients tab shows this
        ("about 200,000") while that runs. PostgreSQL's planner estimate where it has one; else the
        highest patient id (ids are handed out in order and records are archived, not deleted)."""
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            estimate = -1.0
            if uow.is_postgresql:
                estimate = uow.connection.scalar(_PG_ESTIMATE) or -1.0
            if estimate < 0:  # never analysed yet (or SQLite)
                estimate = uow.connection.scalar(_HIGHEST_ID) or 0
            return int(estimate)

    def summaries(self, patient_ids: Sequence[int]) -> dict[int, PatientSummary]:
        """The list rows of these patients as they stand now (for refreshing rows on screen after a
        change notice); an id that no longer exists is left out."""
        wanted = sorted({int(i) for i in patient_ids})[:1000]
        if not wanted:
            self._units.authorise(Permission.PATIENT_VIEW)
            return {}
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            region = recent_clinic_view(uow.session).region
            rows = uow.connection.execute(_SUMMARIES_BY_ID, {"ids": wanted})
            return {r.id: _summary(r, PatientSort.NAME, region) for r in rows}

    def get(self, patient_id: int) -> PatientRecord:
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            row = uow.connection.execute(_BY_ID, {"key": patient_id}).first()
            if row is None:
                raise NotFound("That patient record does not exist.")
            return _record(row, recent_clinic_view(uow.session))

    def get_by_mrn(self, mrn: str) -> PatientRecord:
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            row = uow.connection.execute(_BY_MRN, {"key": mrn.strip()}).first()
            if row is None:
                raise NotFound(f"No patient has the MRN {mrn.strip()}.")
            return _record(row, recent_clinic_view(uow.session))

    def primary_doctor(self, patient_id: int) -> PrimaryDoctor | None:
        """The patient's primary doctor (None when nobody is set), in one read."""
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            row = uow.session.execute(
                select(Patient.id, Doctor.id.label("doctor_id"), Doctor.full_name, Doctor.active)
                .outerjoin(Doctor, Doctor.id == Patient.primary_doctor_id).where(Patient.id == patient_id)).first()
            if row is None:
                raise NotFound("That patient record does not exist.")
            return None if row.doctor_id is None else PrimaryDoctor(row.doctor_id, row.full_name, row.active)

    def find_duplicates(self, data: PatientInput, *, exclude_id: int | None = None) -> list[DuplicateCandidate]:
        """Existing patients who are probably the same person: same name and date of birth, or
        the same phone number (compared on its last 8 digits, so country codes do not hide it)."""
        self._units.authorise(Permission.PATIENT_VIEW)
        name_key = " ".join(sorted(tokens(f"{data.given_name} {data.family_name}")))
        digits = phone_digits(data.phone)
        born = data.date_of_birth
        options = []
        if name_key and born is not None:
            options.append(and_(Patient.name_key == name_key, Patient.date_of_birth == born))
        phone_tail = digits[-8:][::-1] if len(digits) >= 6 else ""
        if phone_tail:
            options.append(
                and_(Patient.phone_digits_rev >= phone_tail, Patient.phone_digits_rev < prefix_upper_bound(phone_tail))
            )
        if not options:
            return []
        stmt = select(*_SUMMARY_COLUMNS, Patient.name_key, Patient.phone_digits_rev).where(or_(*options))
        if exclude_id is not None:
            stmt = stmt.where(Patient.id != exclude_id)
        stmt = stmt.order_by(Patient.archived, Patient.sort_name, Patient.id).limit(20)
        found: list[DuplicateCandidate] = []
        with self._units.read(Permission.PATIENT_VIEW) as uow:
            region = recent_clinic_view(uow.session).region
            for row in uow.connection.execute(stmt):
                reasons = []
                if born is not None and row.name_key == name_key and row.date_of_birth == born:
                    reasons.append("same name and date of birth")
                if phone_tail and row.phone_digits_rev.startswith(phone_tail):
                    reasons.append("same phone number")
                found.append(DuplicateCandidate(_summary(row, PatientSort.NAME, region), tuple(reasons)))
        return found

    # --- writing -----------------------------------------------------------------------------

    def register(self, data: PatientInput) -> PatientRecord:
        with self._units.write(Permission.PATIENT_REGISTER) as uow:
            view = clinic_view(uow.session)
            values = validate(data, region=view.region)
            _check_primary_doctor(uow.session, values["primary_doctor_id"], None)
            (pid,) = reserve_patient_ids(uow.session, 1)
            actor = uow.actor
            patient = Patient(
                id=pid, mrn=mrn_for(pid), archived=False, created_by_id=actor.id, updated_by_id=actor.id,
                **values,
            )
            uow.session.add(patient)
            self._replace_tokens(uow.session, pid, values, new=True)
            uow.session.flush()
            uow.audit(
                "patient.created", entity_type="patient", entity_id=pid,
                summary=f"Registered {patient.given_name} {patient.family_name} ({patient.mrn})".strip(),
                changes=audit.created(values, _EDITABLE),
            )
            uow.announce("patients", "created", entity_id=pid)
            return _record(patient, view)

    def update(self, patient_id: int, expected_version: int, data: PatientInput) -> PatientRecord:
        """Save an edit made to version ``expected_version``. If anyone saved in between, nothing
        is written and ConflictError carries the record as it now stands."""
        with self._units.write(Permission.PATIENT_EDIT, stale=lambda: self._conflict(patient_id)) as uow:
            view = clinic_view(uow.session)
            values = validate(data, region=view.region)
            patient = self._load_for_change(uow.session, patient_id, expected_version)
            _check_primary_doctor(uow.session, values["primary_doctor_id"], patient.primary_doctor_id)
            before = {k: getattr(patient, k) for k in _EDITABLE}
            after = {k: values[k] for k in _EDITABLE}
            changes = audit.diff(before, after)
            if not changes:
                return _record(patient, view)
            for key, value in values.items():
                setattr(patient, key, value)
            patient.updated_by_id = uow.actor.id
            if {"given_name", "family_name"} & changes.keys():
                self._replace_tokens(uow.session, patient_id, values, new=False)
            uow.session.flush()
            uow.audit(
                "patient.changed", entity_type="patient", entity_id=patient_id,
                summary=f"Changed {patient.given_name} {patient.family_name} ({patient.mrn})", changes=changes,
            )
            uow.announce("patients", "changed", entity_id=patient_id)
            return _record(patient, view)

    def archive(self, patient_id: int, expected_version: int, *, reason: str = "") -> PatientRecord:
        return self._set_archived(patient_id, expected_version, True, reason)

    def restore(self, patient_id: int, expected_version: int) -> PatientRecord:
        return self._set_archived(patient_id, expected_version, False, "")

    def _set_archived(self, patient_id: int, expected_version: int, archived: bool, reason: str) -> PatientRecord:
        with self._units.write(Permission.PATIENT_ARCHIVE, stale=lambda: self._conflict(patient_id)) as uow:
            reason = check_text("reason", reason, 300, multiline=True)
            patient = self._load_for_change(uow.session, patient_id, expected_version)
            view = clinic_view(uow.session)
            if patient.archived == archived:
                return _record(patient, view)
            patient.archived = archived
            patient.archived_at = utcnow() if archived else None
            patient.updated_by_id = uow.actor.id
            uow.session.flush()
            verb = "Archived" if archived else "Restored"
            uow.audit(
                "patient.archived" if archived else "patient.restored", entity_type="patient",
                entity_id=patient_id,
                summary=f"{verb} {patient.given_name} {patient.family_name} ({patient.mrn})"
                + (f": {reason}" if reason else ""),
                changes={"archived": [not archived, archived]},
            )
            uow.announce("patients", "archived" if archived else "restored", entity_id=patient_id)
            return _record(patient, view)

    # --- internals ---------------------------------------------------------------------------

    def _load_for_change(self, session: Session, patient_id: int, expected_version: int) -> Patient:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise NotFound("That patient record does not exist.")
        if patient.version != expected_version:
            raise ConflictError(_CONFLICT_MESSAGE.format(name=f"{patient.given_name} {patient.family_name}".strip()),
                                current=_record(patient, clinic_view(session)))
        return patient

    def _conflict(self, patient_id: int) -> ConflictError:
        current = self.get(patient_id)
        return ConflictError(_CONFLICT_MESSAGE.format(name=current.full_name), current=current)

    @staticmethod
    def _replace_tokens(session: Session, patient_id: int, values: dict[str, Any], *, new: bool) -> None:
        if not new:
            session.execute(delete(PatientNameToken).where(PatientNameToken.patient_id == patient_id))
            session.execute(delete(PatientNamePrefix).where(PatientNamePrefix.patient_id == patient_id))
        words = tokens(f"{values['given_name']} {values['family_name']}")
        session.add_all(PatientNameToken(token=t, patient_id=patient_id) for t in words)
        session.add_all(PatientNamePrefix(**row) for row in _prefix_rows(patient_id, values["sort_name"], words))


def _check_primary_doctor(session: Session, doctor_id: int | None, current: int | None) -> None:
    """A new primary doctor must be an active doctor; the one already set may stay when they leave."""
    if doctor_id is None or doctor_id == current:
        return
    active = session.scalar(select(Doctor.active).where(Doctor.id == doctor_id))
    if not active:
        raise ValidationError({"primary_doctor_id": "That doctor no longer works here: choose another, or nobody."})


_CONFLICT_MESSAGE = (
    "Someone at another desk saved changes to {name} while you were editing. Nothing of yours has been "
    "saved yet."
)

