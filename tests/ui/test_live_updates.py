"""Live updates when the database server goes away and comes back: the feed backs off instead of
reconnecting in a tight loop, logs the outage once and its end once, and resyncs on its return."""

from __future__ import annotations

import logging
import random
import time

import pytest
from sqlalchemy.engine import make_url

from hms_desktop.services.change_feed import open_change_feed
from hms_desktop.services.database import Database
from hms_desktop.ui.common import live_updates
from hms_desktop.ui.common.live_updates import ChangeWatcher, retry_delay
from tests.support.tcp_proxy import TcpProxy


def test_once_backed_off_a_desk_tries_only_a_few_times_a_minute():
    rng = random.Random(1)
    elapsed, attempts_in_second_minute, failures = 0.0, 0, 0
    while elapsed < 120:
        failures += 1
        elapsed += retry_delay(failures, rng)
        if 60 <= elapsed < 120:
            attempts_in_second_minute += 1
    assert 2 <= attempts_in_second_minute <= 5
    assert [round(retry_delay(n, random.Random(0)) / retry_delay(n, random.Random(0)), 6) for n in (1, 5)] == [1, 1]
    assert all(0.8 <= retry_delay(1, random.Random(seed)) <= 1.2 for seed in range(50))
    assert all(12 <= retry_delay(30, random.Random(seed)) <= 18 for seed in range(50))


@pytest.mark.postgres
def test_the_feed_backs_off_while_the_server_is_down_and_resyncs_when_it_returns(qtbot, pg_url, monkeypatch, caplog):
    # Shorter steps than the real 1 s doubling to 15 s, so the test takes seconds; the policy is the same.
    monkeypatch.setattr(live_updates, "FIRST_RETRY_SECONDS", 0.2)
    monkeypatch.setattr(live_updates, "LONGEST_RETRY_SECONDS", 0.8)
    caplog.set_level(logging.WARNING, logger="hms_desktop.ui.common.live_updates")
    # Every real connection attempt the feed makes, wherever in the feed it is made.
    import psycopg

    connects: list[float] = []
    real_connect = psycopg.connect

    def counting_connect(*args, **kwargs):
        connects.append(time.monotonic())
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(psycopg, "connect", counting_connect)
    real = make_url(pg_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    through_proxy = Database(real.set(port=proxy.port).render_as_string(hide_password=False))
    direct = Database(pg_url)
    watcher = ChangeWatcher(lambda: open_change_feed(through_proxy))
    received: list = []
    states: list = []
    watcher.changed.connect(received.extend)
    watcher.availability.connect(states.append)
    try:
        watcher.start()
        qtbot.waitUntil(lambda: len(connects) == 1 and proxy.accepted == 1, timeout=5000)
        time.sleep(0.3)  # the feed is LISTENing
        _announce(direct, 1)
        qtbot.waitUntil(lambda: any(c.entity_id == 1 for c in received), timeout=5000)

        proxy.stop()
        outage_started = time.monotonic()
        qtbot.waitUntil(lambda: states == [(False, states[0][1])] if states else False, timeout=5000)
        time.sleep(4.0)
        attempts_while_down = len([t for t in connects if t >= outage_started])
        down_for = time.monotonic() - outage_started
        # 0.2 + 0.4 + 0.8 + 0.8 ... seconds apart: a handful, where a tight loop makes thousands.
        assert 2 <= attempts_while_down <= 9, (attempts_while_down, down_for)

        received.clear()
        proxy.start()
        back = time.monotonic()
        qtbot.waitUntil(lambda: len(states) == 2, timeout=5000)
        assert states[1] == (True, "")
        qtbot.waitUntil(lambda: any(c.is_resync for c in received), timeout=5000)
        assert time.monotonic() - back < 2.5
        time.sleep(0.3)
        _announce(direct, 2)
        qtbot.waitUntil(lambda: any(c.entity_id == 2 for c in received), timeout=5000)
    finally:
        watcher.stop()
        proxy.stop()
        through_proxy.dispose()
        direct.dispose()
    warnings = [r.getMessage() for r in caplog.records]
    assert sum("Live updates paused" in m for m in warnings) == 1, warnings
    assert sum("Live updates are back" in m for m in warnings) == 1, warnings


def _announce(db: Database, entity_id: int) -> None:
    from hms_desktop.services.identity import Identity
    from hms_desktop.services.unit_of_work import UnitsOfWork

    with UnitsOfWork(db, Identity()).write(anonymous=True) as uow:
        uow.announce("patients", "changed", entity_id=entity_id)
