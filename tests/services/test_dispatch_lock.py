"""The dispatch lock: of the desks that are open, one sends (PostgreSQL advisory lock), another takes
over when it closes, and each message still reaches the real SMTP server on localhost once."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.services.notifications.dispatch_lock import (
    DISPATCH_LOCK_KEY,
    DispatchLock,
    try_dispatch_round,
)
from tests.conftest import second_desk
from tests.services.conftest import Clinic, at
from tests.services.test_notifications import mail_server, outbox_rows, patient_with_email, use_mail_server

__all__ = ["mail_server"]  # the fixture, imported to be used here


# The dispatch lock as pg_locks shows it, in this test's database only (other tests share the server).
HOLDERS = ("FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
           "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
           "AND ((classid::bigint << 32) | objid::bigint) = :key")


def _lock_holders(svc) -> int:  # noqa: ANN001 - Services
    with svc.db.read() as session:
        return session.execute(text(f"SELECT count(*) {HOLDERS}"), {"key": DISPATCH_LOCK_KEY}).scalar()


def test_one_desk_sends_at_a_time_and_another_takes_over_when_it_closes(clinic: Clinic, mail_server):
    svc = clinic.svc
    use_mail_server(svc, mail_server.port)
    svc.scheduling.book(patient_with_email(svc), clinic.doctor.id, at(10, 15))
    other = second_desk(svc)
    first, second = DispatchLock(svc.db), DispatchLock(other.db)
    try:
        first_round = try_dispatch_round(first, NotificationDispatcher(svc.units))
        second_round = try_dispatch_round(second, NotificationDispatcher(other.units))
        assert first_round is not None and first_round.sent == 1
        if svc.db.is_sqlite:
            # One clinic file: both run, the write lock serialises them, nothing is left for the second.
            assert second_round is not None and second_round.handled == 0
        else:
            assert second_round is None, "the second desk must not send while the first holds the lock"
            assert first.held and not second.held
            assert _lock_holders(svc) == 1

        # A message queued at the second desk, after the first desk signed out: the second takes over.
        other.scheduling.book(patient_with_email(other, "Ravi", "Kumar", "ravi.kumar@example.com"),
                              clinic.doctor.id, at(11, 0))
        first.close()
        taken_over = try_dispatch_round(second, NotificationDispatcher(other.units))
        assert taken_over is not None and taken_over.sent == 1
        assert second.held
        assert try_dispatch_round(second, NotificationDispatcher(other.units)).handled == 0  # still its own
    finally:
        first.close()
        second.close()
        other.close()

    # Each message once, to the patient it was for.
    assert sorted(m["To"] for m in mail_server.box.messages) == ["asha.rao@example.com", "ravi.kumar@example.com"]
    assert [row.status for row in outbox_rows(svc)] == ["sent", "sent"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_lock_whose_connection_dropped_is_taken_again_and_a_closed_lock_is_not_left_in_the_pool(clinic: Clinic):
    svc = clinic.svc
    other = second_desk(svc)
    first, second = DispatchLock(svc.db), DispatchLock(other.db)
    try:
        assert first.acquire() and not second.acquire()
        # The first desk's connection is killed (a network drop, the server restarting it).
        with other.db.read() as session:
            killed = session.execute(text(f"SELECT pg_terminate_backend(pid) {HOLDERS}"),
                                     {"key": DISPATCH_LOCK_KEY}).scalars().all()
        assert killed == [True]
        assert second.acquire(), "the lock went with the dropped connection; another desk takes it"
        assert not first.acquire(), "the first desk notices and does not think it still sends"
        second.close()
        assert _lock_holders(svc) == 0, "closing discards the connection instead of pooling it with the lock"
        assert first.acquire()
    finally:
        first.close()
        second.close()
        other.close()
