"""Many desks at once: no double booking, unique walk-in tokens, and the change feed, on both databases."""

from __future__ import annotations

import threading
import time as clock
from collections import Counter
from datetime import UTC, timedelta

import pytest
from sqlalchemy import select, text

from hms_desktop.models import SLOT_HOLDING_STATUSES, Appointment
from hms_desktop.services.errors import ConflictError, Contention
from hms_desktop.services.scheduling import SlotTaken
from hms_desktop.services.unit_of_work import CONTENTION_ATTEMPTS, retry_on_contention
from tests.conftest import second_desk
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients

DESKS = 8


def _run_desks(desks, work):
    """Run ``work(i, desk, barrier)`` on every desk in its own thread; re-raise the first failure."""
    barrier = threading.Barrier(len(desks))
    errors: list[BaseException] = []

    def run(i, desk):
        try:
            work(i, desk, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, d)) for i, d in enumerate(desks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    if errors:
        raise errors[0]


@pytest.fixture
def desks(services):
    fix_clock(services)
    opened = [second_desk(services) for _ in range(DESKS)]
    for desk in opened:
        fix_clock(desk)
    yield opened
    for desk in opened:
        desk.close()


def _no_overlaps(services, column):
    with services.db.read() as s:
        rows = s.execute(
            select(column, Appointment.starts_at, Appointment.ends_at)
            .where(Appointment.status.in_(SLOT_HOLDING_STATUSES))
            .order_by(column, Appointment.starts_at)
        ).all()
    for a, b in zip(rows, rows[1:], strict=False):
        if a[0] == b[0]:
            assert a[2] <= b[1], f"overlap: {a} and {b}"
    return rows


def _contention_logged(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "contention" in r.getMessage()]


def test_eight_desks_racing_for_the_same_and_overlapping_slots_book_exactly_one_each_time(services, desks, caplog):
    caplog.set_level("INFO", logger="hms_desktop.services.unit_of_work")
    doctor = make_doctor(services)
    patients = make_patients(services, DESKS)
    rounds = 6
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def work(i, desk, barrier):
        for r in range(rounds):
            base = at(9, day=TODAY + timedelta(days=r))
            # Even desks want exactly the slot; odd desks a 15-minute stretch overlapping it by 5 or 10.
            start = base if i % 2 == 0 else base + timedelta(minutes=5 * (1 + i % 4 // 2))
            barrier.wait(30)
            try:
                desk.scheduling.book(patients[i], doctor.id, start, start + timedelta(minutes=15))
                result = "booked"
            except SlotTaken as exc:
                assert exc.clash == "doctor" and "just taken" in str(exc)
                assert all(s.doctor_id == doctor.id for s in exc.suggestions) and exc.suggestions
                result = "taken"
            with lock:
                outcomes.append((r, result))

    _run_desks(desks, work)
    per_round = Counter(r for r, result in outcomes if result == "booked")
    assert per_round == {r: 1 for r in range(rounds)}, outcomes
    assert len(outcomes) == rounds * DESKS
    rows = _no_overlaps(services, Appointment.doctor_id)
    assert len(rows) == rounds
    # The desks queued on the doctor's and patient's advisory locks: PostgreSQL never had to abort
    # one of them as a deadlock (which costs a second and a retry).
    assert _contention_logged(caplog) == []


def test_one_patient_booked_at_once_from_eight_desks_with_eight_doctors_gets_one_appointment(services, desks, caplog):
    caplog.set_level("INFO", logger="hms_desktop.services.unit_of_work")
    doctors = [make_doctor(services, f"Dr Number {i}") for i in range(DESKS)]
    (patient,) = make_patients(services, 1)
    results: list[str] = []
    lock = threading.Lock()

    def work(i, desk, barrier):
        for r in range(3):
            barrier.wait(30)
            try:
                desk.scheduling.book(patient, doctors[i].id, at(10 + r), at(10 + r, 15 + 5 * (i % 3)))
                outcome = "booked"
            except SlotTaken as exc:
                assert exc.clash == "patient"
                outcome = "taken"
            with lock:
                results.append(outcome)

    _run_desks(desks, work)
    assert results.count("booked") == 3
    _no_overlaps(services, Appointment.patient_id)
    assert _contention_logged(caplog) == []


def test_walk_in_tokens_are_unique_under_concurrency(services, desks):
    doctor = make_doctor(services)
    patients = make_patients(services, DESKS * 3)
    fix_clock(services, at(9))
    for desk in desks:
        fix_clock(desk, at(9))
    tokens: list[int] = []
    lock = threading.Lock()

    def work(i, desk, barrier):
        barrier.wait(30)
        for k in range(3):
            walk_in = desk.scheduling.add_walk_in(patients[i * 3 + k], doctor.id)
            with lock:
                tokens.append(walk_in.token)

    _run_desks(desks, work)
    assert sorted(tokens) == list(range(1, DESKS * 3 + 1))
    queue = services.visits.queue(doctor.id, TODAY)
    assert sorted(r.token for r in queue) == list(range(1, DESKS * 3 + 1))
    _no_overlaps(services, Appointment.doctor_id)


def test_check_in_tokens_continue_after_walk_ins(clinic):
    svc, doctor, (p1, p2, p3, _p4) = clinic.svc, clinic.doctor, clinic.patients
    booked = svc.scheduling.book(p1, doctor.id, at(11))
    fix_clock(svc, at(9))
    assert svc.scheduling.add_walk_in(p2, doctor.id).token == 1
    assert svc.visits.check_in(booked.id).token == 2
    assert svc.scheduling.add_walk_in(p3, doctor.id).token == 3


def test_change_feed_delivers_another_desks_booking_within_two_seconds(services, desks):
    doctor = make_doctor(services)
    (patient, other_patient) = make_patients(services, 2)
    feed = services.scheduling.open_change_feed()
    try:
        assert feed.poll(0) == []
        booker = desks[0]
        started = clock.monotonic()
        appt = booker.scheduling.book(patient, doctor.id, at(9))
        seen = []
        while clock.monotonic() - started < 2 and not any(c.appointment_id == appt.id for c in seen):
            seen.extend(feed.poll(0.5))
        assert clock.monotonic() - started < 2
        [change] = [c for c in seen if c.appointment_id == appt.id]
        assert (change.kind, change.doctor_id, change.day) == ("booked", doctor.id, TODAY)

        booker.visits.check_in(appt.id)
        booker.scheduling.reschedule(
            booker.scheduling.book(other_patient, doctor.id, at(10)).id, at(10, 30)
        )
        kinds = []
        deadline = clock.monotonic() + 2
        while clock.monotonic() < deadline and "moved" not in kinds:
            kinds.extend(c.kind for c in feed.poll(0.5))
        assert kinds == ["checked_in", "booked", "moved"]
        # A failed booking publishes nothing: its transaction never commits.
        with pytest.raises(ConflictError):
            booker.scheduling.book(other_patient, doctor.id, at(9))
        assert feed.poll(0.3) == []
    finally:
        feed.close()


def test_losing_desk_is_told_which_booking_is_in_the_way_and_offered_other_times(clinic):
    """On PostgreSQL the exclusion constraint is the clash check itself; the refusal must still
    name the clashing time and offer free slots, never show a database error."""
    from hms_desktop.services.scheduling import SlotTaken
    from tests.conftest import second_desk as desk_for
    from tests.services.conftest import at, fix_clock

    svc, doctor, patients = clinic.svc, clinic.doctor, clinic.patients
    other = desk_for(svc)
    try:
        fix_clock(other)
        svc.scheduling.book(patients[0], doctor.id, at(9, 30), reason="first")
        with pytest.raises(SlotTaken) as lost:
            other.scheduling.book(patients[1], doctor.id, at(9, 30), reason="second")
        assert lost.value.clash == "doctor"
        assert "That slot was just taken" in lost.value.message and "09:30" in lost.value.message
        assert lost.value.suggestions and all(s.starts_at != at(9, 30) for s in lost.value.suggestions)
        with pytest.raises(SlotTaken) as busy:
            other.scheduling.book(patients[0], doctor.id, at(9, 35), reason="same patient")
        assert "09:30" in busy.value.message
    finally:
        other.close()


# Only this test's own sessions: other databases on the server (another run, CI) wait for locks too.
_THIS_DATABASE = "pid IN (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"


def _waiting_for_a_lock(services) -> int:
    with services.db.read() as s:
        return s.scalar(text(f"SELECT count(*) FROM pg_locks WHERE NOT granted AND {_THIS_DATABASE}"))


def _book_nine_in_background(desk, patient_id, doctor_id) -> tuple[threading.Thread, list[object]]:
    """Start booking 09:00-09:15 at ``desk`` on a thread; the list gets the record or the error."""
    outcome: list[object] = []

    def book():
        try:
            outcome.append(desk.scheduling.book(patient_id, doctor_id, at(9), at(9, 15)))
        except BaseException as exc:  # noqa: BLE001 - examined by the test
            outcome.append(exc)

    thread = threading.Thread(target=book)
    thread.start()
    return thread, outcome


def _wait_until(condition, seconds: float = 10) -> None:
    deadline = clock.monotonic() + seconds
    while not condition() and clock.monotonic() < deadline:
        clock.sleep(0.02)


def _hold(session, patient_id, doctor_id, start, minutes=15):
    session.add(Appointment(
        patient_id=patient_id, doctor_id=doctor_id, starts_at=start, ends_at=start + timedelta(minutes=minutes),
        local_day=start.date(), status="confirmed", kind="scheduled", reason="", cancelled_by="", status_reason="",
        created_by_id=None,
    ))
    session.flush()


# SQLite takes one write lock per transaction and cannot deadlock: this is PostgreSQL's alone.
@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_booking_the_database_aborts_as_a_deadlock_is_repeated_and_succeeds(services, desks, caplog):
    # Another program writes appointments without queuing on the desks' locks: it holds the
    # patient at 09:00 with a second doctor, then wants the desk's doctor at 09:05. The desk's
    # booking of the patient with that doctor at 09:00 waits for it, it waits for the desk, and
    # PostgreSQL aborts the desk (whose deadlock timeout of one second runs out first). The desk
    # must try again, not show an error.
    doctor, other_doctor = make_doctor(services), make_doctor(services, "Dr Second")
    holder_patient, patient = make_patients(services, 2)

    caplog.set_level("INFO", logger="hms_desktop.services.unit_of_work")
    with services.db.write() as other:
        other.execute(text("SET LOCAL deadlock_timeout = '30s'"))
        _hold(other, patient, other_doctor.id, at(9).astimezone(UTC))
        desk, outcome = _book_nine_in_background(desks[0], patient, doctor.id)
        _wait_until(lambda: _waiting_for_a_lock(services) > 0)
        assert _waiting_for_a_lock(services) == 1, "the desk's booking should be waiting for this transaction"
        _hold(other, holder_patient, doctor.id, at(9, 5).astimezone(UTC))  # the desk is aborted here
        other.rollback()  # the other program gives up: the desk's second attempt can have the slot
    desk.join(30)
    (result,) = outcome
    assert not isinstance(result, BaseException), result
    assert (result.doctor_id, result.patient_id, result.starts_at) == (doctor.id, patient, at(9))
    assert any("contention, attempt 1 of 4" in r.getMessage() for r in caplog.records)
    assert len(_no_overlaps(services, Appointment.doctor_id)) == 1


def test_contention_that_never_clears_ends_in_a_plain_sentence_after_four_attempts():
    attempts = []

    @retry_on_contention
    def save():
        attempts.append(1)
        raise Contention("Another workstation was saving the same records at the same moment.")

    with pytest.raises(Contention, match="Another workstation"):
        save()
    assert len(attempts) == CONTENTION_ATTEMPTS == 4


def _waiting_on_advisory_lock(services) -> list[tuple[int, int]]:
    """(class, key) of every advisory lock some session is waiting for."""
    with services.db.read() as s:
        return [tuple(r) for r in s.execute(text(
            f"SELECT classid::int, objid::int FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            f" AND {_THIS_DATABASE}"
        ))]


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("held", ["doctor", "patient"])
def test_a_booking_waits_its_turn_behind_another_desk_writing_the_same_doctor_or_patient(services, desks, held):
    # Another desk is in the middle of writing this doctor's (or this patient's) schedule: the
    # booking queues on its lock instead of racing it, and goes ahead when that desk commits.
    doctor = make_doctor(services)
    (patient,) = make_patients(services, 1)
    key = (1, doctor.id) if held == "doctor" else (2, patient)

    with services.db.write() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": key[0], "b": key[1]})
        desk, outcome = _book_nine_in_background(desks[0], patient, doctor.id)
        _wait_until(lambda: bool(_waiting_on_advisory_lock(services)))
        assert _waiting_on_advisory_lock(services) == [key]
        assert outcome == []  # still waiting
    desk.join(30)
    (result,) = outcome
    assert not isinstance(result, BaseException), result
    assert result.local_start == at(9)


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_a_move_to_another_doctor_waits_for_a_desk_writing_the_old_doctor_s_schedule(services, desks):
    # Moving Asha from doctor A to doctor B touches both schedules, so it queues behind a desk
    # in the middle of writing A's, in the same order (doctors by id, then the patient) as others.
    first, second = make_doctor(services), make_doctor(services, "Dr Second")
    (patient,) = make_patients(services, 1)
    booked = services.scheduling.book(patient, first.id, at(9), at(9, 15))
    outcome: list[object] = []

    def move():
        try:
            outcome.append(desks[0].scheduling.reschedule(booked.id, at(10), doctor_id=second.id))
        except BaseException as exc:  # noqa: BLE001 - examined below
            outcome.append(exc)

    with services.db.write() as other:
        other.execute(text("SELECT pg_advisory_xact_lock(1, :doctor)"), {"doctor": first.id})
        desk = threading.Thread(target=move)
        desk.start()
        _wait_until(lambda: bool(_waiting_on_advisory_lock(services)))
        assert _waiting_on_advisory_lock(services) == [(1, first.id)]
        assert outcome == []
    desk.join(30)
    (result,) = outcome
    assert not isinstance(result, BaseException), result
    assert (result.doctor_id, result.local_start) == (second.id, at(10))
