"""The clinical record service: visits, vitals, diagnoses, prescriptions, addenda and allergies.

Who may do what (services/permissions.py), enforced here whatever a screen shows:

- CLINICAL_READ (doctors, nurses): read visits, vitals, allergies. Every such read writes an
  audit row (who, which patient, from which workstation) through the unit of work, and
  ``access_log`` (CLINICAL_ACCESS_LOG, administrators) lists them.
- CLINICAL_WRITE (doctors): write and sign visits, but only their own: the visit's doctor must be
  the doctor linked to the signed-in account (PermissionDenied otherwise).
- VITALS_WRITE (nurses and doctors): enter vitals on a draft visit (a nurse on any, a doctor on
  their own), record allergies, open the
  draft visit of an appointment so vitals can be taken at check-in.
- Receptionists and administrators hold none of the content permissions: no call here gives them
  a complaint, a note, a diagnosis or a prescription.

Every change names the visit ``version`` it was made on; a stale one is a ConflictError carrying
the visit as it is now. A signed visit is never changed: corrections are addenda.
All audit rows use entity_type "patient" and the patient's id, so the access log of one patient is
one indexed lookup; their summaries never hold clinical text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select

from ...models import (
    Addendum,
    Appointment,
    AuditEntry,
    Diagnosis,
    Doctor,
    Patient,
    PatientAllergy,
    Prescription,
    StaffAccount,
    Visit,
    VisitStatus,
    VitalsReading,
    utcnow,
)
from ..errors import ConflictError, NotFound, PermissionDenied, ValidationError
from ..permissions import Permission
from ..text import check_text
from ..unit_of_work import UnitOfWork, UnitsOfWork
from . import icd10
from .allergy_match import matching_allergy, substances_in
from .records import (
    AccessRecord,
    AddendumRecord,
    AllergyInput,
    AllergyRecord,
    DiagnosisInput,
    DiagnosisRecord,
    NotesInput,
    PrescriptionInput,
    PrescriptionRecord,
    VisitRecord,
    VisitSummary,
    VitalsRecord,
)
from .vitals import VITAL_SIGNS, VitalsInput, check_vitals, flags

T = TypeVar("T")
P = Permission
NOTES_LIMIT = 20_000
SEVERITIES = ("", "mild", "moderate", "severe")
_STALE = ("{doctor}'s visit with {patient} was changed at another desk while you were working on it. "
          "Nothing of yours was saved; the visit as it is now is shown, please repeat your change.")
_SIGNED = ("This visit was signed on {when} and can no longer be changed. To correct or add to it, "
           "write an addendum.")


class AllergyWarning(ValidationError):
    """The medicine matches one of the patient's recorded allergies (``allergy``): prescribing it
    needs ``confirm_allergy=True`` and a reason."""

    def __init__(self, allergy: str, medicine: str) -> None:
        super().__init__({"medicine": (
            f"The patient has a recorded allergy to {allergy}, which matches {medicine}. "
            "Prescribe it only if you are sure: confirm to go ahead.")})
        self.allergy = allergy
        self.medicine = medicine


class _OpenedElsewhere(ConflictError):
    def __init__(self) -> None:
        super().__init__("This visit was opened at another desk at the same moment; please open it again.")


class ClinicalService:
    """See the module docstring for the rules. All methods return frozen records (records.py)."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    # --- reading (each read leaves an audit row) -------------------------------------------

    def get_visit(self, visit_id: int) -> VisitRecord:
        """The whole visit, with the patient's allergies. Audited as an opening of the record."""
        with self._units.read(P.CLINICAL_READ) as uow:
            visit = _visit(uow, visit_id)
            record = _visit_record(uow, visit)
            _audit_read(uow, visit.patient_id, f"Opened visit {visit.id}")
            return record

    def patient_visits(self, patient_id: int, *, limit: int = 50) -> list[VisitSummary]:
        """The patient's visits, newest first (at most ``limit``). Audited as an opening."""
        with self._units.read(P.CLINICAL_READ) as uow:
            _patient(uow, patient_id)
            visits = uow.session.scalars(
                select(Visit).where(Visit.patient_id == patient_id)
                .order_by(Visit.started_at.desc(), Visit.id.desc()).limit(max(1, min(limit, 500)))
            ).all()
            ids = [v.id for v in visits]
            by_visit: dict[int, list[str]] = {}
            if ids:
                for d in uow.session.scalars(select(Diagnosis).where(Diagnosis.visit_id.in_(ids)).order_by(Diagnosis.id)):
                    by_visit.setdefault(d.visit_id, []).append(f"{d.text} ({d.icd10_code})" if d.icd10_code else d.text)
            names = _doctor_names(uow, {v.doctor_id for v in visits})
            _audit_read(uow, patient_id, "Opened the visit history")
            return [VisitSummary(v.id, v.started_at, names.get(v.doctor_id, ""), v.status, v.complaint,
                                 tuple(by_visit.get(v.id, ()))) for v in visits]

    def patient_timeline(self, patient_id: int, *, limit: int = 50) -> list[VisitRecord]:
        """The patient's visits in full (vitals, diagnoses, prescriptions, addenda), newest first, at
        most ``limit`` (capped at 500): the history timeline and its vitals chart. Audited as an opening."""
        with self._units.read(P.CLINICAL_READ) as uow:
            _patient(uow, patient_id)
            visits = uow.session.scalars(
                select(Visit).where(Visit.patient_id == patient_id)
                .order_by(Visit.started_at.desc(), Visit.id.desc()).limit(max(1, min(limit, 500)))
            ).all()
            records = _visit_records(uow, visits)
            _audit_read(uow, patient_id, "Opened the clinical history")
            return records

    def allergies(self, patient_id: int) -> list[AllergyRecord]:
        """The patient's recorded allergies. Audited as an opening."""
        with self._units.read(P.CLINICAL_READ) as uow:
            _patient(uow, patient_id)
            rows = _allergies(uow, patient_id)
            _audit_read(uow, patient_id, "Looked at the allergies")
            return rows

    def access_log(self, patient_id: int, *, limit: int = 200) -> list[AccessRecord]:
        """Who opened or changed this patient's clinical record, newest first (administrators)."""
        with self._units.read(P.CLINICAL_ACCESS_LOG) as uow:
            _patient(uow, patient_id)
            rows = uow.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity_type == "patient", AuditEntry.entity_id == str(patient_id),
                       AuditEntry.action.like("clinical.%"))
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(max(1, min(limit, 2000)))
            ).all()
            return [AccessRecord(r.at, r.actor_name, r.workstation, r.action, r.summary) for r in rows]

    def search_icd10(self, query: str, limit: int = 20) -> list[icd10.IcdCode]:
        """ICD-10 codes by code prefix ("J45") or description words ("asth unsp"), at most ``limit``
        (capped at 100). In memory, no database: fast enough for every keystroke."""
        self._units.authorise(any_of=(P.CLINICAL_READ, P.CLINICAL_WRITE))
        return icd10.search(query, max(0, min(limit, 100)))

    # --- opening a visit -------------------------------------------------------------------

    def open_for_appointment(self, appointment_id: int) -> VisitRecord:
        """The visit of an appointment (a booked one or a walk-in), started as a draft for the
        appointment's doctor if there is none yet. A nurse may open it to enter vitals at check-in;
        a doctor only for their own appointments. Two desks opening it at the same instant both get
        the one visit: the desk whose insert lost to the other's (uq_clinical_visits_appointment_id)
        simply reads it again."""
        try:
            return self._open_for_appointment(appointment_id)
        except _OpenedElsewhere:
            return self._open_for_appointment(appointment_id)

    def _open_for_appointment(self, appointment_id: int) -> VisitRecord:
        with self._units.write(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE)) as uow:
            uow.explain_constraint("uq_clinical_visits_appointment_id", _OpenedElsewhere)
            appointment = uow.session.get(Appointment, appointment_id)
            if appointment is None:
                raise NotFound("That appointment does not exist.")
            if uow.actor.can(P.CLINICAL_WRITE):  # a doctor: their own appointments only
                _require_own(uow, appointment.doctor_id)
            visit = uow.session.scalar(select(Visit).where(Visit.appointment_id == appointment_id))
            if visit is None:
                if appointment.status in ("cancelled", "rejected", "no_show"):
                    raise ValidationError({"": "This appointment was cancelled, rejected or missed: no visit "
                                                   "can be written for it."})
                visit = Visit(patient_id=appointment.patient_id, doctor_id=appointment.doctor_id,
                              appointment_id=appointment_id, status=VisitStatus.DRAFT,
                              created_by_id=uow.actor.id)
                uow.session.add(visit)
                uow.session.flush()
                _audit_change(uow, visit, "clinical.visit_started", f"Started visit {visit.id}")
            else:
                _audit_change(uow, visit, "clinical.opened", f"Opened visit {visit.id}")
            return _visit_record(uow, visit)

    def start_without_appointment(self, patient_id: int) -> VisitRecord:
        """A draft visit by the signed-in doctor for a patient seen without an appointment."""
        with self._units.write(P.CLINICAL_WRITE) as uow:
            _patient(uow, patient_id)
            doctor_id = _own_doctor_id(uow)
            if doctor_id is None:
                raise PermissionDenied("Only a doctor can start a visit, and your account is not linked to one.")
            visit = Visit(patient_id=patient_id, doctor_id=doctor_id, appointment_id=None,
                          status=VisitStatus.DRAFT, created_by_id=uow.actor.id)
            uow.session.add(visit)
            uow.session.flush()
            _audit_change(uow, visit, "clinical.visit_started", f"Started visit {visit.id}")
            return _visit_record(uow, visit)

    # --- writing a draft -------------------------------------------------------------------

    def save_notes(self, visit_id: int, version: int, notes: NotesInput) -> VisitRecord:
        """Complaint, examination, orders and advice, follow-up date (the visit's own doctor)."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            visit.complaint = check_text("complaint", notes.complaint, NOTES_LIMIT, multiline=True)
            visit.examination = check_text("examination", notes.examination, NOTES_LIMIT, multiline=True)
            visit.advice = check_text("advice", notes.advice, NOTES_LIMIT, multiline=True)
            if notes.follow_up_on is not None and notes.follow_up_on < visit.started_at.date():
                raise ValidationError({"follow_up_on": "The follow-up date cannot be before the visit."})
            visit.follow_up_on = notes.follow_up_on
            return "Notes saved"
        return self._change(visit_id, version, P.CLINICAL_WRITE, "clinical.notes_saved", change)

    def record_vitals(self, visit_id: int, version: int, vitals: VitalsInput) -> VisitRecord:
        """A set of readings (nurse or doctor). Implausible values are refused with the plausible
        range; values outside the usual range are saved and come back in VitalsRecord.flags."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            values = check_vitals(vitals)
            uow.session.add(VitalsReading(visit_id=visit.id, taken_by_id=uow.actor.id, taken_at=utcnow(), **values))
            return "Vitals recorded"
        return self._change(visit_id, version, P.VITALS_WRITE, "clinical.vitals_recorded", change)

    def add_diagnosis(self, visit_id: int, version: int, diagnosis: DiagnosisInput) -> VisitRecord:
        """Free text, with an optional ICD-10 code that must exist in the packaged code set."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            code = ""
            if diagnosis.icd10_code.strip():
                found = icd10.normalise_code(diagnosis.icd10_code)
                if found is None:
                    raise ValidationError({"icd10_code": f"{diagnosis.icd10_code.strip()} is not an ICD-10 code. "
                                                         "Pick one from the list, or leave the code empty."})
                code = found
            text = diagnosis.text.strip() or (icd10.describe(code) if code else "")
            text = check_text("text", text, 500, required="Describe the diagnosis, or pick an ICD-10 code.")
            uow.session.add(Diagnosis(visit_id=visit.id, text=text, icd10_code=code))
            return f"Diagnosis added{f' ({code})' if code else ''}"
        return self._change(visit_id, version, P.CLINICAL_WRITE, "clinical.diagnosis_added", change)

    def remove_diagnosis(self, visit_id: int, version: int, diagnosis_id: int) -> VisitRecord:
        return self._remove_line(visit_id, version, Diagnosis, diagnosis_id, "diagnosis")

    def add_prescription(self, visit_id: int, version: int, item: PrescriptionInput, *,
                         confirm_allergy: bool = False, override_reason: str = "") -> VisitRecord:
        """One medicine. If its name matches one of the patient's recorded allergies (the allergy
        list or the allergies typed at registration), it is refused with an AllergyWarning (a
        ValidationError naming the allergy) unless ``confirm_allergy`` is True and
        ``override_reason`` says why; the confirmed allergy and the reason are kept on the line."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            values = {
                "medicine": check_text("medicine", item.medicine, 200, required="Enter the medicine."),
                "strength": check_text("strength", item.strength, 60),
                "form": check_text("form", item.form, 40),
                "dose": check_text("dose", item.dose, 60),
                "frequency": check_text("frequency", item.frequency, 60),
                "route": check_text("route", item.route, 40),
                "duration": check_text("duration", item.duration, 60),
                "quantity": check_text("quantity", item.quantity, 40),
                "instructions": check_text("instructions", item.instructions, 500),
            }
            patient = uow.session.get(Patient, visit.patient_id)
            substances = [a.substance for a in _allergies(uow, visit.patient_id)]
            substances += substances_in(patient.allergies if patient is not None else "")
            allergy = matching_allergy(values["medicine"], substances)
            reason = ""
            if allergy is not None:
                if not confirm_allergy:
                    raise AllergyWarning(allergy, values["medicine"])
                reason = check_text("override_reason", override_reason, 300,
                                    required=f"Say why {values['medicine']} is prescribed despite the recorded "
                                             f"allergy to {allergy}.")
            uow.session.add(Prescription(visit_id=visit.id, allergy_override=allergy or "",
                                         allergy_override_reason=reason, **values))
            return "Prescription added" + (" despite a recorded allergy" if allergy else "")
        return self._change(visit_id, version, P.CLINICAL_WRITE, "clinical.prescription_added", change)

    def remove_prescription(self, visit_id: int, version: int, prescription_id: int) -> VisitRecord:
        return self._remove_line(visit_id, version, Prescription, prescription_id, "prescription")

    def _remove_line(self, visit_id: int, version: int, model: type[Diagnosis] | type[Prescription],
                     line_id: int, noun: str) -> VisitRecord:
        """Take one diagnosis or prescription line off a draft visit."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            row = uow.session.get(model, line_id)
            if row is None or row.visit_id != visit.id:
                raise NotFound(f"That {noun} is not on this visit.")
            uow.session.delete(row)
            return f"{noun.capitalize()} removed"
        return self._change(visit_id, version, P.CLINICAL_WRITE, f"clinical.{noun}_removed", change)

    def sign(self, visit_id: int, version: int) -> VisitRecord:
        """The visit's doctor signs it; from then on it is never changed (addenda only)."""
        def change(uow: UnitOfWork, visit: Visit) -> str:
            visit.status = VisitStatus.SIGNED
            visit.signed_at = utcnow()
            visit.signed_by_id = uow.actor.id
            return "Visit signed"
        return self._change(visit_id, version, P.CLINICAL_WRITE, "clinical.visit_signed", change)

    def add_addendum(self, visit_id: int, text: str) -> VisitRecord:
        """A correction or note on a signed visit, by its doctor, with author and time. Needs no
        version: an addendum never overwrites anything."""
        with self._units.write(P.CLINICAL_WRITE) as uow:
            visit = _visit(uow, visit_id)
            _require_own(uow, visit.doctor_id)
            if visit.status != VisitStatus.SIGNED:
                raise ValidationError({"text": "This visit is still a draft: change it directly; addenda are "
                                               "for signed visits."})
            body = check_text("text", text, NOTES_LIMIT, multiline=True, required="Write the addendum.")
            if not body.strip():
                raise ValidationError({"text": "Write the addendum."})
            uow.session.add(Addendum(visit_id=visit.id, author_id=uow.actor.id, author_name=uow.actor.full_name,
                                     at=utcnow(), text=body))
            uow.session.flush()
            _audit_change(uow, visit, "clinical.addendum_added", f"Addendum to visit {visit.id}")
            return _visit_record(uow, visit)

    # --- allergies -------------------------------------------------------------------------

    def record_allergy(self, patient_id: int, allergy: AllergyInput) -> AllergyRecord:
        with self._units.write(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE)) as uow:
            _patient(uow, patient_id)
            substance = check_text("substance", allergy.substance, 200, required="Enter what the patient is allergic to.")
            reaction = check_text("reaction", allergy.reaction, 300)
            severity = allergy.severity.strip().lower()
            if severity not in SEVERITIES:
                raise ValidationError({"severity": "Severity is mild, moderate or severe (or left empty)."})
            row = PatientAllergy(patient_id=patient_id, substance=substance, reaction=reaction, severity=severity,
                                 recorded_at=utcnow(), recorded_by_id=uow.actor.id)
            uow.session.add(row)
            uow.session.flush()
            uow.audit("clinical.allergy_recorded", entity_type="patient", entity_id=patient_id,
                      summary="Allergy recorded")
            uow.announce("records", "changed", entity_id=patient_id)
            return _allergy_record(row)

    def remove_allergy(self, allergy_id: int) -> None:
        with self._units.write(any_of=(P.CLINICAL_WRITE, P.VITALS_WRITE)) as uow:
            row = uow.session.get(PatientAllergy, allergy_id)
            if row is None:
                raise NotFound("That allergy is not recorded.")
            uow.session.delete(row)
            uow.audit("clinical.allergy_removed", entity_type="patient", entity_id=row.patient_id,
                      summary="Allergy removed")
            uow.announce("records", "changed", entity_id=row.patient_id)

    # --- the one way a draft is changed ----------------------------------------------------

    def _change(self, visit_id: int, version: int, permission: Permission, action: str,
                change: Callable[[UnitOfWork, Visit], str]) -> VisitRecord:
        """Permission, then the visit's own doctor (any caller who is a doctor), not signed, at the
        version the desk saw, then ``change``; the visit's version moves on with every change."""
        with self._units.write(permission, stale=lambda: self._stale(visit_id)) as uow:
            visit = _visit(uow, visit_id)
            if permission is P.CLINICAL_WRITE or uow.actor.can(P.CLINICAL_WRITE):
                _require_own(uow, visit.doctor_id)  # a doctor, even entering vitals: own visits only
            if visit.status == VisitStatus.SIGNED:
                when = visit.signed_at.strftime("%d %b %Y %H:%M UTC") if visit.signed_at else "an earlier day"
                raise ConflictError(_SIGNED.format(when=when))
            if visit.version != version:
                raise self._stale_in(uow, visit)
            summary = change(uow, visit)
            visit.updated_at = utcnow()  # moves the version on, also when only a child row changed
            uow.session.flush()
            _audit_change(uow, visit, action, f"{summary} (visit {visit.id})")
            return _visit_record(uow, visit)

    def _stale(self, visit_id: int) -> ConflictError:
        with self._units.read(P.CLINICAL_READ) as uow:
            visit = _visit(uow, visit_id)
            error = self._stale_in(uow, visit)
            _audit_read(uow, visit.patient_id, f"Opened visit {visit.id} (changed elsewhere)")
            return error

    @staticmethod
    def _stale_in(uow: UnitOfWork, visit: Visit) -> ConflictError:
        current = _visit_record(uow, visit)
        return ConflictError(_STALE.format(doctor=current.doctor_name, patient=current.patient_name), current=current)


