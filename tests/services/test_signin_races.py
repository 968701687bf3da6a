"""Sign-in under pressure: many desks at once against one account (separate processes, both
databases), and the time a wrong user name takes against a wrong password."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time

import pytest
from sqlalchemy import select, update

from hms_desktop.bootstrap import build_services
from hms_desktop.models import AuditEntry, StaffAccount
from hms_desktop.services.errors import AccountLocked, AuthenticationFailed
from tests.conftest import STAFF_PASSWORD, add_staff

DESKS = 16


def _desk(url: str, username: str, password: str, barrier, results) -> None:  # noqa: ANN001 - multiprocessing proxies
    os.environ["HMS_BCRYPT_ROUNDS"] = "4"
    svc = build_services(url)
    try:
        svc.db.check_connection()  # connect before the start line, so all desks try at one instant
        barrier.wait(timeout=60)
        try:
            svc.auth.sign_in(username, password)
        except AccountLocked:
            results.put("locked")
        except AuthenticationFailed:
            results.put("wrong")
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            results.put(f"error: {exc!r}")
        else:
            results.put("signed in")
    finally:
        svc.close()


def _race(url: str, attempts: list[tuple[str, str]]) -> list[str]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(attempts))
    results = ctx.Queue()
    procs = [ctx.Process(target=_desk, args=(url, name, pw, barrier, results)) for name, pw in attempts]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return outcomes


def _audit(services, action: str) -> list:
    with services.db.read() as s:
        return list(s.execute(
            select(AuditEntry.id, AuditEntry.action, AuditEntry.actor_name, AuditEntry.summary)
            .where(AuditEntry.action == action).order_by(AuditEntry.id)
        ))


def test_sixteen_desks_guessing_at_once_lock_the_account_after_five(services):
    add_staff(services, "ravi", "receptionist")
    url = services.db.url.render_as_string(hide_password=False)
    outcomes = _race(url, [("ravi", f"wrong-guess-{i}") for i in range(DESKS)])
    assert sorted(outcomes) == ["locked"] * (DESKS - 4) + ["wrong"] * 4, outcomes
    failed = [e for e in _audit(services, "signin.failed") if e.actor_name == "ravi"]
    assert len(failed) == 5  # exactly five passwords were checked against the account
    assert "account locked" in failed[-1].summary
    refused = [e for e in _audit(services, "signin.refused") if e.actor_name == "ravi"]
    assert len(refused) == DESKS - 5
    # And the right password, afterwards, is refused too.
    with pytest.raises(AccountLocked):
        services.auth.sign_in("ravi", STAFF_PASSWORD)


def test_the_right_password_among_the_guesses_never_signs_in_after_the_lock(services):
    add_staff(services, "ravi", "receptionist")
    url = services.db.url.render_as_string(hide_password=False)
    attempts = [("ravi", f"wrong-guess-{i}") for i in range(DESKS - 4)] + [("ravi", STAFF_PASSWORD)] * 4
    outcomes = _race(url, attempts)
    assert not any(o.startswith("error") for o in outcomes), outcomes
    entries = [e for e in _audit(services, "signin.failed") + _audit(services, "signin.ok")
               + _audit(services, "signin.refused") if e.actor_name == "ravi"]
    entries.sort(key=lambda e: e.id)
    locked_at = next((i for i, e in enumerate(entries) if "account locked" in e.summary), None)
    if locked_at is not None:
        assert all(e.action == "signin.refused" for e in entries[locked_at + 1:])
    # Between two successes (which reset the count) there are never more than five failures.
    run = 0
    for e in entries:
        run = 0 if e.action == "signin.ok" else run + (e.action == "signin.failed")
        assert run <= 5


def _median_ms(fn, rounds: int = 20) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def test_unknown_user_takes_as_long_as_a_wrong_password(services, monkeypatch):
    # A realistic cost, so bcrypt (not the test machine's noise) dominates, as it does at a desk.
    monkeypatch.setenv("HMS_BCRYPT_ROUNDS", "10")
    add_staff(services, "ravi", "receptionist")

    def wrong_password():
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("ravi", "not-the-password")
        with services.db.write() as s:  # keep the account from locking during the measurement
            s.execute(update(StaffAccount).where(StaffAccount.username == "ravi").values(failed_signins=0))

    def unknown_user():
        with pytest.raises(AuthenticationFailed):
            services.auth.sign_in("nobody-here", "not-the-password")
        with services.db.write() as s:  # the same extra round trip as above
            s.execute(update(StaffAccount).where(StaffAccount.username == "ravi").values(failed_signins=0))

    wrong_password(), unknown_user()  # warm up both paths
    # Samples alternate between the two, so a burst of load on this shared machine hits both
    # alike; a round that still differs by more than 20 % is measured again, up to three rounds.
    # A real leak (the old 1 ms against 270 ms) fails every round.
    rounds = []
    for _ in range(3):
        wrong_times, unknown_times = [], []
        for _ in range(20):
            wrong_times.append(_median_ms(wrong_password, rounds=1))
            unknown_times.append(_median_ms(unknown_user, rounds=1))
        wrong, unknown = statistics.median(wrong_times), statistics.median(unknown_times)
        rounds.append((round(wrong, 1), round(unknown, 1)))
        if abs(wrong - unknown) <= 0.2 * max(wrong, unknown):
            break
    assert wrong > 20  # bcrypt at cost 10 really ran
    assert abs(wrong - unknown) <= 0.2 * max(wrong, unknown), rounds


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the write lock every desk waits on is SQLite's
def test_a_sign_in_does_not_hold_the_sqlite_write_lock_while_bcrypt_runs(services, monkeypatch):
    """While one desk's password is being checked, another desk's write goes through at once."""
    import threading

    from hms_desktop.services import passwords

    checking = threading.Event()
    release = threading.Event()
    real_verify = passwords.verify

    def slow_verify(password, hashed):
        checking.set()
        release.wait(10)
        return real_verify(password, hashed)

    monkeypatch.setattr(passwords, "verify", slow_verify)
    add_staff(services, "ravi", "receptionist")
    url = services.db.url.render_as_string(hide_password=False)
    desk = build_services(url)
    signer = threading.Thread(target=lambda: desk.auth.sign_in("ravi", STAFF_PASSWORD))
    signer.start()
    try:
        assert checking.wait(10)
        started = time.perf_counter()
        services.settings.update(services.settings.get())  # a write at another desk
        waited = time.perf_counter() - started
    finally:
        release.set()
        signer.join(10)
        desk.close()
    assert waited < 1.0
    assert services.auth.current.username == "admin"
