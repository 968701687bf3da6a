"""The bell: each staff member's own notifications, derived from committed changes, on SQLite and
PostgreSQL. A booking, an arrival, a move and a cancellation ring the doctor; a follow-up rings on
its day; a message that failed for good rings the administrators; each rings once per person."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from hms_desktop.models import StaffNotification
from hms_desktop.services.clinical import NotesInput
from hms_desktop.services.notifications import NotificationDispatcher
from tests.conftest import STAFF_PASSWORD, second_desk
from tests.services.conftest import TODAY, Ward, at, fix_clock
from tests.services.test_notifications import free_port, patient_with_email, use_mail_server


def kinds(view) -> list[tuple[str, str]]:  # noqa: ANN001 - a BellView
    return [(i.kind, i.title) for i in view.items]


def test_a_booking_an_arrival_a_move_and_a_cancellation_ring_the_doctor_once_each(ward: Ward):
    first = ward.doctor.bell.refresh()
    assert kinds(first) == [("booked", "New booking: Asha Rao")]
    assert first.unread == 1
    item = first.items[0]
    assert (item.appointment_id, item.patient_id, item.day) == (ward.appointment_id, ward.patient_id, TODAY)
    assert "Mon 07 Jan 2030 10:00" in item.detail and "by admin" in item.detail

    ward.receptionist.visits.check_in(ward.appointment_id)
    view = ward.doctor.bell.refresh()
    assert view.items[0].kind == "arrived" and view.items[0].detail.startswith("Waiting with token 1; booked for Mon 07 Jan 2030 10:00")
    # Refreshing again, or from another desk, rings nothing new.
    assert ward.doctor.bell.refresh().unread == 2
    assert ward.receptionist.bell.refresh().items == ()
    assert ward.other_doctor.bell.refresh().items == ()

    later = ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(17))
    ward.admin.scheduling.reschedule(later.id, at(18), expected_version=later.version)
    ward.receptionist.visits.cancel(later.id, "Feeling better", by="patient")
    view = ward.doctor.bell.refresh()
    assert [k for k, _ in kinds(view)] == ["cancelled", "moved", "booked", "arrived", "booked"]
    assert view.unread == 5
    assert "Feeling better" in view.items[0].detail and "by rita" in view.items[0].detail
    assert view.items[1].detail == "From Mon 07 Jan 2030 17:00 to Mon 07 Jan 2030 18:00 by admin"


def test_marking_read_counts_down_and_touches_only_ones_own_items(ward: Ward):
    ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(17))
    view = ward.doctor.bell.refresh()
    assert view.unread == 2
    # Another person naming these ids marks nothing of the doctor's.
    ward.receptionist.bell.mark_read([i.id for i in view.items])
    assert ward.doctor.bell.refresh().unread == 2

    after = ward.doctor.bell.mark_read([view.items[0].id])
    assert after.unread == 1
    assert [i.read for i in after.items] == [True, False]
    assert ward.doctor.bell.mark_read().unread == 0
    # Read items stay in the list, persisted for the next sign-in.
    again = second_desk(ward.admin, "priya", STAFF_PASSWORD)
    try:
        assert [i.read for i in again.bell.refresh().items] == [True, True]
    finally:
        again.close()


def test_a_follow_up_rings_its_doctor_on_its_day_not_before_and_once(ward: Ward):
    ward.receptionist.visits.check_in(ward.appointment_id)
    visit = ward.doctor.clinical.open_for_appointment(ward.appointment_id)
    ward.doctor.clinical.save_notes(visit.id, visit.version, NotesInput(complaint="cough",
                                                                        follow_up_on=TODAY + timedelta(days=3)))
    assert [k for k, _ in kinds(ward.doctor.bell.refresh())] == ["arrived", "booked"]

    fix_clock(ward.doctor, at(8, day=TODAY + timedelta(days=3)))
    view = ward.doctor.bell.refresh()
    assert kinds(view)[0] == ("follow_up", "Follow-up due: Asha Rao")
    assert view.items[0].detail == "Due today" and view.items[0].patient_id == ward.patient_id
    assert ward.doctor.bell.refresh().unread == 3
    assert ward.other_doctor.bell.refresh().items == ()


def test_a_message_that_failed_for_good_rings_each_administrator(ward: Ward):
    svc = ward.admin
    use_mail_server(svc, free_port())  # nothing listens there
    svc.scheduling.book(patient_with_email(svc, "Ravi", "Kumar", "ravi@example.com"), ward.doctor_id, at(16))
    dispatcher = NotificationDispatcher(svc.units, now=lambda: datetime.now(UTC), max_attempts=1)
    # The fixture's booking goes first and is not sent (that patient has no e-mail address).
    assert [dispatcher.send_next(), dispatcher.send_next()] == ["not_sent", "failed"]
    (failed,) = svc.notifications.outbox("failed")
    view = svc.bell.refresh()
    assert view.items[0].kind == "failed" and view.items[0].outbox_id == failed.id
    assert "ravi@example.com" in view.items[0].detail and "Could not reach the mail server" in view.items[0].detail
    # Not for the doctor or the desk: only administrators see the outbox.
    assert all(i.kind != "failed" for i in ward.doctor.bell.refresh().items)
    assert ward.receptionist.bell.refresh().items == ()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_desks_refreshing_at_the_same_instant_ring_each_change_once(ward: Ward):
    for hour in (9, 11, 16, 17, 18):
        ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(hour, 15))
    desks = [ward.doctor, ward.other_doctor, ward.nurse, ward.receptionist]
    barrier = threading.Barrier(len(desks))
    errors: list[BaseException] = []

    def refresh(desk) -> None:  # noqa: ANN001
        try:
            barrier.wait(timeout=30)
            desk.bell.refresh()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=refresh, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with ward.admin.db.read() as session:
        rows = session.scalar(select(func.count()).select_from(StaffNotification))
    assert rows == 6  # the fixture's booking and these five, once each
    assert ward.doctor.bell.refresh().unread == 6