# --- helpers (inside a unit) ---------------------------------------------------------------

def _visit(uow: UnitOfWork, visit_id: int) -> Visit:
    visit = uow.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound("That visit does not exist.")
    return visit


def _patient(uow: UnitOfWork, patient_id: int) -> Patient:
    patient = uow.session.get(Patient, patient_id)
    if patient is None:
        raise NotFound("That patient record does not exist.")
    return patient


def _own_doctor_id(uow: UnitOfWork) -> int | None:
    return uow.session.scalar(select(Doctor.id).where(Doctor.staff_account_id == uow.actor.id))


def _require_own(uow: UnitOfWork, doctor_id: int) -> None:
    """A doctor writes only their own visits."""
    if _own_doctor_id(uow) != doctor_id:
        name = uow.session.scalar(select(Doctor.full_name).where(Doctor.id == doctor_id)) or "another doctor"
        raise PermissionDenied(f"This visit is {name}'s: only they can change it. You can read it.")


def _audit_read(uow: UnitOfWork, patient_id: int, summary: str) -> None:
    uow.audit("clinical.opened", entity_type="patient", entity_id=patient_id, summary=summary)


def _audit_change(uow: UnitOfWork, visit: Visit, action: str, summary: str) -> None:
    uow.audit(action, entity_type="patient", entity_id=visit.patient_id, summary=summary)
    if uow.writable:
        uow.announce("records", "changed", entity_id=visit.patient_id)


