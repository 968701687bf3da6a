"""Booking, free slots, time zones, the visit workflow, availability changes and day lists,
on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hms_desktop.models import Appointment
from hms_desktop.services.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from hms_desktop.services.scheduling import (
    TRANSITIONS,
    SessionInput,
    SlotTaken,
    local_day_bounds,
    session_slots,
)
from hms_desktop.services.settings import ClinicSettings
from tests.conftest import add_staff, second_desk
from tests.services.conftest import NOW, TODAY, WEEKDAYS, at, fix_clock, make_doctor, make_patients

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


# --- booking ---------------------------------------------------------------------------------


def test_book_happy_path_records_history_audit_and_frees_the_slot(clinic):
    svc, doctor, (p1, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    free_before = svc.scheduling.free_slots(doctor.id, TODAY)
    assert free_before[0].local_start == at(9)
    assert len(free_before) == 14 + 9  # 09:00-12:30 in 15 min, 16:00-19:00 in 20 min

    appt = svc.scheduling.book(p1, doctor.id, at(9), reason="Fever")
    assert appt.status == "confirmed" and appt.kind == "scheduled"
    assert appt.local_start == at(9) and appt.local_end == at(9, 15)  # one slot when no end is given
    assert appt.starts_at.tzinfo is UTC and appt.starts_at == datetime(2030, 1, 7, 3, 30, tzinfo=UTC)
    assert appt.doctor_name == doctor.full_name and appt.patient_mrn
    assert appt.local_day == TODAY and appt.token is None

    free_after = svc.scheduling.free_slots(doctor.id, TODAY)
    assert [s.local_start for s in free_after] == [s.local_start for s in free_before[1:]]
    [event] = svc.scheduling.history(appt.id)
    assert (event.action, event.to_status, event.new_starts_at) == ("booked", "confirmed", appt.starts_at)
    assert svc.audit.recent(action_prefix="appointment.")[0].action == "appointment.booked"

    day = svc.scheduling.doctor_day(doctor.id, TODAY)
    assert [(r.id, r.reason, r.status) for r in day] == [(appt.id, "Fever", "confirmed")]


def test_booking_an_occupied_slot_is_refused_with_suggestions(clinic):
    svc, doctor, (p1, p2, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    svc.scheduling.book(p1, doctor.id, at(9))
    with pytest.raises(SlotTaken) as err:
        svc.scheduling.book(p2, doctor.id, at(9, 5), at(9, 20))
    assert "That slot was just taken" in str(err.value)
    assert isinstance(err.value, ConflictError) and err.value.clash == "doctor"
    assert [s.local_start for s in err.value.suggestions][:2] == [at(9, 15), at(9, 30)]
    # Back to back is fine: ranges are half-open.
    assert svc.scheduling.book(p2, doctor.id, at(9, 15)).local_start == at(9, 15)


def test_patient_cannot_be_double_booked_with_two_doctors(clinic):
    svc, (p1, *_rest) = clinic.svc, clinic.patients
    other = make_doctor(svc, "Dr Arjun Rao")
    svc.scheduling.book(p1, clinic.doctor.id, at(10), at(10, 30))
    with pytest.raises(SlotTaken) as err:
        svc.scheduling.book(p1, other.id, at(10, 15))
    assert err.value.clash == "patient"
    assert "already has an appointment" in str(err.value)
    # The suggestions avoid the patient's own busy time too.
    assert all(not (s.starts_at < at(10, 30) and at(10) < s.ends_at) for s in err.value.suggestions)
    assert svc.scheduling.book(p1, other.id, at(10, 30)).local_start == at(10, 30)


def test_booking_is_refused_outside_hours_in_the_past_and_for_odd_input(clinic):
    svc, doctor, (p1, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    with pytest.raises(ValidationError, match="does not see patients"):
        svc.scheduling.book(p1, doctor.id, at(13))
    with pytest.raises(ValidationError, match="does not see patients"):
        svc.scheduling.book(p1, doctor.id, at(12, 15), at(12, 45))  # runs past the session's end
    with pytest.raises(ValidationError, match="already passed"):
        svc.scheduling.book(p1, doctor.id, at(9, day=TODAY - timedelta(days=1)))
    with pytest.raises(ValidationError, match="time zone"):
        svc.scheduling.book(p1, doctor.id, datetime(2030, 1, 7, 9, 0))
    with pytest.raises(ValidationError, match="end after"):
        svc.scheduling.book(p1, doctor.id, at(10), at(9))
    with pytest.raises(ValidationError, match="4 hours"):
        svc.scheduling.book(p1, doctor.id, at(9), at(14))
    with pytest.raises(NotFound):
        svc.scheduling.book(999_999, doctor.id, at(9))
    with pytest.raises(ValidationError, match="walk-ins"):
        svc.scheduling.book(p1, doctor.id, at(9), kind="walk_in")


def test_unverified_or_inactive_doctor_cannot_be_booked(clinic):
    svc, (p1, *_rest) = clinic.svc, clinic.patients
    new = make_doctor(svc, "Dr New Person", verified=False)
    assert not new.bookable
    with pytest.raises(ValidationError, match="not been verified"):
        svc.scheduling.book(p1, new.id, at(9))
    assert svc.scheduling.next_available(new.id) == []
    verified = svc.doctors.verify(new.id)
    assert svc.scheduling.book(p1, new.id, at(9)).doctor_id == new.id
    svc.doctors.set_active(new.id, verified.version, False)
    with pytest.raises(ValidationError, match="no longer active"):
        svc.scheduling.book(p1, new.id, at(10))
    assert svc.scheduling.next_available(new.id) == []
    with pytest.raises(ValidationError, match="no longer active"):
        svc.scheduling.add_walk_in(p1, new.id)


def test_leave_block_and_clinic_holiday_remove_slots_and_refuse_bookings(clinic):
    svc, doctor, (p1, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    tomorrow = TODAY + timedelta(days=1)
    svc.availability.add_leave(doctor.id, tomorrow, reason="Conference")
    assert svc.scheduling.free_slots(doctor.id, tomorrow) == []
    with pytest.raises(ValidationError, match="on leave"):
        svc.scheduling.book(p1, doctor.id, at(9, day=tomorrow))
    svc.availability.add_block(doctor.id, at(10), at(11), "Ward round")
    starts = [s.local_start for s in svc.scheduling.free_slots(doctor.id, TODAY)]
    assert at(9, 45) in starts and at(10) not in starts and at(10, 45) not in starts and at(11) in starts
    with pytest.raises(ValidationError, match="blocked"):
        svc.scheduling.book(p1, doctor.id, at(10, 30))
    holiday = TODAY + timedelta(days=2)
    change = svc.availability.add_clinic_holiday(holiday, reason="Pongal")
    assert svc.scheduling.free_slots(doctor.id, holiday) == []
    with pytest.raises(ValidationError, match="clinic is closed"):
        svc.scheduling.book(p1, doctor.id, at(9, day=holiday))
    kinds = {x.kind for x in svc.availability.exceptions(doctor.id, TODAY, holiday)}
    assert kinds == {"leave", "blocked", "holiday"}
    svc.availability.remove_exception(change.exception.id)
    assert svc.scheduling.free_slots(doctor.id, holiday)
    with pytest.raises(ValidationError, match="reason"):
        svc.availability.add_block(doctor.id, at(10), at(11), "  ")


# --- time zones and daylight saving -----------------------------------------------------------


def _local(slots, zone):
    return [(s.astimezone(zone).strftime("%H:%M%Z"), e.astimezone(zone).strftime("%H:%M%Z")) for s, e in slots]


def test_spring_forward_new_york_has_no_slots_in_the_missing_hour():
    day = date(2026, 3, 8)  # clocks go 02:00 EST -> 03:00 EDT
    slots = session_slots(day, time(0), time(4), 60, NEW_YORK)
    assert _local(slots, NEW_YORK) == [("00:00EST", "01:00EST"), ("01:00EST", "03:00EDT"), ("03:00EDT", "04:00EDT")]
    assert all(e - s == timedelta(hours=1) for s, e in slots)
    start, end = local_day_bounds(day, NEW_YORK)
    assert end - start == timedelta(hours=23)
    # A normal morning session keeps its wall-clock times, one hour earlier in UTC than the day before.
    after = session_slots(day, time(9), time(10), 30, NEW_YORK)
    before = session_slots(day - timedelta(days=1), time(9), time(10), 30, NEW_YORK)
    assert [s.hour for s, _ in after] == [13, 13] and [s.hour for s, _ in before] == [14, 14]


def test_fall_back_new_york_has_both_copies_of_the_repeated_hour():
    day = date(2026, 11, 1)  # clocks go 02:00 EDT -> 01:00 EST
    slots = session_slots(day, time(0), time(3), 60, NEW_YORK)
    assert _local(slots, NEW_YORK) == [
        ("00:00EDT", "01:00EDT"), ("01:00EDT", "01:00EST"), ("01:00EST", "02:00EST"), ("02:00EST", "03:00EST"),
    ]
    assert len({s for s, _ in slots}) == 4  # four distinct instants, none overlapping
    start, end = local_day_bounds(day, NEW_YORK)
    assert end - start == timedelta(hours=25)


def test_london_changes_at_one_in_the_morning():
    spring = session_slots(date(2026, 3, 29), time(0), time(3), 30, LONDON)
    assert [s.astimezone(LONDON).strftime("%H:%M") for s, _ in spring] == ["00:00", "00:30", "02:00", "02:30"]
    autumn = session_slots(date(2026, 10, 25), time(0, 30), time(2), 30, LONDON)
    assert _local(autumn, LONDON) == [
        ("00:30BST", "01:00BST"), ("01:00BST", "01:30BST"), ("01:30BST", "01:00GMT"),
        ("01:00GMT", "01:30GMT"), ("01:30GMT", "02:00GMT"),
    ]
    summer = session_slots(date(2026, 7, 1), time(9), time(9, 30), 30, LONDON)
    assert summer[0][0] == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def test_free_slots_and_booking_follow_the_clinic_time_zone_across_dst(services):
    settings = services.settings.get()
    services.settings.update(ClinicSettings(settings.clinic_name, settings.idle_lock_minutes, "America/New_York"))
    fix_clock(services, datetime(2026, 3, 6, 8, 0, tzinfo=NEW_YORK))
    doctor = make_doctor(services, sessions=[SessionInput(d, time(1), time(4), 30) for d in WEEKDAYS])
    (patient,) = make_patients(services, 1)
    sunday = date(2026, 3, 8)
    slots = services.scheduling.free_slots(doctor.id, sunday)
    # 01:00-04:00 wall time is only two real hours on the spring-forward night.
    assert [s.local_start.strftime("%H:%M") for s in slots] == ["01:00", "01:30", "03:00", "03:30"]
    assert all(s.minutes == 30 for s in slots)
    appt = services.scheduling.book(patient, doctor.id, slots[2].starts_at)
    assert appt.local_start.strftime("%H:%M %Z") == "03:00 EDT"
    assert appt.starts_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    fall = services.scheduling.free_slots(doctor.id, date(2026, 11, 1))
    assert len(fall) == 8  # four wall-clock hours of real time
    with pytest.raises(ValidationError, match="time zone name"):
        services.settings.update(ClinicSettings(settings.clinic_name, settings.idle_lock_minutes, "Mars/Olympus"))
    with pytest.raises(ValidationError, match="time zone name"):
        services.settings.update(ClinicSettings(settings.clinic_name, settings.idle_lock_minutes, "../etc/passwd"))


def test_default_clinic_time_zone_is_kolkata(services):
    assert services.settings.get().time_zone == "Asia/Kolkata"
    assert services.scheduling.time_zone() == ZoneInfo("Asia/Kolkata")


# --- the visit workflow ------------------------------------------------------------------------


def _drive_to(svc, patient, doctor_id, start, status):
    """An appointment brought to ``status`` through the service's own legal path."""
    confirmed = status not in ("requested", "rejected")
    appt = svc.scheduling.book(patient, doctor_id, start, confirmed=confirmed)
    path = {
        "requested": [], "confirmed": [], "checked_in": ["checked_in"],
        "with_doctor": ["checked_in", "with_doctor"], "completed": ["checked_in", "with_doctor", "completed"],
        "cancelled": ["cancelled"], "rejected": ["rejected"], "no_show": ["no_show"],
    }[status]
    for step in path:
        appt = svc.visits.change_status(appt.id, step, reason="Because" if step in ("cancelled", "rejected") else "")
    assert appt.status == status
    return appt


