"""The unit of work every service call goes through, on a real SQLite file and a real PostgreSQL
database: the permission comes first, the account is re-checked, audit rows come from one builder,
change notices and outbox messages exist exactly when their change committed, and database errors
leave as typed errors in plain words."""

from __future__ import annotations

import ast
from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hms_desktop.models import AuditEntry, OutboxEntry, Specialty
from hms_desktop.services import unit_of_work
from hms_desktop.services.change_feed import open_change_feed
from hms_desktop.services.doctors import DoctorInput
from hms_desktop.services.errors import (
    ConflictError,
    PermissionDenied,
    SessionEnded,
    ValidationError,
)
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.scheduling import SessionInput
from hms_desktop.services.settings import ClinicSettings
from hms_desktop.services.unit_of_work import OutboxMessage, constraint_name
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services.conftest import at, fix_clock, make_doctor, make_patients

ROOT = Path(__file__).resolve().parents[2]
BAD_PATIENT = PatientInput(given_name="", date_of_birth=date(2999, 1, 1))


def _desk(services, role: str):
    add_staff(services, f"uow_{role}", role)
    return second_desk(services, f"uow_{role}", STAFF_PASSWORD)


@pytest.mark.parametrize(
    ("role", "call"),
    [
        # Each input is invalid as well as forbidden: the refusal must be about the permission.
        ("doctor", lambda s: s.patients.register(BAD_PATIENT)),
        ("nurse", lambda s: s.patients.archive(1, 1, reason="x" * 5000)),
        ("receptionist", lambda s: s.staff.update(1, 1, full_name="", role="nobody")),
        ("receptionist", lambda s: s.settings.update(ClinicSettings(clinic_name="", time_zone="Mars/Base"))),
        ("receptionist", lambda s: s.doctors.add(DoctorInput(full_name=""))),
        ("nurse", lambda s: s.doctors.add_specialty("")),
        ("receptionist", lambda s: s.availability.set_weekly_template(1, [SessionInput(9, time(12), time(9))])),
        ("receptionist", lambda s: s.availability.add_block(1, at(12), at(9), "")),
        ("nurse", lambda s: s.scheduling.book(1, 1, at(9), kind="nonsense", reason="\x00")),
    ],
)
def test_the_permission_is_checked_before_anything_is_validated(services, role, call):
    desk = _desk(services, role)
    try:
        with pytest.raises(PermissionDenied):
            call(desk)
    finally:
        desk.close()


def test_an_audit_format_changed_in_its_one_builder_reaches_every_writer_including_bookings(services, monkeypatch):
    fix_clock(services)
    doctor = make_doctor(services)
    (patient,) = make_patients(services, 1)
    original = unit_of_work.audit_values

    def stamped(*args, **kwargs):
        values = original(*args, **kwargs)
        values["summary"] = "[v2] " + values["summary"]
        return values

    monkeypatch.setattr(unit_of_work, "audit_values", stamped)
    services.patients.register(PatientInput(given_name="Audit", family_name="Format", date_of_birth=date(1990, 1, 1)))
    booked = services.scheduling.book(patient, doctor.id, at(9), reason="check-up")
    services.visits.check_in(booked.id)
    with services.db.read() as s:
        rows = {a: summary for a, summary in s.execute(
            select(AuditEntry.action, AuditEntry.summary).where(
                AuditEntry.action.in_(["patient.created", "appointment.booked", "appointment.checked_in"]))
            .order_by(AuditEntry.id)  # the newest row of each action wins
        )}
    assert set(rows) == {"patient.created", "appointment.booked", "appointment.checked_in"}
    assert all(summary.startswith("[v2] ") for summary in rows.values()), rows


def test_notices_exist_only_when_their_unit_commits(services):
    feed = open_change_feed(services.db)
    try:
        with pytest.raises(RuntimeError), services.units.write() as uow:
            uow.announce("patients", "changed", entity_id=7)
            raise RuntimeError("the action fails after announcing")
        assert feed.poll(0.3) == []
        with services.units.write() as uow:
            uow.announce("patients", "changed", entity_id=7)
            uow.announce("schedule", "booked", doctor_id=3, day=date(2030, 1, 7), appointment_id=11)
        found = feed.poll(2.0)
    finally:
        feed.close()
    assert [(c.topic, c.kind, c.entity_id, c.doctor_id, c.day, c.appointment_id) for c in found] == [
        ("patients", "changed", 7, None, None, None),
        ("schedule", "booked", None, 3, date(2030, 1, 7), 11),
    ]
    assert {c.origin for c in found} == {services.identity.desk_id}


def test_a_service_write_announces_its_topic(services):
    feed = open_change_feed(services.db)
    try:
        record = services.patients.register(PatientInput(given_name="Feed", date_of_birth=date(1990, 1, 1)))
        doctor = services.doctors.add(DoctorInput(full_name="Dr Feed", specialty_ids=(
            services.doctors.add_specialty("Feeds").id,)))
        services.doctors.verify(doctor.id)
        found = feed.poll(2.0)
        while len(found) < 4:
            more = feed.poll(1.0)
            if not more:
                break
            found += more
    finally:
        feed.close()
    assert [(c.topic, c.kind, c.entity_id) for c in found] == [
        ("patients", "created", record.id), ("doctors", "specialties", None),
        ("doctors", "created", doctor.id), ("doctors", "verified", doctor.id),
    ]