def _doctor_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row[0]: row[1] for row in uow.session.execute(select(Doctor.id, Doctor.full_name).where(Doctor.id.in_(ids)))}


def _allergies(uow: UnitOfWork, patient_id: int) -> list[AllergyRecord]:
    rows = uow.session.scalars(select(PatientAllergy).where(PatientAllergy.patient_id == patient_id)
                               .order_by(PatientAllergy.id)).all()
    return [_allergy_record(r) for r in rows]


def _allergy_record(row: PatientAllergy) -> AllergyRecord:
    return AllergyRecord(row.id, row.patient_id, row.substance, row.reaction, row.severity, row.recorded_at)


def _staff_names(uow: UnitOfWork, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(StaffAccount.id, StaffAccount.full_name).where(StaffAccount.id.in_(wanted)))
    return {row[0]: row[1] for row in rows}


def _visit_record(uow: UnitOfWork, visit: Visit) -> VisitRecord:
    return _visit_records(uow, [visit])[0]


def _visit_records(uow: UnitOfWork, visits: Sequence[Visit]) -> list[VisitRecord]:
    """Whole visits with their lines, in the order given: one query per kind of line, whatever the
    number of visits (a patient's timeline loads like one visit)."""
    if not visits:
        return []
    session = uow.session
    ids = [v.id for v in visits]

    def lines(model: Any) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = {}
        for row in session.scalars(select(model).where(model.visit_id.in_(ids)).order_by(model.id)):
            grouped.setdefault(row.visit_id, []).append(row)
        return grouped

    vitals, diagnoses, items, addenda = lines(VitalsReading), lines(Diagnosis), lines(Prescription), lines(Addendum)
    patients = {p.id: p for p in session.scalars(select(Patient).where(Patient.id.in_({v.patient_id for v in visits})))}
    doctors = _doctor_names(uow, {v.doctor_id for v in visits})
    names = _staff_names(uow, {*(v.signed_by_id for v in visits),
                               *(r.taken_by_id for rows in vitals.values() for r in rows)})
    allergies = {pid: tuple(_allergies(uow, pid)) for pid in patients}

    def vitals_record(v: VitalsReading) -> VitalsRecord:
        values = {s.field: getattr(v, s.field) for s in VITAL_SIGNS}
        return VitalsRecord(v.id, v.taken_at, names.get(v.taken_by_id or 0, ""), flags=flags(values), **values)

    def record(visit: Visit) -> VisitRecord:
        patient = patients.get(visit.patient_id)
        return VisitRecord(
            id=visit.id, patient_id=visit.patient_id,
            patient_name=f"{patient.given_name} {patient.family_name}".strip() if patient else "",
            mrn=patient.mrn if patient else "", doctor_id=visit.doctor_id, doctor_name=doctors.get(visit.doctor_id, ""),
            appointment_id=visit.appointment_id, status=visit.status, complaint=visit.complaint,
            examination=visit.examination, advice=visit.advice, follow_up_on=visit.follow_up_on,
            started_at=visit.started_at, signed_at=visit.signed_at, signed_by=names.get(visit.signed_by_id or 0, ""),
            version=visit.version,
            vitals=tuple(vitals_record(v) for v in vitals.get(visit.id, ())),
            diagnoses=tuple(DiagnosisRecord(d.id, d.text, d.icd10_code,
                                            icd10.describe(d.icd10_code) if d.icd10_code else "")
                            for d in diagnoses.get(visit.id, ())),
            prescriptions=tuple(PrescriptionRecord(p.id, p.medicine, p.strength, p.form, p.dose, p.frequency, p.route,
                                                   p.duration, p.quantity, p.instructions, p.allergy_override,
                                                   p.allergy_override_reason)
                                for p in items.get(visit.id, ())),
            addenda=tuple(AddendumRecord(a.id, a.author_name, a.at, a.text) for a in addenda.get(visit.id, ())),
            allergies=allergies.get(visit.patient_id, ()),
        )

    return [record(v) for v in visits]