def test_every_status_transition_pair_is_allowed_or_refused_as_the_workflow_says(services):
    fix_clock(services, datetime(2030, 1, 7, 0, 30, tzinfo=ZoneInfo("Asia/Kolkata")))
    doctor = make_doctor(services, sessions=[SessionInput(0, time(1), time(23, 50), 10)])
    (patient,) = make_patients(services, 1)
    starts = iter(s.starts_at for s in services.scheduling.free_slots(doctor.id, TODAY))
    statuses = [s.value for s in TRANSITIONS]
    checked = 0
    for source, target in itertools.product(statuses, statuses):
        appt = _drive_to(services, patient, doctor.id, next(starts), source)
        allowed = target in {t.value for t in TRANSITIONS[appt.status]}  # type: ignore[index]
        reason = "Reason given" if target in ("cancelled", "rejected") else ""
        if allowed:
            after = services.visits.change_status(appt.id, target, reason=reason)
            assert after.status == target, (source, target)
            last = services.scheduling.history(appt.id)[-1]
            assert (last.from_status, last.to_status) == (source, target)
        else:
            with pytest.raises((ConflictError, ValidationError)) as err:
                services.visits.change_status(appt.id, target, reason=reason)
            assert str(err.value) and "Error" not in str(err.value), (source, target)
            assert services.scheduling.get(appt.id).status == source, (source, target)
        checked += 1
    assert checked == 64
    expected_allowed = {
        ("requested", "confirmed"), ("requested", "rejected"), ("requested", "cancelled"),
        ("confirmed", "checked_in"), ("confirmed", "cancelled"), ("confirmed", "no_show"), ("confirmed", "rejected"),
        ("checked_in", "with_doctor"), ("checked_in", "cancelled"), ("with_doctor", "completed"),
    }
    assert {(a.value, b.value) for a, nexts in TRANSITIONS.items() for b in nexts} == expected_allowed


