"""Signing in, lock-out, password changes and staff administration, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hms_desktop.models import StaffAccount
from hms_desktop.services.errors import (
    AccountLocked,
    AuthenticationFailed,
    ConflictError,
    PermissionDenied,
    ValidationError,
)
from tests.conftest import ADMIN_PASSWORD, STAFF_PASSWORD, add_staff, second_desk


def test_sign_in_is_case_insensitive_on_name_and_audited(services):
    services.auth.sign_out()
    user = services.auth.sign_in("  ADMIN ", ADMIN_PASSWORD)
    assert (user.username, user.role) == ("admin", "admin")
    actions = [e.action for e in services.audit.recent(action_prefix="sign")]
    assert actions[:2] == ["signin.ok", "signout"]


def test_wrong_password_and_unknown_user_give_the_same_message_and_are_audited(services):
    with pytest.raises(AuthenticationFailed) as wrong:
        services.auth.sign_in("admin", "not-it-at-all")
    with pytest.raises(AuthenticationFailed) as unknown:
        services.auth.sign_in("nobody", "not-it-at-all")
    assert str(unknown.value) == "The user name or password is not right."
    assert str(wrong.value).startswith("The user name or password is not right.")
    failed = [e for e in services.audit.recent(action_prefix="signin.failed")]
    assert {e.actor_name for e in failed} == {"admin", "nobody"}
    # The signed-in admin is still the admin: failed attempts by others do not sign anyone out.
    assert services.auth.current.username == "admin"


def test_five_failures_lock_for_fifteen_minutes_even_with_the_right_password(services):
    for _ in range(4):
        with pytest.raises(AuthenticationFailed) as err:
            services.auth.sign_in("admin", "wrong-password")
        assert not isinstance(err.value, AccountLocked)
    with pytest.raises(AccountLocked) as locked:
        services.auth.sign_in("admin", "wrong-password")
    assert "locked after 5 failed sign-ins" in str(locked.value)
    assert "15 minutes" in str(locked.value)
    with pytest.raises(AccountLocked):
        services.auth.sign_in("admin", ADMIN_PASSWORD)
    # Fifteen minutes later it opens again.
    with services.db.write() as s:
        account = s.scalar(select(StaffAccount).where(StaffAccount.username == "admin"))
        account.locked_until -= timedelta(minutes=16)
    assert services.auth.sign_in("admin", ADMIN_PASSWORD).username == "admin"


def test_admin_reset_clears_lock_and_forces_a_new_password(services):
    add_staff(services, "reception1", "receptionist")
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("reception1", "wrong-password")
    services.auth.sign_in("admin", ADMIN_PASSWORD)
    member = next(m for m in services.staff.list() if m.username == "reception1")
    assert member.locked_until is not None
    services.staff.reset_password(member.id, "Temp-pass-99")
    user = services.auth.sign_in("reception1", "Temp-pass-99")
    assert user.must_change_password
    with pytest.raises(ValidationError) as err:
        services.auth.change_own_password("wrong-current", "Brand-new-pass")
    assert "current_password" in err.value.fields
    services.auth.change_own_password("Temp-pass-99", "Brand-new-pass")
    assert not services.auth.current.must_change_password
    services.auth.sign_out()
    assert services.auth.sign_in("reception1", "Brand-new-pass").username == "reception1"


@pytest.mark.parametrize(
    "password,message",
    [("short", "at least 8"), ("é" * 40, "72 bytes"), (" padded-pass ", "space")],
)
def test_password_rules(services, password, message):
    with pytest.raises(ValidationError) as err:
        services.staff.add("newbie", "New Person", "nurse", password)
    assert message in err.value.fields["password"]


def test_password_over_72_bytes_at_sign_in_is_just_wrong(services):
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("admin", "x" * 200)


def test_staff_add_change_role_deactivate_never_delete(services):
    add_staff(services, "nurse1", "nurse")
    nurse = next(m for m in services.staff.list() if m.username == "nurse1")
    with pytest.raises(ValidationError) as taken:
        services.staff.add("NURSE1", "Someone Else", "nurse", STAFF_PASSWORD)
    assert "already taken" in taken.value.fields["username"]
    changed = services.staff.update(nurse.id, nurse.version, full_name="Nora Nurse", role="receptionist")
    assert changed.role == "receptionist"
    gone = services.staff.set_active(changed.id, changed.version, False)
    assert not gone.active
    assert nurse.id in [m.id for m in services.staff.list()]
    assert nurse.id not in [m.id for m in services.staff.list(include_inactive=False)]
    services.auth.sign_out()
    with pytest.raises(AuthenticationFailed) as err:
        services.auth.sign_in("nurse1", STAFF_PASSWORD)
    assert "deactivated" in str(err.value)
    services.auth.sign_in("admin", ADMIN_PASSWORD)
    entry = services.audit.recent(entity_type="staff", entity_id=str(nurse.id), action_prefix="staff.changed")[0]
    assert entry.changes == {"full_name": ["Nurse1", "Nora Nurse"], "role": ["nurse", "receptionist"]}


def test_cannot_remove_the_last_admin_or_yourself(services):
    me = next(m for m in services.staff.list() if m.username == "admin")
    with pytest.raises(ValidationError):
        services.staff.update(me.id, me.version, full_name=me.full_name, role="nurse")
    with pytest.raises(ValidationError):
        services.staff.set_active(me.id, me.version, False)


def test_staff_edit_conflict_between_two_admins(services):
    add_staff(services, "doc1", "doctor")
    other = second_desk(services)
    try:
        member = next(m for m in services.staff.list() if m.username == "doc1")
        services.staff.update(member.id, member.version, full_name="Dr One", role="doctor")
        with pytest.raises(ConflictError) as err:
            other.staff.update(member.id, member.version, full_name="Dr Uno", role="doctor")
        assert err.value.current.full_name == "Dr One"
    finally:
        other.close()


def test_first_admin_only_on_an_empty_clinic(services):
    with pytest.raises(ConflictError):
        services.staff.create_first_admin("sneaky", "Sneaky Person", "Sneaky-pass-1")


def test_receptionist_cannot_manage_staff(services):
    add_staff(services, "desk", "receptionist")
    desk = second_desk(services, "desk", STAFF_PASSWORD)
    try:
        with pytest.raises(PermissionDenied) as err:
            desk.staff.add("x1", "X", "admin", STAFF_PASSWORD)
        assert "Receptionist" in str(err.value)
    finally:
        desk.close()


def test_the_same_account_signing_in_at_many_desks_at_once(services):
    """Sign-in bookkeeping must not trip the version check that guards an admin's edits."""
    import threading

    from tests.conftest import second_desk as desk_for

    desks = [desk_for(services) for _ in range(6)]
    barrier = threading.Barrier(len(desks))
    errors: list[BaseException] = []

    def sign_in(desk):
        barrier.wait()
        try:
            for _ in range(3):
                desk.auth.sign_in("admin", ADMIN_PASSWORD)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=sign_in, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for d in desks:
        d.close()
    assert errors == []
    assert len(services.audit.recent(action_prefix="signin.ok", limit=100)) >= 18
