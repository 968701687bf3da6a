"""The Scheduler and the Queues tab run visit actions through one piece of code
(ui/common/visit_actions.py): the same "done" line and the same plain refusal, on both databases."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt

from hms_desktop.services.scheduling import VisitAction
from hms_desktop.ui.common.visit_actions import done_message
from hms_desktop.ui.queues.queues_tab import QueuesTab
from tests.conftest import wait_idle
from tests.services.conftest import at, fix_clock, make_doctor, make_patients
from tests.ui.scheduler.helpers import click_action, open_tab, select_appointment


def open_queues(qtbot, services, runner) -> QueuesTab:  # type: ignore[no-untyped-def]
    tab = QueuesTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    return tab


def click_queue_row(qtbot, tab: QueuesTab, appointment_id: int) -> None:  # type: ignore[no-untyped-def]
    row = tab.model.row_of(appointment_id)
    assert row is not None
    rect = tab.table.visualRect(tab.model.index(row, 0))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected_record().id == appointment_id


def test_both_tabs_refuse_and_report_through_the_shared_actions(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services)
    asha, ravi = make_patients(services, 2)
    first = services.scheduling.book(asha, doctor.id, at(9))
    second = services.scheduling.book(ravi, doctor.id, at(9, 30))
    scheduler = open_tab(qtbot, services, runner)
    queues = open_queues(qtbot, services, runner)

    # A confirmed appointment cannot be completed: asked anyway (a stale button), each tab shows the
    # service's refusal through the shared handler, in the very same words.
    select_appointment(qtbot, scheduler, time(9))
    scheduler.complete_selected()
    wait_idle(qtbot, runner)
    click_queue_row(qtbot, queues, first.id)
    queues.complete_selected()
    wait_idle(qtbot, runner)
    from_scheduler, from_queues = scheduler.visit_actions.last_message, queues.visit_actions.last_message
    assert from_scheduler is not None and from_queues is not None
    assert scheduler.last_message is from_scheduler
    assert "cannot be marked completed" in from_queues.text()
    assert from_scheduler.text() == from_queues.text()
    assert services.scheduling.get(first.id).status == "confirmed"

    # Done: the same sentence whichever tab did it.
    messages: list[str] = []
    scheduler.status_message.connect(messages.append)
    select_appointment(qtbot, scheduler, time(9, 30))
    click_action(qtbot, scheduler, scheduler.check_in_action)
    wait_idle(qtbot, runner)
    checked_in = services.scheduling.get(second.id)
    assert messages == [done_message(VisitAction.CHECK_IN, checked_in)]
    assert f"token {checked_in.token}" in messages[0]

    queues.refresh()
    wait_idle(qtbot, runner)
    click_queue_row(qtbot, queues, second.id)
    qtbot.mouseClick(queues.start_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    started = services.scheduling.get(second.id)
    assert started.status == "with_doctor"
    assert queues.notice.text() == done_message(VisitAction.START, started) == f"Started the visit with {started.patient_name}."
