"""The scheduler after its split: one visit rule that the service and the screens share, the
permission asked before any validation of availability input, and clash messages that say which
01:00 in the repeated hour of an autumn clock change. Every DB test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hms_desktop.models import Role
from hms_desktop.services.errors import HmsError, PermissionDenied
from hms_desktop.services.identity import CurrentUser
from hms_desktop.services.permissions import ROLE_PERMISSIONS
from hms_desktop.services.scheduling import (
    TRANSITIONS,
    SessionInput,
    SlotTaken,
    VisitAction,
    allowed_actions,
)
from hms_desktop.services.scheduling.slot_math import fmt_range
from hms_desktop.services.settings import ClinicSettings
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.services.conftest import TODAY, WEEKDAYS, at, fix_clock, make_doctor, make_patients

NEW_YORK = ZoneInfo("America/New_York")
A = VisitAction


def user(role: Role, user_id: int = 99) -> CurrentUser:
    return CurrentUser(user_id, role.value, role.value, role.value, permissions=ROLE_PERMISSIONS[role])


class _Appt:
    def __init__(self, status: str, local_day: date = TODAY) -> None:
        self.status = status
        self.local_day = local_day


class _Doctor:
    def __init__(self, staff_account_id: int | None) -> None:
        self.full_name = "Dr Own"
        self.staff_account_id = staff_account_id


# --- the rule itself (no database) -------------------------------------------------------------


def test_allowed_actions_by_role_for_a_confirmed_appointment_today():
    appt, theirs = _Appt("confirmed"), _Doctor(staff_account_id=7)
    assert allowed_actions(user(Role.RECEPTIONIST), appt, theirs, today=TODAY) == {
        A.CONFIRM, A.CHECK_IN, A.CANCEL, A.NO_SHOW, A.MOVE} - {A.CONFIRM}  # confirmed already
    assert allowed_actions(user(Role.NURSE), appt, theirs, today=TODAY) == {A.CHECK_IN}
    # A doctor rejects their own patients' appointments, not a colleague's.
    assert allowed_actions(user(Role.DOCTOR, 7), appt, theirs, today=TODAY) == {A.REJECT}
    assert allowed_actions(user(Role.DOCTOR, 8), appt, theirs, today=TODAY) == frozenset()
    assert allowed_actions(user(Role.ADMIN), appt, theirs, today=TODAY) == {
        A.CHECK_IN, A.CANCEL, A.NO_SHOW, A.MOVE, A.REJECT}


def test_check_in_only_on_the_day_and_moves_only_before_arrival():
    admin, doctor = user(Role.ADMIN), _Doctor(None)
    tomorrow = _Appt("confirmed", TODAY + timedelta(days=1))
    assert A.CHECK_IN not in allowed_actions(admin, tomorrow, doctor, today=TODAY)
    assert A.CHECK_IN in allowed_actions(admin, tomorrow, doctor)  # no "today" given: the day is not judged
    assert allowed_actions(admin, _Appt("checked_in"), doctor, today=TODAY) == {A.START, A.CANCEL}
    assert allowed_actions(admin, _Appt("with_doctor"), doctor, today=TODAY) == {A.COMPLETE}
    for finished in ("completed", "cancelled", "rejected", "no_show"):
        assert allowed_actions(admin, _Appt(finished), doctor, today=TODAY) == frozenset()
    assert allowed_actions(admin, _Appt("requested"), doctor, today=TODAY) == {A.CONFIRM, A.CANCEL, A.REJECT, A.MOVE}


def test_the_rule_follows_the_transition_table():
    admin, doctor = user(Role.ADMIN), _Doctor(None)
    to_action = {"confirmed": A.CONFIRM, "checked_in": A.CHECK_IN, "with_doctor": A.START, "completed": A.COMPLETE,
                 "cancelled": A.CANCEL, "rejected": A.REJECT, "no_show": A.NO_SHOW}
    for current, nexts in TRANSITIONS.items():
        allowed = allowed_actions(admin, _Appt(current.value), doctor, today=TODAY) - {A.MOVE}
        assert allowed == {to_action[s.value] for s in nexts}, current


# --- the service refuses exactly what the rule refuses (both databases) -------------------------


CALL = {
    A.CONFIRM: lambda s, a: s.visits.confirm(a),
    A.CHECK_IN: lambda s, a: s.visits.check_in(a),
    A.START: lambda s, a: s.visits.start_visit(a),
    A.COMPLETE: lambda s, a: s.visits.complete(a),
    A.CANCEL: lambda s, a: s.visits.cancel(a, "Rule check"),
    A.REJECT: lambda s, a: s.visits.reject(a, "Rule check"),
    A.NO_SHOW: lambda s, a: s.visits.mark_no_show(a),
    A.MOVE: lambda s, a: s.scheduling.reschedule(a, at(11, 30)),
}


@pytest.mark.parametrize("role, own", [(Role.RECEPTIONIST, False), (Role.NURSE, False), (Role.DOCTOR, False),
                                       (Role.DOCTOR, True)])
def test_the_service_allows_exactly_what_allowed_actions_says(services, role, own):
    fix_clock(services)
    add_staff(services, "probe", role.value)
    account = next(s for s in services.staff.list() if s.username == "probe")
    doctor = make_doctor(services, staff_account_id=account.id if own else None)
    patients = make_patients(services, len(CALL))
    desk = second_desk(services, "probe", STAFF_PASSWORD)
    fix_clock(desk)
    first = at(9)
    try:
        for i, (action, patient) in enumerate(zip(CALL, patients, strict=True)):
            appt = services.scheduling.book(patient, doctor.id, first + timedelta(minutes=15 * i))
            expected = action in allowed_actions(desk.auth.current, appt, doctor, today=TODAY)
            try:
                CALL[action](desk, appt.id)
                done = True
            except HmsError:
                done = False
            assert done == expected, (role, own, action)
    finally:
        desk.close()


# --- permission before validation (both databases) ---------------------------------------------


def test_availability_input_by_a_role_without_permission_is_refused_before_it_is_judged(services):
    fix_clock(services)
    doctor = make_doctor(services)
    add_staff(services, "frontdesk", "receptionist")
    desk = second_desk(services, "frontdesk", STAFF_PASSWORD)
    fix_clock(desk)
    bad_sessions = [SessionInput(9, time(12), time(9), 1)]  # no such weekday, ends before it starts
    try:
        with pytest.raises(PermissionDenied):
            desk.availability.set_weekly_template(doctor.id, bad_sessions)
        with pytest.raises(PermissionDenied):
            desk.availability.add_leave(doctor.id, date(2030, 2, 1), date(2029, 1, 1), reason="\x00" * 400)
        with pytest.raises(PermissionDenied):
            desk.availability.add_block(doctor.id, datetime(2030, 2, 1, 14), datetime(2030, 2, 1, 13), "")
        with pytest.raises(PermissionDenied):
            desk.availability.add_clinic_holiday(date(2030, 2, 1), date(2029, 1, 1), reason="")
        with pytest.raises(PermissionDenied):
            desk.availability.set_weekly_template(999_999, bad_sessions)  # nor whether the doctor exists
    finally:
        desk.close()
    assert [s.start for s in services.availability.weekly_template(doctor.id)][:1] == [time(9)]


# --- the repeated hour of an autumn clock change -----------------------------------------------


def test_clash_in_the_repeated_hour_says_which_one_o_clock(services):
    settings = services.settings.get()
    services.settings.update(ClinicSettings(settings.clinic_name, settings.idle_lock_minutes, "America/New_York"))
    fix_clock(services, datetime(2026, 10, 30, 8, 0, tzinfo=NEW_YORK))
    doctor = make_doctor(services, sessions=[SessionInput(d, time(0), time(4), 30) for d in WEEKDAYS])
    asha, ravi = make_patients(services, 2)
    first_one = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT (UTC-04:00)
    second_one = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)  # 01:00 EST (UTC-05:00), an hour later
    services.scheduling.book(asha, doctor.id, first_one)
    services.scheduling.book(asha, doctor.id, second_one)
    with pytest.raises(SlotTaken) as early:
        services.scheduling.book(ravi, doctor.id, first_one)
    assert "01:00-01:30 (UTC-04:00)" in str(early.value)
    with pytest.raises(SlotTaken) as late:
        services.scheduling.book(ravi, doctor.id, second_one)
    assert "01:00-01:30 (UTC-05:00)" in str(late.value)
    # An ordinary hour says no offset.
    services.scheduling.book(asha, doctor.id, datetime(2026, 11, 1, 8, 0, tzinfo=UTC))  # 03:00 EST
    with pytest.raises(SlotTaken) as plain:
        services.scheduling.book(ravi, doctor.id, datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
    assert "03:00-03:30" in str(plain.value)
    assert "UTC" not in str(plain.value)


def test_fmt_range_names_the_offset_only_when_a_wall_time_repeats():
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert fmt_range(start, start + timedelta(minutes=30), NEW_YORK) == "Sun 01 Nov 2026 01:30-01:00 (UTC-04:00 to UTC-05:00)"
    assert fmt_range(start + timedelta(hours=3), start + timedelta(hours=3, minutes=30), NEW_YORK) == (
        "Sun 01 Nov 2026 03:30-04:00")


# --- one clinic clock ----------------------------------------------------------------------------


def test_pinning_the_scheduling_clock_pins_visits_and_availability(services):
    moment = datetime(2031, 5, 5, 10, 0, tzinfo=UTC)
    fix_clock(services, moment)
    assert services.visits.clinic_clock.now() == moment
    assert services.availability.clinic_clock.today() == date(2031, 5, 5)