def test_an_outbox_message_exists_exactly_when_its_change_committed(services):
    message = OutboxMessage(event="appointment.booked", channel="email", recipient="asha@example.com",
                            subject="Your appointment", body="See you", dedupe_key="booked:1:email")
    with pytest.raises(ValidationError), services.units.write() as uow:
        uow.enqueue(message)
        raise ValidationError({"x": "the action was refused after queuing"})
    with services.units.write() as uow:
        uow.enqueue(message)
    with services.units.write() as uow:
        uow.enqueue(message)  # the same message asked for again: still one
        uow.enqueue(OutboxMessage(event="appointment.reminder", channel="sms", recipient="+919876543210"))
    with services.db.read() as s:
        rows = s.execute(select(OutboxEntry.event, OutboxEntry.status, OutboxEntry.created_by_id)
                         .order_by(OutboxEntry.id)).all()
    admin_id = services.identity.user.id
    assert [tuple(r) for r in rows] == [("appointment.booked", "pending", admin_id),
                                        ("appointment.reminder", "pending", admin_id)]


def test_a_read_unit_writes_the_audit_rows_it_asks_for_after_reading(services):
    with services.db.read() as s:
        before = s.scalar(select(func.count()).select_from(AuditEntry))
    with services.units.read() as uow:
        uow.audit("record.viewed", entity_type="patient", entity_id=5, summary="Looked at a record")
        with pytest.raises(RuntimeError):
            uow.announce("records", "viewed")
    with services.db.read() as s:
        rows = s.execute(select(AuditEntry.action, AuditEntry.actor_name, AuditEntry.workstation)
                         .order_by(AuditEntry.id.desc()).limit(1)).all()
        after = s.scalar(select(func.count()).select_from(AuditEntry))
    assert after == before + 1
    assert tuple(rows[0]) == ("record.viewed", "admin", services.identity.workstation)


def test_constraints_are_named_alike_on_both_databases_and_explained_by_their_service(services):
    from sqlalchemy.exc import IntegrityError

    services.doctors.add_specialty("Dermatology")
    with pytest.raises(IntegrityError) as caught, services.db.write() as s:
        s.add(Specialty(name="dermatology", name_key="dermatology", active=True))
        s.flush()
    assert constraint_name(caught.value) == "uq_specialties_name_key"
    # Without a service's own words, a unique clash is a ConflictError saying nothing was saved.
    with pytest.raises(ConflictError, match="Nothing was saved"), services.units.write() as uow:
        uow.session.add(Specialty(name="dermatology", name_key="dermatology", active=True))


def test_a_value_the_database_cannot_store_is_a_validation_error_not_a_crash(services):
    with pytest.raises(ValidationError) as caught, services.units.write() as uow:
        uow.session.add(Specialty(id=2**70, name="Huge", name_key="huge", active=True))
    assert "cannot be stored" in str(caught.value)
    if services.db.dialect == "postgresql":
        # PostgreSQL refuses NUL in text; the unit of work says so in words, whatever the field.
        with pytest.raises(ValidationError), services.units.write() as uow:
            uow.session.add(Specialty(name="Nul\x00", name_key="nul\x00", active=True))


def test_control_characters_in_the_clinic_name_are_refused_with_a_field_message(services):
    for bad in ("Riverside\x00 Clinic", "Riverside\x1b Clinic", "Riverside\nClinic"):
        with pytest.raises(ValidationError) as caught:
            services.settings.update(ClinicSettings(clinic_name=bad))
        assert set(caught.value.fields) == {"clinic_name"}
    assert services.settings.get().clinic_name == ClinicSettings().clinic_name


def test_a_deactivated_account_is_signed_out_on_its_next_call(services):
    desk = _desk(services, "receptionist")
    try:
        assert desk.patients.count() == 0
        member = next(m for m in services.staff.list() if m.username == "uow_receptionist")
        services.staff.set_active(member.id, member.version, False)
        with pytest.raises(SessionEnded, match="deactivated"):
            desk.patients.count()
        assert desk.identity.user is None
        with pytest.raises(PermissionDenied, match="sign in"):
            desk.patients.count()
    finally:
        desk.close()


def test_a_role_change_takes_effect_on_the_next_call(services):
    desk = _desk(services, "receptionist")
    try:
        member = next(m for m in services.staff.list() if m.username == "uow_receptionist")
        services.staff.update(member.id, member.version, full_name=member.full_name, role="nurse")
        with pytest.raises(SessionEnded, match="Nurse"):
            desk.patients.register(PatientInput(given_name="Too", family_name="Late", date_of_birth=date(1990, 1, 1)))
        assert desk.identity.user is None
        assert services.patients.count() == 0
    finally:
        desk.close()


def _calls_on_a_database(tree: ast.AST) -> list[int]:
    """Lines calling .write() or .read() on something named db/_db (a Database)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("write", "read"):
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if name in ("db", "_db"):
                found.append(node.lineno)
    return found


def test_no_service_opens_a_transaction_except_through_the_unit_of_work():
    allowed = {ROOT / "hms_desktop" / "services" / "unit_of_work.py"}
    offenders = []
    for path in sorted((ROOT / "hms_desktop").rglob("*.py")):
        if path in allowed:
            continue
        lines = _calls_on_a_database(ast.parse(path.read_text(encoding="utf-8")))
        offenders.extend(f"{path.relative_to(ROOT)}:{n}" for n in lines)
    assert offenders == []
    # The scan itself finds such a call.
    assert _calls_on_a_database(ast.parse("with self._db.write() as s:\n    pass\n")) == [1]