def test_refusals_are_in_plain_words(clinic):
    svc, doctor, (p1, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    appt = svc.scheduling.book(p1, doctor.id, at(9))
    with pytest.raises(ConflictError, match="cannot be marked completed"):
        svc.visits.complete(appt.id)
    with pytest.raises(ValidationError, match="reason"):
        svc.visits.cancel(appt.id, "")
    svc.visits.cancel(appt.id, "Feeling better", by="patient")
    with pytest.raises(ConflictError, match="was cancelled"):
        svc.visits.check_in(appt.id)
    with pytest.raises(ValidationError, match="not an appointment status"):
        svc.visits.change_status(appt.id, "teleported")
    record = svc.scheduling.get(appt.id)
    assert (record.cancelled_by, record.status_reason) == ("patient", "Feeling better")
    # The slot is free again.
    assert svc.scheduling.book(p1, doctor.id, at(9)).status == "confirmed"


def test_check_in_only_on_the_day_and_stale_versions_conflict(clinic):
    svc, doctor, (p1, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    later = svc.scheduling.book(p1, doctor.id, at(9, day=TODAY + timedelta(days=1)))
    with pytest.raises(ValidationError, match="only on the day"):
        svc.visits.check_in(later.id)
    moved = svc.scheduling.reschedule(later.id, at(9, 30), reason="Patient asked")
    with pytest.raises(ConflictError, match="changed this appointment") as err:
        svc.visits.check_in(later.id, expected_version=later.version)
    assert err.value.current.version == moved.version
    assert svc.visits.check_in(moved.id, expected_version=moved.version).token == 1


def test_reschedule_keeps_history_and_frees_the_old_slot(clinic):
    svc, doctor, (p1, p2, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    appt = svc.scheduling.book(p1, doctor.id, at(9), at(9, 30))
    moved = svc.scheduling.reschedule(appt.id, at(11), reason="Clash with work")
    assert (moved.local_start, moved.local_end) == (at(11), at(11, 30))  # keeps its length
    events = svc.scheduling.history(appt.id)
    assert events[-1].action == "rescheduled"
    assert (events[-1].old_starts_at, events[-1].new_starts_at) == (appt.starts_at, moved.starts_at)
    assert events[-1].reason == "Clash with work"
    assert svc.scheduling.book(p2, doctor.id, at(9)).local_start == at(9)
    with pytest.raises(SlotTaken):
        svc.scheduling.reschedule(appt.id, at(9))
    other = make_doctor(svc, "Dr Arjun Rao")
    to_other = svc.scheduling.reschedule(appt.id, at(9, 15), doctor_id=other.id)
    assert to_other.doctor_id == other.id
    svc.visits.check_in(to_other.id)
    with pytest.raises(ConflictError, match="cannot be moved"):
        svc.scheduling.reschedule(appt.id, at(10))


def test_check_in_queue_call_next_and_waiting_times(clinic):
    svc, doctor, (p1, p2, p3, _p4) = clinic.svc, clinic.doctor, clinic.patients
    a = svc.scheduling.book(p1, doctor.id, at(9))
    b = svc.scheduling.book(p2, doctor.id, at(9, 15))
    c = svc.scheduling.book(p3, doctor.id, at(9, 30))
    fix_clock(svc, at(8, 40))
    svc.visits.check_in(c.id)  # the 09:30 patient arrives first
    fix_clock(svc, at(8, 50))
    checked_b = svc.visits.check_in(b.id)
    assert checked_b.arrived_at == at(8, 50) and checked_b.token == 2
    fix_clock(svc, at(9, 0))
    assert [r.id for r in svc.visits.queue(doctor.id)] == [c.id, b.id]
    assert [r.waiting_minutes for r in svc.visits.queue(doctor.id)] == [20, 10]

    first = svc.visits.call_next(doctor.id)
    assert first is not None and first.id == c.id and first.status == "with_doctor"
    assert first.waiting_minutes == 20
    with pytest.raises(ConflictError, match="still with"):
        svc.visits.call_next(doctor.id)
    svc.visits.complete(c.id)
    assert svc.visits.call_next(doctor.id).id == b.id
    svc.visits.complete(b.id)
    assert svc.visits.call_next(doctor.id) is None  # a has not arrived
    day = svc.scheduling.doctor_day(doctor.id, TODAY)
    assert [(r.id, r.status) for r in day] == [(a.id, "confirmed"), (b.id, "completed"), (c.id, "completed")]


def test_walk_ins_get_tokens_fit_into_free_time_and_queue_in_arrival_order(clinic):
    svc, doctor, (p1, p2, p3, p4) = clinic.svc, clinic.doctor, clinic.patients
    svc.scheduling.book(p1, doctor.id, at(9))
    svc.scheduling.book(p2, doctor.id, at(9, 15))
    fix_clock(svc, at(8, 58))
    first = svc.scheduling.add_walk_in(p3, doctor.id, reason="Cough")
    assert first.token == 1 and first.appointment.kind == "walk_in" and first.appointment.status == "checked_in"
    assert first.appointment.local_start == at(9, 30)  # first free time, fitted after the booked ones
    assert first.estimated_wait_minutes == 32
    fix_clock(svc, at(9, 1))
    second = svc.scheduling.add_walk_in(p4, doctor.id)
    assert second.token == 2 and second.appointment.local_start == at(9, 45)
    assert second.patients_ahead == 1
    assert [r.token for r in svc.visits.queue(doctor.id)] == [1, 2]


def test_walk_in_after_the_last_patient_when_the_day_is_full(services):
    fix_clock(services, at(8))
    doctor = make_doctor(services, sessions=[SessionInput(0, time(9), time(10), 30)])
    p1, p2, p3 = make_patients(services, 3)
    services.scheduling.book(p1, doctor.id, at(9))
    services.scheduling.book(p2, doctor.id, at(9, 30))
    walk_in = services.scheduling.add_walk_in(p3, doctor.id)
    assert walk_in.appointment.local_start == at(10) and walk_in.appointment.local_end == at(10, 30)


# --- availability changes ----------------------------------------------------------------------


def test_template_change_lists_displaced_appointments_and_keeps_them(clinic):
    svc, doctor, (p1, p2, p3, _p4) = clinic.svc, clinic.doctor, clinic.patients
    morning = svc.scheduling.book(p1, doctor.id, at(9))
    evening = svc.scheduling.book(p2, doctor.id, at(16))
    tomorrow_evening = svc.scheduling.book(p3, doctor.id, at(16, day=TODAY + timedelta(days=1)))
    change = svc.availability.set_weekly_template(
        doctor.id, [SessionInput(d, time(8), time(13), 15) for d in WEEKDAYS]
    )
    assert [d.id for d in change.displaced] == [evening.id, tomorrow_evening.id]
    assert len(change.sessions) == 7
    assert svc.scheduling.get(evening.id).status == "confirmed"  # never silently dropped
    assert [d.id for d in svc.availability.displaced_appointments(doctor.id)] == [evening.id, tomorrow_evening.id]
    svc.scheduling.reschedule(evening.id, at(12))
    assert [d.id for d in svc.availability.displaced_appointments(doctor.id)] == [tomorrow_evening.id]
    assert svc.scheduling.get(morning.id).status == "confirmed"
    leave = svc.availability.add_leave(doctor.id, TODAY + timedelta(days=1), reason="Sick")
    # Everything in the leave window that must be rebooked, including the one already outside hours.
    assert [d.id for d in leave.displaced] == [tomorrow_evening.id]
    with pytest.raises(ValidationError, match="overlap"):
        svc.availability.set_weekly_template(
            doctor.id, [SessionInput(0, time(9), time(12), 15), SessionInput(0, time(11), time(13), 15)]
        )
    with pytest.raises(ValidationError, match="end after"):
        svc.availability.set_weekly_template(doctor.id, [SessionInput(0, time(12), time(9), 15)])
    with pytest.raises(ValidationError, match="slot lasts"):
        svc.availability.set_weekly_template(doctor.id, [SessionInput(0, time(9), time(12), 0)])


def test_leave_over_booked_appointments_lists_them(clinic):
    svc, doctor, (p1, p2, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    day = TODAY + timedelta(days=3)
    a = svc.scheduling.book(p1, doctor.id, at(9, day=day))
    svc.scheduling.book(p2, doctor.id, at(9, day=day + timedelta(days=1)))
    change = svc.availability.add_leave(doctor.id, day, reason="Family event")
    assert [x.id for x in change.displaced] == [a.id]
    holiday = svc.availability.add_clinic_holiday(day + timedelta(days=1), reason="Festival")
    assert len(holiday.displaced) == 1


# --- finding time ------------------------------------------------------------------------------


def test_next_available_for_a_doctor_and_for_a_specialty(clinic):
    svc, doctor, (p1, p2, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    [first] = svc.scheduling.next_available(doctor.id)
    assert first.local_start == at(9)
    svc.scheduling.book(p1, doctor.id, at(9))
    assert svc.scheduling.next_available(doctor.id)[0].local_start == at(9, 15)
    # The whole of today gone: tomorrow's first slot.
    svc.availability.add_block(doctor.id, at(9), at(23, 59), "Camp")
    assert svc.scheduling.next_available(doctor.id)[0].local_start == at(9, day=TODAY + timedelta(days=1))
    three = svc.scheduling.next_available(doctor.id, after=at(12, day=TODAY + timedelta(days=1)), count=3)
    assert [s.local_start for s in three] == [at(12, day=TODAY + timedelta(days=1)),
                                                at(12, 15, day=TODAY + timedelta(days=1)),
                                                at(16, day=TODAY + timedelta(days=1))]

    derm = svc.doctors.add_specialty("Dermatology")
    east = make_doctor(svc, "Dr East Skin", specialty=derm, location="East wing, room 3",
                       sessions=[SessionInput(TODAY.weekday(), time(11), time(12), 30)])
    west = make_doctor(svc, "Dr West Skin", specialty=derm, location="West wing, room 9",
                       sessions=[SessionInput(TODAY.weekday(), time(10), time(11), 30)])
    make_doctor(svc, "Dr Unverified Skin", specialty=derm, verified=False,
                sessions=[SessionInput(TODAY.weekday(), time(8), time(9), 30)])
    slots = svc.scheduling.next_available_for_specialty(derm.id, count=3)
    assert [(s.doctor_id, s.local_start) for s in slots] == [(west.id, at(10)), (west.id, at(10, 30)), (east.id, at(11))]
    assert slots[0].doctor_name == "Dr West Skin" and slots[0].location == "West wing, room 9"
    east_only = svc.scheduling.next_available_for_specialty(derm.id, count=1, location="east")
    assert [(s.doctor_id, s.local_start) for s in east_only] == [(east.id, at(11))]
    svc.scheduling.book(p2, west.id, at(10), at(11))
    assert svc.scheduling.next_available_for_specialty(derm.id)[0].doctor_id == east.id


def test_day_view_for_several_doctors(clinic):
    svc, doctor, (p1, p2, *_rest) = clinic.svc, clinic.doctor, clinic.patients
    other = make_doctor(svc, "Dr Arjun Rao", sessions=[SessionInput(0, time(10), time(11), 30)])
    svc.scheduling.book(p1, doctor.id, at(9))
    svc.scheduling.book(p2, other.id, at(10))
    cancelled = svc.scheduling.book(p2, doctor.id, at(11))
    svc.visits.cancel(cancelled.id, "Changed mind")
    svc.availability.add_block(other.id, at(10, 30), at(11), "Meeting")
    view = svc.scheduling.day_view([other.id, doctor.id], TODAY)
    assert [d.doctor_id for d in view] == [other.id, doctor.id]
    o, d = view
    assert [a.patient_id for a in o.appointments] == [p2] and o.free_slots == []
    assert [x.reason for x in o.exceptions] == ["Meeting"]
    assert o.sessions == [(at(10), at(11))]
    assert [a.patient_id for a in d.appointments] == [p1]  # cancelled ones are left out
    assert len(d.free_slots) == 14 + 9 - 1
    assert svc.scheduling.day_view([], TODAY) == []
    assert [a.id for a in svc.scheduling.doctor_day(doctor.id, TODAY, include_cancelled=True)][-1] == cancelled.id
    assert [a.patient_id for a in svc.scheduling.patient_appointments(p2, upcoming_only=True)] == [p2]


# --- who may do what ---------------------------------------------------------------------------


def test_permissions_per_role(clinic):
    svc, doctor, (p1, p2, p3, p4) = clinic.svc, clinic.doctor, clinic.patients
    add_staff(svc, "rita", "receptionist")
    add_staff(svc, "nina", "nurse")
    add_staff(svc, "drpriya", "doctor")
    add_staff(svc, "drother", "doctor")
    staff = {m.username: m for m in svc.staff.list()}
    svc.doctors.update(doctor.id, doctor.version, replace(doctor.as_input(), staff_account_id=staff["drpriya"].id))
    other = make_doctor(svc, "Dr Other", staff_account_id=staff["drother"].id)
    a = svc.scheduling.book(p1, doctor.id, at(9))
    b = svc.scheduling.book(p2, doctor.id, at(9, 15))
    c = svc.scheduling.book(p3, doctor.id, at(9, 30))

    reception = second_desk(svc, "rita", "Staff-pass-1")
    nurse = second_desk(svc, "nina", "Staff-pass-1")
    drpriya = second_desk(svc, "drpriya", "Staff-pass-1")
    drother = second_desk(svc, "drother", "Staff-pass-1")
    try:
        for desk in (reception, nurse, drpriya, drother):
            fix_clock(desk)
        # Receptionist: books, checks in, cancels; cannot call next, complete, verify or edit hours.
        d = reception.scheduling.book(p4, doctor.id, at(10))
        reception.visits.check_in(a.id)
        reception.scheduling.add_walk_in(p4, other.id)
        for forbidden in (
            lambda: reception.visits.call_next(doctor.id),
            lambda: reception.visits.complete(a.id),
            lambda: reception.visits.reject(b.id, "No"),
            lambda: reception.doctors.verify(doctor.id),
            lambda: reception.doctors.add_specialty("Oncology"),
            lambda: reception.availability.set_weekly_template(doctor.id, []),
            lambda: reception.availability.add_clinic_holiday(TODAY, reason="x"),
        ):
            with pytest.raises(PermissionDenied):
                forbidden()
        # Nurse: checks in and views; cannot book or cancel.
        nurse.visits.check_in(b.id)
        assert len(nurse.scheduling.doctor_day(doctor.id, TODAY)) == 4
        for forbidden in (
            lambda: nurse.scheduling.book(p1, doctor.id, at(11)),
            lambda: nurse.visits.cancel(c.id, "x"),
            lambda: nurse.scheduling.add_walk_in(p3, doctor.id),
            lambda: nurse.visits.call_next(doctor.id),
        ):
            with pytest.raises(PermissionDenied):
                forbidden()
        # Doctor: own day, call next, complete, reject, own hours and leave; not another doctor's.
        assert drpriya.doctors.for_current_user().id == doctor.id
        called = drpriya.visits.call_next(doctor.id)
        assert called.id == a.id
        drpriya.visits.complete(a.id)
        drpriya.visits.reject(c.id, "Needs a specialist")
        drpriya.availability.add_leave(doctor.id, TODAY + timedelta(days=5), reason="Leave")
        drpriya.availability.set_weekly_template(doctor.id, [SessionInput(0, time(9), time(12), 15)])
        for forbidden in (
            lambda: drpriya.scheduling.book(p1, doctor.id, at(11)),
            lambda: drpriya.visits.call_next(other.id),
            lambda: drpriya.availability.add_leave(other.id, TODAY, reason="x"),
            lambda: drpriya.availability.set_weekly_template(other.id, []),
            lambda: drother.visits.complete(d.id),
            lambda: drpriya.doctors.verify(other.id),
            lambda: drpriya.visits.cancel(d.id, "x"),
        ):
            with pytest.raises(PermissionDenied):
                forbidden()
    finally:
        for desk in (reception, nurse, drpriya, drother):
            desk.close()


def test_template_rows_in_database_are_plain_local_times(clinic):
    svc, doctor = clinic.svc, clinic.doctor
    template = svc.availability.weekly_template(doctor.id)
    assert (template[0].weekday, template[0].start, template[0].end, template[0].slot_minutes) == (0, time(9), time(12, 30), 15)
    with svc.db.read() as s:
        assert s.scalar(select(Appointment.id)) is None
    assert NOW.tzinfo is not None
