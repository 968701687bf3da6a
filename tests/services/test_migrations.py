"""The schema exists only through Alembic revisions, on both databases."""

from __future__ import annotations

import sqlite3
from datetime import date

from alembic import command
from sqlalchemy import inspect, text

from hms_desktop.bootstrap import build_services
from hms_desktop.models import Base
from hms_desktop.services import migrations
from hms_desktop.services.database import Database
from hms_desktop.services.patients import PatientInput


def test_models_and_migrations_agree(db_url):
    """``alembic check``: autogenerate finds nothing to add on a database built by the revisions."""
    db = Database(db_url)
    try:
        migrations.check_models_match(db)
        assert migrations.current_revision(db) == migrations.head_revision(db)
        assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()


def test_quick_head_check_agrees_with_alembic(db_url):
    db = Database(db_url)
    try:
        assert migrations.shipped_head() == migrations.head_revision(db) is not None
        assert not migrations.needs_upgrade(db)
    finally:
        db.dispose()


def test_upgrade_from_empty_keeps_nothing_behind(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert migrations.current_revision(db) is None
        assert migrations.upgrade(db) is None  # nothing to back up yet
        assert not migrations.needs_upgrade(db)
        assert migrations.upgrade(db) is None  # idempotent
    finally:
        db.dispose()


def test_sqlite_file_with_data_is_backed_up_before_an_upgrade(tmp_path, monkeypatch):
    path = tmp_path / "clinic.sqlite3"
    services = build_services(f"sqlite:///{path}")
    migrations.upgrade(services.db)
    services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
    services.auth.sign_in("admin", "Admin-pass-1")
    services.patients.register(PatientInput(given_name="Kept", family_name="Safe", date_of_birth=date(1970, 1, 1)))
    # Pretend the file is one revision behind, as after installing a newer version of the app.
    with services.db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    monkeypatch.setattr(migrations, "needs_upgrade", lambda db: True)
    import alembic.command

    monkeypatch.setattr(alembic.command, "upgrade", lambda cfg, rev: None)
    backup = migrations.upgrade(services.db)
    services.close()
    assert backup is not None and backup.exists() and backup.parent.name == "backups"
    with sqlite3.connect(backup) as conn:
        assert conn.execute("SELECT given_name, family_name FROM patients").fetchall() == [("Kept", "Safe")]


def test_upgrade_of_a_database_holding_data_keeps_it(db_url):
    """Downgrade to base is not offered; instead prove re-running the upgrade on a populated
    database changes nothing and loses nothing."""
    services = build_services(db_url)
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        services.demo.load_patients(25)
        migrations.upgrade(services.db)
        assert services.patients.count() == 25
    finally:
        services.close()


def test_0005_converts_stored_phones_to_e164_keeping_what_cannot_be_read(db_url):
    """Phones typed before 0005 were stored as typed: the upgrade stores them in E.164 (the clinic's
    country as default region) with the search digits to match, and leaves an unreadable one."""
    services = build_services(db_url)
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        typed = {"072327 94977": "+917232794977", "+44 20 7946 0958": "+442079460958",
                 "98450-12345": "+919845012345", "ext. 12": "ext. 12", "": ""}
        ids = {}
        for raw in typed:
            rec = services.patients.register(PatientInput(given_name="Old", date_of_birth=date(1980, 1, 1)))
            ids[raw] = rec.id
        # Back to the schema before 0005 (later revisions step down with it), then phones as typed then.
        command.downgrade(migrations.alembic_config(services.db), "0003")
        with services.db.write() as session:
            for raw, pid in ids.items():
                session.execute(
                    text("UPDATE patients SET phone = :p, emergency_contact_phone = :p, phone_digits = :d,"
                         " phone_digits_rev = :r WHERE id = :i"),
                    {"p": raw, "d": "".join(c for c in raw if c.isdigit()),
                     "r": "".join(c for c in raw if c.isdigit())[::-1], "i": pid},
                )
        assert migrations.needs_upgrade(services.db)
        migrations.upgrade(services.db, backup=False)
        with services.db.read() as session:
            for raw, pid in ids.items():
                row = session.execute(
                    text("SELECT phone, emergency_contact_phone, phone_digits, phone_digits_rev FROM patients"
                         " WHERE id = :i"), {"i": pid}).one()
                digits = "".join(c for c in typed[raw] if c.isdigit())
                assert tuple(row) == (typed[raw], typed[raw], digits, digits[::-1])
        assert services.patients.count() == len(typed)
        assert [r.id for r in services.patients.search("72327").rows] == [ids["072327 94977"]]
        assert services.patients.get(ids["072327 94977"]).phone == "072327 94977"
    finally:
        services.close()


def test_0008_adds_clinical_records_to_a_database_holding_data(db_url):
    """Step back to before 0008 on a clinic with patients, appointments and audit rows, and upgrade:
    everything already there is kept, and a visit can then be written and read."""
    from hms_desktop.services.clinical import NotesInput
    from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
    from tests.services.conftest import at, fix_clock, make_doctor

    services = build_services(db_url)
    desk = None
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        fix_clock(services)
        services.demo.load_patients(10)
        add_staff(services, "priya", "doctor")
        account = next(m.id for m in services.staff.list() if m.username == "priya")
        doctor = make_doctor(services, staff_account_id=account)
        patient_id = services.patients.search("").rows[0].id
        appointment = services.scheduling.book(patient_id, doctor.id, at(10), reason="cough")
        command.downgrade(migrations.alembic_config(services.db), "0007")
        assert "clinical_visits" not in inspect(services.db.engine).get_table_names()
        assert migrations.needs_upgrade(services.db)
        migrations.upgrade(services.db, backup=False)
        assert services.patients.count() == 10
        assert services.scheduling.get(appointment.id).reason == "cough"
        assert services.audit.verify_chain().ok
        desk = second_desk(services, "priya", STAFF_PASSWORD)
        visit = desk.clinical.open_for_appointment(appointment.id)
        desk.clinical.save_notes(visit.id, visit.version, NotesInput("Cough"))
        assert desk.clinical.get_visit(visit.id).complaint == "Cough"
    finally:
        if desk is not None:
            desk.close()
        services.close()


def test_0011_keeps_e_mail_consent_for_patients_already_there_and_adds_the_bell(db_url):
    """Step back to before 0011 on a clinic with patients and a booking, and upgrade: each patient
    keeps the e-mail consent an address on file used to mean; the bell starts from the upgrade (the
    old booking does not ring) and a booking after it rings its doctor."""
    from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
    from tests.services.conftest import at, fix_clock, make_doctor

    services = build_services(db_url)
    desk = None
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        fix_clock(services)
        services.demo.load_patients(5)
        add_staff(services, "priya", "doctor")
        account = next(m.id for m in services.staff.list() if m.username == "priya")
        doctor = make_doctor(services, staff_account_id=account)
        patient_id = services.patients.search("").rows[0].id
        services.scheduling.book(patient_id, doctor.id, at(10))
        command.downgrade(migrations.alembic_config(services.db), "0010")
        assert "staff_notifications" not in inspect(services.db.engine).get_table_names()
        migrations.upgrade(services.db, backup=False)
        assert {services.patients.get(p.id).message_channels for p in services.patients.search("").rows} == {"email"}
        desk = second_desk(services, "priya", STAFF_PASSWORD)
        assert desk.bell.refresh().items == ()
        services.scheduling.book(patient_id, doctor.id, at(16))
        assert [i.title for i in desk.bell.refresh().items] == [f"New booking: {services.patients.get(patient_id).full_name}"]
    finally:
        if desk is not None:
            desk.close()
        services.close()


def test_0017_keeps_the_waiting_list_and_a_booking_after_it_closes_an_entry(db_url):
    """Step back to before 0017 with a patient on the waiting list, and upgrade: the entry is still
    waiting, and booking the patient then closes it with the appointment."""
    from hms_desktop.services.scheduling.waiting_list import WaitingInput
    from tests.services.conftest import TODAY, at, fix_clock, make_doctor

    services = build_services(db_url)
    try:
        services.staff.create_first_admin("admin", "Admin", "Admin-pass-1")
        services.auth.sign_in("admin", "Admin-pass-1")
        fix_clock(services)
        services.demo.load_patients(2)
        doctor = make_doctor(services)
        patient_id = services.patients.search("").rows[0].id
        entry = services.waiting_list.add(WaitingInput(patient_id, TODAY, doctor_id=doctor.id))
        command.downgrade(migrations.alembic_config(services.db), "0017_repfast")
        assert "booked_appointment_id" not in {c["name"] for c in inspect(services.db.engine).get_columns("waiting_list")}
        migrations.upgrade(services.db, backup=False)
        (still,) = services.waiting_list.entries()
        assert (still.id, still.closed_at, still.booked_appointment_id) == (entry.id, None, None)
        appointment = services.scheduling.book(patient_id, doctor.id, at(10))
        assert services.waiting_list.entries() == []
        (closed,) = services.waiting_list.entries(include_closed=True)
        assert closed.booked_appointment_id == appointment.id
    finally:
        services.close()
