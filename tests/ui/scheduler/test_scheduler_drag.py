"""Moving an appointment by dragging its card in the scheduler's grids, with real mouse events."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from hms_desktop.ui.scheduler.day_grid_model import CellKind, CellKindRole
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import TODAY, at, make_doctor
from tests.ui.scheduler.helpers import appointment_at, cell, open_tab

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def nine(qtbot, clinic, tab, runner):  # type: ignore[no-untyped-def]
    """Asha PatA0's appointment at 09:00, shown in the open tab's day view."""
    services, doctor, (asha, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9))
    tab.refresh()
    wait_idle(qtbot, runner)
    return booked


def _centre(view, index) -> QPoint:  # type: ignore[no-untyped-def]
    view.scrollTo(index)
    return view.visualRect(index).center()


def press_and_move(qtbot, view, source, target) -> None:  # type: ignore[no-untyped-def]
    """Pick up the card at ``source`` by its middle and hold it over the middle of ``target``'s
    block (the same length here), so that the card's first row lands on the block's first row."""
    start = _centre(view, source)
    qtbot.mousePress(view.viewport(), LEFT, pos=start)
    qtbot.mouseMove(view.viewport(), pos=start + QPoint(0, 12))  # past the drag distance
    qtbot.mouseMove(view.viewport(), pos=_centre(view, target))


def drag(qtbot, view, source, target) -> None:  # type: ignore[no-untyped-def]
    press_and_move(qtbot, view, source, target)
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(target).center())


def click_move(qtbot, tab) -> None:  # type: ignore[no-untyped-def]
    box = tab.move_box
    assert box is not None and box.isVisible()
    qtbot.mouseClick(box.findChild(type(box.defaultButton()), "confirmYes"), LEFT)


def test_drag_a_card_to_a_later_free_time_and_confirm(qtbot, clinic, tab, runner, nine):
    services, doctor, _patients = clinic
    booked, view = nine, tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10, 30)))
    assert view.dragging
    target = view.drop_target
    assert target.ok and target.starts_at == at(10, 30) and target.doctor_id == doctor.id
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(cell(tab, time(10, 30))).center())
    assert not view.dragging
    assert tab.move_box.text() == "Move Asha PatA0 to 10:30–10:45?"
    assert tab.booking_dialog is None  # letting go over a free slot is not a click on it
    assert services.scheduling.get(booked.id).local_start == at(9)  # nothing moves before the answer
    click_move(qtbot, tab)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: appointment_at(tab, time(10, 30)) is not None)
    assert services.scheduling.get(booked.id).local_start == at(10, 30)
    assert cell(tab, time(9)).data(CellKindRole) == CellKind.FREE
    assert services.scheduling.history(booked.id)[-1].action == "rescheduled"


def test_drag_to_another_doctor_s_column(qtbot, clinic, runner):
    services, doctor, (asha, *_rest) = clinic
    other = make_doctor(services, "Dr Arjun Rao")
    booked = services.scheduling.book(asha, doctor.id, at(11))
    tab = open_tab(qtbot, services, runner)
    model = tab.day_model
    source = cell(tab, time(11), model.column_of_doctor(doctor.id))
    drag(qtbot, tab.day_view, source, cell(tab, time(11), model.column_of_doctor(other.id)))
    assert tab.move_box.text() == "Move Asha PatA0 to 11:00–11:15 with Dr Arjun Rao?"
    click_move(qtbot, tab)
    wait_idle(qtbot, runner)
    moved = services.scheduling.get(booked.id)
    assert (moved.doctor_id, moved.local_start) == (other.id, at(11))


def test_a_drop_on_another_appointment_or_outside_hours_moves_nothing_and_says_why(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    first = services.scheduling.book(asha, doctor.id, at(9))
    services.scheduling.book(ravi, doctor.id, at(9, 30))
    tab.refresh()
    wait_idle(qtbot, runner)
    view = tab.day_view
    messages: list[str] = []
    tab.status_message.connect(messages.append)
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(9, 30)))
    assert view.drop_target.why_not == "Another appointment is there"
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(cell(tab, time(9, 30))).center())
    assert tab.move_box is None
    assert messages == ["Asha PatA0 was not moved: Another appointment is there."]
    lunch = cell(tab, time(13))  # between the morning and evening sessions
    assert lunch.data(CellKindRole) == CellKind.OFF
    drag(qtbot, view, cell(tab, time(9)), lunch)
    assert messages[-1] == "Asha PatA0 was not moved: Outside the doctor's hours."
    assert tab.move_box is None
    assert services.scheduling.get(first.id).local_start == at(9)


def test_escape_cancels_a_drag(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    assert view.dragging
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.dragging
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(cell(tab, time(10))).center())
    assert tab.move_box is None


def test_drag_to_another_day_in_the_week_view(qtbot, clinic, tab, runner):
    services, doctor, (asha, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9, 15))
    qtbot.mouseClick(tab.week_button, LEFT)
    wait_idle(qtbot, runner)
    view = tab.week_view
    drag(qtbot, view, cell(tab, time(9, 15), column=0), cell(tab, time(16, 20), column=3))
    assert tab.move_box.text() == "Move Asha PatA0 to Thu 10 Jan 2030 16:20–16:35?"
    click_move(qtbot, tab)
    wait_idle(qtbot, runner)
    assert services.scheduling.get(booked.id).local_start == at(16, 20, day=TODAY + timedelta(days=3))
    qtbot.waitUntil(lambda: appointment_at(tab, time(16, 20), column=3) is not None)


def test_a_time_taken_at_another_desk_before_the_answer_is_refused_in_words(qtbot, clinic, tab, runner):
    services, doctor, (asha, ravi, *_rest) = clinic
    booked = services.scheduling.book(asha, doctor.id, at(9))
    tab.refresh()
    wait_idle(qtbot, runner)
    drag(qtbot, tab.day_view, cell(tab, time(9)), cell(tab, time(10)))
    other_desk = second_desk(services)
    try:
        other_desk.scheduling.clock = services.scheduling.clock
        other_desk.scheduling.book(ravi, doctor.id, at(10))
    finally:
        other_desk.close()
    click_move(qtbot, tab)
    wait_idle(qtbot, runner)
    assert "just taken" in tab.last_message.text()
    assert services.scheduling.get(booked.id).local_start == at(9)


def test_a_nurse_cannot_pick_up_a_card(qtbot, clinic, runner):
    services, doctor, (asha, *_rest) = clinic
    services.scheduling.book(asha, doctor.id, at(9))
    add_staff(services, "nina", "nurse")
    nurse_desk = second_desk(services, "nina", STAFF_PASSWORD)
    try:
        nurse_desk.scheduling.clock = services.scheduling.clock
        tab = open_tab(qtbot, nurse_desk, runner)
        view = tab.day_view
        press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
        assert not view.dragging
        qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(cell(tab, time(10))).center())
        assert tab.move_box is None
    finally:
        nurse_desk.close()


def test_a_drag_ends_when_another_window_takes_the_focus(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    view.setFocus()
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    assert view.dragging
    other = QLineEdit(tab)
    other.show()
    other.setFocus()
    qtbot.waitUntil(lambda: not view.dragging)
    assert view.drop_target is None


def test_a_card_held_near_the_bottom_edge_scrolls_the_day(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    source = cell(tab, time(9))
    view.scrollTo(source)
    press_and_move(qtbot, view, source, source)
    bar = view.verticalScrollBar()
    before = bar.value()
    near_bottom = QPoint(view.viewport().width() // 2, view.viewport().height() - 5)
    for _ in range(3):
        qtbot.mouseMove(view.viewport(), pos=near_bottom)
        qtbot.mouseMove(view.viewport(), pos=near_bottom + QPoint(1, 0))
    assert bar.value() > before
    assert view.dragging and view.drop_target is not None  # still aiming at the rows now under the card
    qtbot.keyClick(view, Qt.Key.Key_Escape)


def test_after_esc_the_held_button_neither_selects_nor_books_what_it_passes_over(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    free = cell(tab, time(11))
    qtbot.mouseMove(view.viewport(), pos=_centre(view, free))
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(free).center())
    assert tab.selected_appointment() is not None and tab.selected_appointment().patient_name == "Asha PatA0"
    assert tab.booking_dialog is None and tab.move_box is None


def test_another_button_while_a_card_is_held_cancels_the_drag(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    target = _centre(view, cell(tab, time(10)))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.RightButton, pos=target)
    assert not view.dragging and view.drop_target is None
    assert view.viewport().cursor().shape() != Qt.CursorShape.ClosedHandCursor
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.RightButton, pos=target)
    qtbot.mouseRelease(view.viewport(), LEFT, pos=target)
    assert tab.move_box is None and tab.booking_dialog is None


def test_letting_go_outside_the_grid_moves_nothing(qtbot, clinic, tab, runner, nine):
    services, doctor, _patients = clinic
    booked, view = nine, tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    below = QPoint(view.viewport().width() // 2, view.viewport().height() + 30)
    qtbot.mouseMove(view.viewport(), pos=below)
    assert view.drop_target is None
    qtbot.mouseRelease(view.viewport(), LEFT, pos=below)
    assert tab.move_box is None
    assert services.scheduling.get(booked.id).local_start == at(9)


def test_a_change_from_another_desk_is_shown_after_the_card_is_dropped_not_under_it(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    reloads: list[bool] = []
    tab.day_model.modelReset.connect(lambda: reloads.append(True))
    tab._live_timer.timeout.emit()  # noqa: SLF001 - as the live-update timer fires after another desk's change
    wait_idle(qtbot, runner)
    assert reloads == [] and view.dragging
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    qtbot.mouseRelease(view.viewport(), LEFT, pos=view.visualRect(cell(tab, time(10))).center())
    qtbot.waitUntil(lambda: reloads != [], timeout=5000)  # the postponed reload runs once it is let go


def test_when_the_grid_scrolls_under_a_held_card_the_ghost_follows_the_pointer(qtbot, clinic, tab, runner, nine):
    view = tab.day_view
    press_and_move(qtbot, view, cell(tab, time(9)), cell(tab, time(10)))
    before = view.drop_target
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() + 3 * view.rowHeight(0))  # as Qt's own scrolling to the pressed cell does
    after = view.drop_target
    assert after is not None and after.starts_at > before.starts_at
    qtbot.keyClick(view, Qt.Key.Key_Escape)
