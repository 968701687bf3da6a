"""The clinic formulary (FORMULARY_MANAGE, administrators): the medicines its doctors usually
prescribe by generic name, with a strength, a form and the usual route, dose and frequency, and
whether each is still offered. A doctor picks from it as they type the medicine of a prescription
(``search``); picking copies the line's words into the prescription form, and free text stays
allowed, so a prescription never depends on the formulary (it keeps its own words)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from ...models import FormularyMedicine
from .. import audit
from ..errors import ConflictError, NotFound, ValidationError
from ..permissions import Permission
from ..text import check_text, fold
from ..unit_of_work import UnitsOfWork

P = Permission
# Who may look the formulary up: the admin who keeps it, and the clinicians who prescribe from it.
READERS = (P.FORMULARY_MANAGE, P.CLINICAL_WRITE, P.CLINICAL_READ)
_FIELDS = ("name", "strength", "form", "route", "dose", "frequency")
_LIMITS = {"name": 200, "strength": 60, "form": 40, "route": 40, "dose": 60, "frequency": 60}


@dataclass(frozen=True)
class MedicineInput:
    name: str  # the generic name: "Amoxicillin"
    strength: str = ""  # "500 mg"
    form: str = ""  # "capsule"
    route: str = ""  # "oral"
    dose: str = ""  # "1 capsule"
    frequency: str = ""  # "three times a day"


@dataclass(frozen=True)
class FormularyRecord:
    id: int
    name: str
    strength: str
    form: str
    route: str
    dose: str
    frequency: str
    active: bool
    version: int

    @property
    def label(self) -> str:
        """"Amoxicillin 500 mg capsule", as the picker lists it."""
        return " ".join(x for x in (self.name, self.strength, self.form) if x)


def _record(m: FormularyMedicine) -> FormularyRecord:
    return FormularyRecord(m.id, m.name, m.strength, m.form, m.route, m.dose, m.frequency, m.active, m.version)


def _key(values: dict[str, str]) -> str:
    return "|".join(fold(" ".join(values[f].split())) for f in ("name", "strength", "form"))


def _check(item: MedicineInput) -> dict[str, str]:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in _FIELDS:
        try:
            values[name] = check_text(name, getattr(item, name), _LIMITS[name],
                                      required="Enter the medicine's generic name." if name == "name" else "")
        except ValidationError as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationError(errors)
    return values


class FormularyService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def medicines(self, *, include_inactive: bool = False, text: str = "", limit: int = 500) -> list[FormularyRecord]:
        """The formulary by name (at most ``limit``, capped at 2000); ``text`` matches the start of
        any word of the name, strength or form ("amox 500", "cap")."""
        with self._units.read(any_of=READERS) as uow:
            query = select(FormularyMedicine).order_by(FormularyMedicine.name, FormularyMedicine.strength,
                                                       FormularyMedicine.id)
            if not include_inactive:
                query = query.where(FormularyMedicine.active.is_(True))
            words = fold(text).replace("|", " ").split() if isinstance(text, str) else []
            for word in words[:6]:
                like = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                # name_key is "name|strength|form", folded: a word starts the key, or follows a space or a bar.
                query = query.where(or_(FormularyMedicine.name_key.like(f"{like}%", escape="\\"),
                                        FormularyMedicine.name_key.like(f"% {like}%", escape="\\"),
                                        FormularyMedicine.name_key.like(f"%|{like}%", escape="\\")))
            query = query.limit(max(1, min(limit, 2000)))
            return [_record(m) for m in uow.session.scalars(query)]

    def search(self, text: str, limit: int = 12) -> list[FormularyRecord]:
        """What the prescription form offers as the doctor types: active medicines only."""
        if not isinstance(text, str) or not text.strip():
            self._units.authorise(any_of=READERS)
            return []
        return self.medicines(text=text, limit=max(1, min(limit, 50)))

    def add(self, item: MedicineInput) -> FormularyRecord:
        self._units.authorise(P.FORMULARY_MANAGE)  # before any check of the input
        values = _check(item)
        key = _key(values)
        label = " ".join(values[f] for f in ("name", "strength", "form") if values[f])
        taken = ValidationError({"name": f"{label} is already in the formulary."})
        with self._units.write(P.FORMULARY_MANAGE) as uow:
            uow.explain_constraint("uq_formulary_medicines_name_key", lambda: taken)
            if uow.session.scalar(select(FormularyMedicine.id).where(FormularyMedicine.name_key == key)):
                raise taken
            medicine = FormularyMedicine(name_key=key, active=True, **values)
            uow.session.add(medicine)
            uow.session.flush()
            uow.audit("formulary.added", entity_type="formulary", entity_id=medicine.id, summary=f"Added {label}",
                      changes=audit.created(values, _FIELDS))
            uow.announce("settings", "formulary", entity_id=medicine.id)
            return _record(medicine)

    def update(self, medicine_id: int, version: int, item: MedicineInput, *, active: bool = True) -> FormularyRecord:
        self._units.authorise(P.FORMULARY_MANAGE)
        values = _check(item)
        key = _key(values)
        label = " ".join(values[f] for f in ("name", "strength", "form") if values[f])
        taken = ValidationError({"name": f"{label} is already in the formulary."})
        with self._units.write(P.FORMULARY_MANAGE) as uow:
            uow.explain_constraint("uq_formulary_medicines_name_key", lambda: taken)
            medicine = uow.session.get(FormularyMedicine, medicine_id)
            if medicine is None:
                raise NotFound("That medicine is no longer in the formulary.")
            if medicine.version != version:
                raise ConflictError("Someone at another desk changed this medicine meanwhile; look at it again.",
                                    current=_record(medicine))
            if key != medicine.name_key and uow.session.scalar(
                    select(FormularyMedicine.id).where(FormularyMedicine.name_key == key)):
                raise taken
            before = {f: getattr(medicine, f) for f in _FIELDS} | {"active": medicine.active}
            after = values | {"active": bool(active)}
            changes = audit.diff(before, after)
            if not changes:
                return _record(medicine)
            for name, value in after.items():
                setattr(medicine, name, value)
            medicine.name_key = key
            uow.session.flush()
            uow.audit("formulary.changed", entity_type="formulary", entity_id=medicine.id,
                      summary=f"Changed {label}", changes=changes)
            uow.announce("settings", "formulary", entity_id=medicine.id)
            return _record(medicine)
