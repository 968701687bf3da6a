"""Reading the audit log as people read it: actions and fields in words, ids as the names they stand
for, money and phones as the clinic writes them, and every time in the clinic's zone.

The rows themselves are written by ``audit.audit_values`` (the write side); this module only reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import AuditEntry, Doctor, Patient, Specialty, StaffAccount
from ..models.scheduling import Appointment, AppointmentStatus
from .audit_words import KINDS, action_words, entity_words, field_words
from .contact import shown_phone
from .money import MoneyError, format_money
from .permissions import Permission, role_label
from .settings import ClinicSettings, clinic_region, clinic_zone
from .unit_of_work import UnitsOfWork

_PHONES = {"phone", "emergency_contact_phone"}
_TIMES = {"starts_at", "ends_at", "archived_at", "verified_at", "locked_until"}
_SPECIALTY_FIELDS = ("specialty_ids", "specialties")  # a doctor's change names them "specialties"
_SEXES = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}


@dataclass(frozen=True)
class ChangeLine:
    field: str  # in words
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as shown: ``at`` is in the clinic's zone; ``action_code`` is the stored code."""

    id: int
    at: datetime
    who: str
    workstation: str
    action: str
    action_code: str
    record: str
    entity_type: str
    entity_id: str
    summary: str
    changes: tuple[ChangeLine, ...]


@dataclass
class _Names:
    """Names for the ids one page of entries mentions, fetched in one query per kind."""

    patients: dict[int, str]
    doctors: dict[int, str]
    staff: dict[int, str]
    specialties: dict[int, str]
    appointments: dict[int, str]


def _ints(values: Iterable[Any]) -> set[int]:
    found = set()
    for v in values:
        if isinstance(v, int) and not isinstance(v, bool):
            found.add(v)
        elif isinstance(v, str) and v.isdigit():
            found.add(int(v))
        elif isinstance(v, list):
            found |= _ints(v)
    return found


def _collect(entries: list[AuditEntry], entity: str, fields: tuple[str, ...]) -> set[int]:
    ids = {e.entity_id for e in entries if e.entity_type == entity}
    for e in entries:
        for name in fields:
            change = (e.changes or {}).get(name)
            if isinstance(change, list):
                ids |= {str(i) for i in _ints(change)}
    return _ints(ids)


def _names(session: Session, entries: list[AuditEntry]) -> _Names:
    appointment_ids = _collect(entries, "appointment", ())
    appointments: dict[int, tuple[int, int]] = {}
    if appointment_ids:
        for a in session.execute(
            select(Appointment.id, Appointment.patient_id, Appointment.doctor_id).where(Appointment.id.in_(appointment_ids))
        ):
            appointments[a.id] = (a.patient_id, a.doctor_id)
    patient_ids = _collect(entries, "patient", ("patient_id",)) | {p for p, _ in appointments.values()}
    doctor_ids = _collect(entries, "doctor", ("doctor_id",)) | {d for _, d in appointments.values()}
    staff_ids = _collect(entries, "staff", ("staff_account_id",))
    specialty_ids = _collect(entries, "specialty", _SPECIALTY_FIELDS)
    patients = {
        r.id: f"{r.given_name} {r.family_name}".strip() + f" (MRN {r.mrn})"
        for r in session.execute(
            select(Patient.id, Patient.given_name, Patient.family_name, Patient.mrn).where(Patient.id.in_(patient_ids))
        )
    } if patient_ids else {}
    doctors = dict(
        session.execute(select(Doctor.id, Doctor.full_name).where(Doctor.id.in_(doctor_ids))).all()
    ) if doctor_ids else {}
    staff = {
        r.id: f"{r.full_name} ({r.username})"
        for r in session.execute(
            select(StaffAccount.id, StaffAccount.full_name, StaffAccount.username).where(StaffAccount.id.in_(staff_ids))
        )
    } if staff_ids else {}
    specialties = dict(
        session.execute(select(Specialty.id, Specialty.name).where(Specialty.id.in_(specialty_ids))).all()
    ) if specialty_ids else {}
    appointment_names = {
        aid: f"{patients.get(p, f'patient #{p}')} with {doctors.get(d, f'doctor #{d}')}"
        for aid, (p, d) in appointments.items()
    }
    return _Names(patients, doctors, staff, specialties, appointment_names)


