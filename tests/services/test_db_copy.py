"""``hms db copy``: a demo SQLite clinic into a fresh PostgreSQL database, every table's rows and
checksum equal, and the application runs on the copy; a non-empty target is refused."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from hms_desktop.bootstrap import build_services
from hms_desktop.models import Base
from hms_desktop.services.backups.db_copy import copy_database
from hms_desktop.services.errors import ValidationError
from tests.conftest import ADMIN_PASSWORD
from tests.services.conftest import TODAY, make_patients


def _doctors(svc):
    found = svc.doctors.search("")
    return getattr(found, "rows", found)


@pytest.mark.postgres
def test_copy_a_demo_sqlite_clinic_to_a_fresh_postgresql_database(tmp_path, sqlite_template, pg_server):
    path = tmp_path / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    source_url = f"sqlite:///{path}"
    svc = build_services(source_url)
    svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    svc.demo.load_patients(60, seed=7)
    svc.demo_schedule.load(doctors=3, appointments=80, seed=7)
    svc.close()

    name = pg_server.create()  # a new, empty database: no template
    target_url = pg_server.url_for(name)
    try:
        report = copy_database(source_url, target_url)
        assert report.ok, [t for t in report.tables if not t.ok]
        copied = {t.table: t for t in report.tables}
        assert set(copied) == {t.name for t in Base.metadata.sorted_tables}
        assert copied["patients"].target_rows >= 60 and copied["appointments"].target_rows > 0
        assert copied["audit_log"].target_rows > 0

        # The application runs on the copy: signs in, reads, and writes new rows with new ids.
        pg = build_services(target_url)
        try:
            pg.auth.sign_in("admin", ADMIN_PASSWORD)
            assert pg.patients.count() == copied["patients"].source_rows
            new_ids = make_patients(pg, 1, prefix="Moved")
            assert new_ids[0] > copied["patients"].source_rows  # the id sequence was set past the copy
            doctor = next(d for d in _doctors(pg) if d.verified)
            day = next(d for d in (TODAY + timedelta(days=i) for i in range(1, 15)) if pg.scheduling.free_slots(doctor.id, d))
            slot = pg.scheduling.free_slots(doctor.id, day)[0]
            booked = pg.scheduling.book(new_ids[0], doctor.id, slot.starts_at, reason="after the move")
            assert booked.id > copied["appointments"].source_rows
            check = pg.audit.verify_chain()
            assert check.ok, check.problem  # the copied chains still verify on PostgreSQL
        finally:
            pg.close()

        with pytest.raises(ValidationError) as err:
            copy_database(source_url, target_url)
        assert "not empty" in str(err.value.fields)
    finally:
        pg_server.drop(name)
