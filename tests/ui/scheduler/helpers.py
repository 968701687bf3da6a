"""Driving the Scheduler tab as a person would: open it, find a cell by time, click, pick a patient."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt

from hms_desktop.ui.scheduler.day_grid_model import AppointmentRole, CellKind, CellKindRole
from hms_desktop.ui.scheduler.scheduler_tab import SchedulerTab
from tests.conftest import wait_idle
from tests.ui.widget_helpers import type_into


def open_tab(qtbot, services, runner, watcher=None, user=None) -> SchedulerTab:  # type: ignore[no-untyped-def]
    tab = SchedulerTab(services, runner, user or services.auth.current, watcher)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    tab.refresh()  # as the main window does when the tab is shown
    qtbot.waitUntil(lambda: tab.day_model.rowCount() > 0 and not runner.busy, timeout=10_000)
    return tab


def click_cell(qtbot, view, index) -> None:  # type: ignore[no-untyped-def]
    assert index.isValid()
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def cell(tab: SchedulerTab, at_time: time, column: int = 0):  # type: ignore[no-untyped-def]
    return tab.current_model().index_at(column, at_time)


def appointment_at(tab: SchedulerTab, at_time: time, column: int = 0):  # type: ignore[no-untyped-def]
    index = cell(tab, at_time, column)
    return index.data(AppointmentRole) if index.isValid() else None


def click_action(qtbot, tab: SchedulerTab, action) -> None:  # type: ignore[no-untyped-def]
    assert action.isEnabled(), action.text()
    button = tab.toolbar.widgetForAction(action)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def pick_patient(qtbot, runner, finder, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, finder.search, text)
    qtbot.waitUntil(lambda: finder.results.count() >= 1 and expected in finder.results.item(0).text())
    wait_idle(qtbot, runner)
    item = finder.results.item(0)
    qtbot.mouseClick(finder.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=finder.results.visualItemRect(item).center())
    assert finder.patient is not None and finder.patient.name == expected


def select_appointment(qtbot, tab: SchedulerTab, at_time: time) -> None:
    index = cell(tab, at_time)
    assert index.data(CellKindRole) == CellKind.APPOINTMENT
    click_cell(qtbot, tab.current_view(), index)
    assert tab.selected_appointment() is not None


def book_and_select(qtbot, runner, tab: SchedulerTab, services, patient_id: int, doctor_id: int, start):  # type: ignore[no-untyped-def]
    """Book straight through the service, show the day again and select the new card."""
    booked = services.scheduling.book(patient_id, doctor_id, start)
    tab.refresh()
    wait_idle(qtbot, runner)
    select_appointment(qtbot, tab, start.time())
    return booked