class AuditLogService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def page(
        self,
        *,
        kind: str = "All",
        entity_type: str | None = None,
        entity_id: str | None = None,
        before_id: int | None = None,
        limit: int = 200,
    ) -> list[AuditLine]:
        """Newest first, in words; ``kind`` is one of ``audit_words.KINDS`` (the "Show" filter).
        Page on with ``before_id`` set to the last id you got."""
        types, prefixes = KINDS.get(kind, KINDS["All"])
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 1000)))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if types or prefixes:
            query = query.where(or_(
                *([AuditEntry.entity_type.in_(types)] if types else []),
                *(AuditEntry.action.startswith(p, autoescape=True) for p in prefixes),
            ))
        if entity_type:
            query = query.where(AuditEntry.entity_type == entity_type)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        with self._units.read(Permission.AUDIT_VIEW) as uow:
            entries = list(uow.session.scalars(query))
            names = _names(uow.session, entries)
            zone, region = clinic_zone(uow.session), clinic_region(uow.session)
            money = self._money(uow.session)
            staff_names = dict(
                uow.session.execute(select(StaffAccount.id, StaffAccount.full_name).where(
                    StaffAccount.id.in_({e.actor_id for e in entries if e.actor_id is not None})
                )).all()
            ) if entries else {}
            words = _Words(names, zone, region, money)
            return [
                AuditLine(
                    id=e.id, at=_aware(e.at).astimezone(zone),
                    who=f"{staff_names[e.actor_id]} ({e.actor_name})" if e.actor_id in staff_names else e.actor_name,
                    workstation=e.workstation, action=action_words(e.action), action_code=e.action,
                    record=words.record(e.entity_type, e.entity_id), entity_type=e.entity_type, entity_id=e.entity_id,
                    summary=e.summary, changes=words.changes(e.changes),
                )
                for e in entries
            ]

    @staticmethod
    def _money(session: Session) -> tuple[str, str]:
        from ..models import ClinicSetting

        def get(key: str, default: str) -> str:
            row = session.get(ClinicSetting, key)
            return row.value if row is not None and isinstance(row.value, str) else default

        return get("currency", ClinicSettings.currency), get("locale", ClinicSettings.locale)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class _Words:
    def __init__(self, names: _Names, zone: ZoneInfo, region: str, money: tuple[str, str]) -> None:
        self.names, self.zone, self.region, self.money = names, zone, region, money

    def record(self, entity_type: str, entity_id: str) -> str:
        if not entity_type:
            return ""
        label = entity_words(entity_type)
        if not entity_id:
            return label
        key = int(entity_id) if entity_id.isdigit() else None
        table = {
            "patient": self.names.patients, "doctor": self.names.doctors, "staff": self.names.staff,
            "specialty": self.names.specialties, "appointment": self.names.appointments,
        }.get(entity_type, {})
        name = table.get(key) if key is not None else None
        return f"{label}: {name}" if name else f"{label} #{entity_id}"

    def changes(self, changes: dict[str, Any] | None) -> tuple[ChangeLine, ...]:
        lines = []
        for name, change in (changes or {}).items():
            if isinstance(change, list | tuple) and len(change) == 2:
                old, new = change
                lines.append(ChangeLine(field_words(name), self.value(name, old), self.value(name, new)))
            else:  # not the usual [old, new] pair; show it rather than hide it
                lines.append(ChangeLine(field_words(name), "", self.value(name, change)))
        return tuple(lines)

    def value(self, field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "(empty)"
        if isinstance(value, bool):
            return "yes" if value else "no"
        by_id = {"staff_account_id": self.names.staff, "doctor_id": self.names.doctors,
                 "patient_id": self.names.patients}
        if field in by_id and isinstance(value, int):
            return by_id[field].get(value, f"#{value} (no longer on file)")
        if field in _SPECIALTY_FIELDS and isinstance(value, list):
            return ", ".join(self.names.specialties.get(i, f"#{i}") for i in value)
        if field == "consultation_fee_minor" and isinstance(value, int):
            try:
                return format_money(value, *self.money)
            except MoneyError:
                return str(value)
        if field in _PHONES and isinstance(value, str):
            return shown_phone(value, self.region)
        if field in _TIMES and isinstance(value, str):
            try:
                return _aware(datetime.fromisoformat(value)).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                return value
        if field == "status" and isinstance(value, str):
            try:
                return AppointmentStatus(value).label
            except ValueError:
                return value
        if field == "role" and isinstance(value, str):
            return role_label(value)
        if field == "sex" and isinstance(value, str):
            return _SEXES.get(value, value)
        if isinstance(value, list):
            return "; ".join(str(v) for v in value) or "(none)"
        return str(value)
