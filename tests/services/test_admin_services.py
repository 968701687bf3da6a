"""What the admin screens ask of the services, on both databases: roles to offer, the audit log's
filters and paging, and who may read it."""

from __future__ import annotations

from datetime import date

import pytest

from hms_desktop.models import Role
from hms_desktop.services.errors import AuthenticationFailed, PermissionDenied
from hms_desktop.services.patients import PatientInput
from hms_desktop.services.permissions import ROLES, permissions_for, role_label
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk


def test_roles_offered_are_the_roles_the_service_accepts(services):
    assert ROLES == tuple(r.value for r in Role)
    assert ROLES[0] == "admin"
    assert all(permissions_for(role) for role in ROLES)
    assert [role_label(r) for r in ROLES] == [r.label for r in Role]
    for n, role in enumerate(ROLES):
        assert services.staff.add(f"user{n}", f"User {n}", role, STAFF_PASSWORD).role == role


def test_audit_filters_used_by_the_audit_tab(services):
    add_staff(services, "bob", "receptionist")
    bob = next(m for m in services.staff.list() if m.username == "bob")
    services.staff.update(bob.id, bob.version, full_name="Bob Builder", role="nurse")
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("bob", "wrong-password")
    patient = services.patients.register(PatientInput(given_name="Ana", family_name="Lima", date_of_birth=date(1990, 1, 2)))
    services.auth.sign_out()
    services.auth.sign_in("admin", "Admin-pass-1")

    def actions(**filters):
        return [e.action for e in services.audit.recent(**filters)]

    # Sign-ins: every signin.* and signout, nothing else.
    assert actions(action_prefix="sign") == ["signin.ok", "signout", "signin.failed", "signin.ok"]
    assert actions(action_prefix="staff.") == ["staff.changed", "staff.created", "staff.created"]
    assert actions(entity_type="patient") == ["patient.created"]
    assert actions(entity_type="patient", entity_id=str(patient.id)) == ["patient.created"]
    # Record id alone matches that id in any kind of record; with the kind filter, only that kind.
    assert set(actions(entity_id=str(bob.id))) >= {"staff.created", "staff.changed", "signin.failed"}
    assert actions(entity_id=str(bob.id), action_prefix="staff.") == ["staff.changed", "staff.created"]
    changed = services.audit.recent(action_prefix="staff.changed")[0]
    assert changed.changes == {"full_name": ["Bob", "Bob Builder"], "role": ["receptionist", "nurse"]}


def test_audit_pages_cover_the_whole_log_once(services):
    with services.units.write() as uow:
        for n in range(450):
            uow.audit("signin.failed", entity_type="staff", entity_id=n)
    seen = []
    before = None
    while True:
        page = services.audit.recent(limit=200, before_id=before)
        seen.extend(e.id for e in page)
        if len(page) < 200:
            break
        before = page[-1].id
    assert len(seen) == 452 == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_only_roles_with_audit_view_read_the_log(services):
    add_staff(services, "desk", "receptionist")
    desk = second_desk(services, "desk", STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            desk.audit.recent()
        with pytest.raises(PermissionDenied):
            desk.staff.list()
    finally:
        desk.close()
