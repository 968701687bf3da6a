"""The Dashboard tab through real clicks, over the hand-worked clinic of tests/services/test_reports.py
(day 1 at 12:30, Zoë waiting half an hour), on SQLite and PostgreSQL: the figures, a booking at
another desk arriving by the change feed, the lists behind the figures, and a receptionist's
dashboard without money."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from hms_desktop.ui.common.live_updates import ChangeWatcher
from hms_desktop.ui.dashboard.dashboard_tab import DashboardTab
from hms_desktop.ui.main_window import MainWindow
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import at, make_patients
from tests.services.test_reports import DAY1, _clock, build_clinic


@pytest.fixture
def clinic(services):
    ids = build_clinic(services)
    _clock(services, at(12, 30))
    return services, ids


def open_tab(qtbot, services, runner, watcher=None) -> DashboardTab:
    tab = DashboardTab(services, runner, services.identity.user, watcher)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    with qtbot.waitSignal(tab.shown, timeout=20_000):
        tab.show()
    return tab


def tile(tab: DashboardTab, key: str) -> str:
    return tab.tiles[key].text().split("\n")[0]


def test_admin_sees_today_and_opens_the_lists_behind(qtbot, qtmodeltester, clinic, runner):
    services, _ids = clinic
    tab = open_tab(qtbot, services, runner)
    assert "Mon 07 Jan 2030" in tab.heading.text() and "12:30" in tab.heading.text()
    assert [tile(tab, k) for k in ("appointments", "waiting", "walk_ins", "longest", "no_shows", "takings",
                                   "shifts")] == ["5", "1", "1", "30 min", "1", "₹1,100.00", "1"]
    assert "Ada Admin, since 12:00" in tab.tiles["shifts"].toolTip()
    assert tab.takings_line.text() == "Takings: Cash ₹500.00 · Card ₹600.00"
    assert "Completed 2" in tab.status_line.text() and "No-show 1" in tab.status_line.text()
    qtmodeltester.check(tab.queue_model)
    rows = [[tab.queue_model.index(r, c).data() for c in range(6)] for r in range(tab.queue_model.rowCount())]
    assert rows == [["Dr Omar Khan", "0", "1", "0", "1", "30 min"], ["Dr Priya Nair", "0", "0", "0", "1", "—"]]
    assert len(tab.per_day.bars) == 4 and tab.per_day.legend.isVisible()
    assert "Completed" in tab.per_day.legend.text()
    assert len(tab.revenue.bars) == 1 and len(tab.no_show.bars) == 1
    with qtbot.waitSignal(tab.open_day) as opened:
        qtbot.mouseClick(tab.tiles["appointments"], Qt.MouseButton.LeftButton)
    assert opened.args == [DAY1]
    with qtbot.waitSignal(tab.open_billing) as opened:
        qtbot.mouseClick(tab.tiles["takings"], Qt.MouseButton.LeftButton)
    assert opened.args == [DAY1]
    # A click on today's bar of the 30-day chart opens that day too.
    with qtbot.waitSignal(tab.open_day) as opened:
        qtbot.mouseClick(tab.per_day.plot.viewport(), Qt.MouseButton.LeftButton, pos=tab.per_day.bar_centre(29))
    assert opened.args == [DAY1]
    wait_idle(qtbot, runner)


def test_a_booking_at_another_desk_arrives_by_the_change_feed(qtbot, clinic, runner):
    services, ids = clinic
    watcher = ChangeWatcher(services.scheduling.open_change_feed)
    tab = open_tab(qtbot, services, runner, watcher)
    watcher.start()
    other = second_desk(services)
    try:
        other.scheduling.clock = lambda: at(12, 30)
        patient = make_patients(other, 1, prefix="Late")[0]
        other.scheduling.add_walk_in(patient, ids["priya"], reason="cough")
        qtbot.waitUntil(lambda: tile(tab, "appointments") == "6", timeout=15_000)
        assert tile(tab, "walk_ins") == "2"
    finally:
        watcher.stop()
        other.close()
    wait_idle(qtbot, runner)


def test_a_receptionist_s_dashboard_has_no_money(qtbot, clinic, runner):
    services, _ids = clinic
    add_staff(services, "rita", "receptionist")
    rita = second_desk(services, "rita", STAFF_PASSWORD)
    try:
        rita.scheduling.clock = lambda: at(12, 30)
        tab = open_tab(qtbot, rita, runner)
        assert tile(tab, "appointments") == "5"
        assert not tab.tiles["takings"].isVisibleTo(tab) and not tab.revenue.isVisibleTo(tab)
        assert not tab.takings_line.isVisibleTo(tab)
        shown = [w.text() for w in tab.findChildren(QLabel) if w.isVisibleTo(tab)]
        shown += [t.text() for t in tab.tiles.values() if t.isVisibleTo(tab)]
        assert shown and not any("₹" in text for text in shown)
        wait_idle(qtbot, runner)
    finally:
        rita.close()


def test_the_main_window_opens_the_scheduler_day_and_the_billing_day(qtbot, clinic, runner):
    services, _ids = clinic
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.dashboard_tab.shown, timeout=20_000):
        window.tabs.setCurrentWidget(window.dashboard_tab)
    qtbot.mouseClick(window.dashboard_tab.tiles["no_shows"], Qt.MouseButton.LeftButton)
    assert window.tabs.currentWidget() is window.scheduler_tab
    assert window.scheduler_tab.shown_day == DAY1
    window.tabs.setCurrentWidget(window.dashboard_tab)
    qtbot.mouseClick(window.dashboard_tab.tiles["takings"], Qt.MouseButton.LeftButton)
    billing = window.billing_tab
    assert window.tabs.currentWidget() is billing
    filt = billing.current_filter()
    assert (filt.day_from, filt.day_to) == (DAY1, DAY1)
    wait_idle(qtbot, runner)
    window.close()
