"""Demo sign-ins for each role, made with the demo data, on both databases."""

from __future__ import annotations

from hms_desktop.bootstrap import build_services


def test_demo_accounts_one_per_role_with_the_doctor_linked(services):
    services.demo.load_patients(40)
    services.demo_schedule.load(doctors=3, appointments=20)
    accounts = services.demo_schedule.create_demo_accounts()
    assert [(a.username, a.role) for a in accounts] == [
        ("demo.doctor", "doctor"), ("demo.reception", "receptionist"), ("demo.nurse", "nurse")]
    doctor_account = accounts[0]
    linked = [d for d in services.doctors.search() if d.full_name == doctor_account.doctor_name]
    assert linked and linked[0].staff_account_id is not None
    assert len({a.temporary_password for a in accounts}) == 3
    # Each temporary password signs in once, at another desk, and must be changed there.
    for account in accounts:
        desk = build_services(services.db.url.render_as_string(hide_password=False))
        try:
            user = desk.auth.sign_in(account.username, account.temporary_password)
            assert user.role == account.role and user.must_change_password
        finally:
            desk.close()
    # Asked again: the names are taken, nothing new is made (and no password is shown twice).
    assert services.demo_schedule.create_demo_accounts() == []


def test_without_demo_doctors_there_is_no_doctor_account(services):
    accounts = services.demo_schedule.create_demo_accounts()
    assert [a.role for a in accounts] == ["receptionist", "nurse"]
