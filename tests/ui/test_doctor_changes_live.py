"""A doctor verified or deactivated at another desk reaches the Scheduler's doctor list and the
Queues tab's doctor picker through the change feed (the ``doctors`` topic), without a restart."""

from __future__ import annotations

import threading

import pytest

from hms_desktop.ui.common.live_updates import ScheduleWatcher
from hms_desktop.ui.queues.queues_tab import QueuesTab
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import fix_clock, make_doctor, make_patients
from tests.ui.scheduler.helpers import open_tab


@pytest.fixture
def watcher(qtbot, services):
    listening = threading.Event()

    def open_feed():  # noqa: ANN202
        feed = services.scheduling.open_change_feed()
        listening.set()
        return feed

    live = ScheduleWatcher(open_feed)
    live.start()
    qtbot.waitUntil(listening.is_set, timeout=10_000)
    yield live
    live.stop()


def listed(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [tab.doctor_list.item(i).text().split("  ·  ")[0] for i in range(tab.doctor_list.count())]


def picked(tab: QueuesTab) -> list[str]:
    assert tab.doctor_picker is not None
    return [tab.doctor_picker.itemData(i).full_name for i in range(tab.doctor_picker.count())]


def test_scheduler_doctor_list_follows_verification_and_deactivation_elsewhere(qtbot, services, runner, watcher):
    fix_clock(services)
    make_doctor(services)
    make_patients(services, 1)
    tab = open_tab(qtbot, services, runner, watcher)
    assert listed(tab) == ["Dr Priya Nair"]
    other = second_desk(services)
    try:
        newcomer = make_doctor(other, "Dr Arjun Rao", verified=False)
        other.doctors.verify(newcomer.id)
        qtbot.waitUntil(lambda: listed(tab) == ["Dr Arjun Rao", "Dr Priya Nair"], timeout=10_000)
        current = other.doctors.get(newcomer.id)
        other.doctors.set_active(newcomer.id, current.version, False)
        qtbot.waitUntil(lambda: listed(tab) == ["Dr Priya Nair"], timeout=10_000)
    finally:
        other.close()
    wait_idle(qtbot, runner)


def test_queues_doctor_picker_follows_verification_elsewhere(qtbot, services, runner, watcher):
    fix_clock(services)
    make_doctor(services)
    add_staff(services, "rita", "receptionist")
    user = services.auth.sign_in("rita", STAFF_PASSWORD)
    tab = QueuesTab(services, runner, user, watcher)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    assert picked(tab) == ["Dr Priya Nair"]
    other = second_desk(services)
    try:
        newcomer = make_doctor(other, "Dr Arjun Rao", verified=False)
        other.doctors.verify(newcomer.id)
    finally:
        other.close()
    qtbot.waitUntil(lambda: "Dr Arjun Rao" in picked(tab), timeout=10_000)
    assert tab.doctor.full_name == "Dr Priya Nair"  # the doctor being watched stays picked
