"""A doctor's weekly hours, leave and holidays, edited in the availability dialog with real clicks and
keys, on SQLite and PostgreSQL. The clock is fixed at Monday 2030-01-07 07:00 in Kolkata."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from hms_desktop.services.errors import PermissionDenied
from hms_desktop.services.scheduling import AppointmentRecord, ExceptionRecord, SessionInput
from hms_desktop.ui.availability.availability_dialog import AvailabilityDialog
from hms_desktop.ui.availability.displaced_table_model import (
    PATIENT,
    WHEN,
    AppointmentRole,
    DisplacedTableModel,
)
from hms_desktop.ui.availability.exception_table_model import (
    FROM,
    KIND,
    REASON,
    TO,
    ExceptionRole,
    ExceptionTableModel,
)
from hms_desktop.ui.availability.schedule_fields import parse_time
from hms_desktop.ui.doctors.doctor_table_model import NAME
from hms_desktop.ui.doctors.doctors_tab import DoctorsTab
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import at, fix_clock, make_doctor, make_patients
from tests.ui.widget_helpers import named_box

KOLKATA = ZoneInfo("Asia/Kolkata")
MONDAY, TUESDAY = 0, 1


@pytest.fixture
def clock(services):
    fix_clock(services)
    return services


def open_hours(qtbot, services, runner, doctor, user=None) -> AvailabilityDialog:
    dialog = AvailabilityDialog(services.availability, runner, user or services.auth.current, doctor)
    qtbot.addWidget(dialog)
    dialog.resize(900, 760)
    dialog.show()
    wait_idle(qtbot, runner)
    assert dialog.loaded
    return dialog


def retype(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)




def template(services, doctor_id: int) -> list[tuple[int, time, time, int]]:
    return [(s.weekday, s.start, s.end, s.slot_minutes) for s in services.availability.weekly_template(doctor_id)]


# --- pieces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed,expected",
    [("9", time(9)), ("09", time(9)), ("930", time(9, 30)), ("0930", time(9, 30)), ("9:30", time(9, 30)),
     ("14.45", time(14, 45)), (" 23:59 ", time(23, 59)), ("0", time(0)), ("24:00", None), ("9:75", None),
     ("noon", None), ("", None), ("12345", None)],
)
def test_times_are_read_the_way_people_type_them(typed, expected):
    assert parse_time(typed) == expected


def _appointment(i: int, start: datetime) -> AppointmentRecord:
    return AppointmentRecord(
        id=i, patient_id=i, patient_name=f"Asha Rao {i}", patient_mrn=f"0000000{i}", doctor_id=1,
        doctor_name="Dr Priya Nair", location="Room 1", starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(minutes=15)).astimezone(UTC), local_start=start,
        local_end=start + timedelta(minutes=15), local_day=start.date(), status="confirmed", kind="scheduled",
        reason="Fever" if i == 1 else "", token=None, arrived_at=None, called_at=None, completed_at=None,
        cancelled_by="", status_reason="", version=1,
    )


def test_exception_and_displaced_models_pass_qtmodeltester(qtmodeltester):
    leave = ExceptionRecord(1, 1, "leave", at(0, day=date(2030, 1, 9)).astimezone(UTC),
                            at(0, day=date(2030, 1, 11)).astimezone(UTC), date(2030, 1, 9), date(2030, 1, 10), "")
    block = ExceptionRecord(2, 1, "blocked", at(14).astimezone(UTC), at(15, 30).astimezone(UTC), None, None, "Surgery")
    holiday = ExceptionRecord(3, None, "holiday", at(0, day=date(2030, 1, 26)).astimezone(UTC),
                              at(0, day=date(2030, 1, 27)).astimezone(UTC), date(2030, 1, 26), date(2030, 1, 26),
                              "Republic Day")
    model = ExceptionTableModel(zone=KOLKATA)
    model.set_rows([leave, block, holiday])
    qtmodeltester.check(model)
    assert [model.index(r, KIND).data() for r in range(3)] == ["Leave", "Blocked", "Clinic holiday"]
    assert (model.index(0, FROM).data(), model.index(0, TO).data()) == ("Wed 09 Jan 2030", "Thu 10 Jan 2030")
    assert (model.index(1, FROM).data(), model.index(1, TO).data()) == ("Mon 07 Jan 2030 14:00", "15:30")
    assert model.index(2, REASON).data() == "Republic Day"
    assert model.index(2, KIND).data(ExceptionRole) is holiday

    displaced = DisplacedTableModel()
    displaced.set_rows([_appointment(2, at(16)), _appointment(1, at(10))])
    qtmodeltester.check(displaced)
    assert displaced.index(0, WHEN).data() == "Mon 07 Jan 2030 10:00–10:15"  # earliest first
    assert displaced.index(0, PATIENT).data() == "Asha Rao 1"
    assert displaced.index(1, PATIENT).data(AppointmentRole).id == 2


# --- weekly hours ------------------------------------------------------------------------------


def test_add_two_sessions_on_a_weekday_and_save(qtbot, clock, runner):
    services = clock
    doctor = make_doctor(services, sessions=[])
    dialog = open_hours(qtbot, services, runner, doctor)
    tuesday = dialog.editor.days[TUESDAY]
    assert tuesday.summary.text() == "Not working"
    assert not dialog.save_template_button.isEnabled()  # nothing to save yet

    click(qtbot, tuesday.add_button)
    click(qtbot, tuesday.add_button)
    first, second = tuesday.rows
    assert (first.start.text(), first.end.text()) == ("09:00", "13:00")
    assert (second.start.text(), second.end.text()) == ("14:00", "17:00")  # an hour after the first
    retype(qtbot, first.end, "1230")
    retype(qtbot, second.end, "18.30")
    retype(qtbot, second.slot_minutes, "20")
    assert second.count.text() == "13 in all"  # "in 15 min slots: 13 in all", not "slots 13 slots"
    assert tuesday.summary.text() == "2 sessions, 8 h"
    assert dialog.template_status.text() == "Unsaved changes."

    click(qtbot, dialog.save_template_button)
    wait_idle(qtbot, runner)
    assert template(services, doctor.id) == [
        (TUESDAY, time(9), time(12, 30), 15), (TUESDAY, time(14), time(18, 30), 20),
    ]
    assert dialog.template_status.text() == "Saved the weekly hours."
    assert not dialog.editor.dirty and not dialog.save_template_button.isEnabled()
    assert [r.end.text() for r in dialog.editor.days[TUESDAY].rows] == ["12:30", "18:30"]
    assert not dialog.displaced_box.isVisible()
    # Tuesday 8 January now has bookable slots.
    assert services.scheduling.free_slots(doctor.id, date(2030, 1, 8))[0].local_start.time() == time(9)


def test_mistakes_are_shown_next_to_the_session(qtbot, clock, runner):
    services = clock
    doctor = make_doctor(services, sessions=[SessionInput(MONDAY, time(9), time(12), 15)])
    dialog = open_hours(qtbot, services, runner, doctor)
    monday = dialog.editor.days[MONDAY]
    assert [(r.start.text(), r.end.text()) for r in monday.rows] == [("09:00", "12:00")]

    click(qtbot, monday.add_button)
    retype(qtbot, monday.rows[1].start, "11:00")  # overlaps 09:00-12:00
    retype(qtbot, monday.rows[1].end, "14:00")
    wednesday = dialog.editor.days[2]
    click(qtbot, wednesday.add_button)
    retype(qtbot, wednesday.rows[0].start, "15:00")
    retype(qtbot, wednesday.rows[0].end, "10:00")  # ends before it starts
    click(qtbot, dialog.save_template_button)
    wait_idle(qtbot, runner)
    assert "overlap" in monday.error.text() and monday.error.isVisible()
    assert "must end after" in wednesday.rows[0].error.text() and wednesday.rows[0].error.isVisible()
    assert "Nothing was saved" in dialog.template_status.text()
    assert template(services, doctor.id) == [(MONDAY, time(9), time(12), 15)]

    # An unreadable time is caught before anything is sent.
    retype(qtbot, wednesday.rows[0].end, "25:00")
    click(qtbot, dialog.save_template_button)
    assert "HH:MM" in wednesday.rows[0].error.text()
    assert not monday.error.isVisible()
    assert not runner.busy

    # Up and Down step a time by a quarter of an hour.
    retype(qtbot, wednesday.rows[0].end, "17:00")
    qtbot.keyClick(wednesday.rows[0].end, Qt.Key.Key_Up)
    assert wednesday.rows[0].end.text() == "17:15"
    click(qtbot, monday.rows[1].remove_button)
    click(qtbot, dialog.save_template_button)
    wait_idle(qtbot, runner)
    assert template(services, doctor.id) == [(MONDAY, time(9), time(12), 15), (2, time(15), time(17, 15), 15)]


def test_a_change_that_displaces_a_booked_appointment_lists_it_for_rebooking(qtbot, clock, runner):
    services = clock
    doctor = make_doctor(services)  # every day 09:00-12:30 and 16:00-19:00
    (patient,) = make_patients(services, 1)
    booked = services.scheduling.book(patient, doctor.id, at(10))  # this Monday 10:00
    dialog = open_hours(qtbot, services, runner, doctor)
    assert not dialog.displaced_box.isVisible()

    monday = dialog.editor.days[MONDAY]
    assert [r.start.text() for r in monday.rows] == ["09:00", "16:00"]
    retype(qtbot, monday.rows[0].start, "11:00")  # the morning now starts after the booking
    click(qtbot, dialog.save_template_button)
    wait_idle(qtbot, runner)

    assert dialog.displaced_box.isVisible()
    assert "now falls outside" in dialog.displaced_notice.text()
    assert "rebook it" in dialog.displaced_notice.text()
    assert dialog.displaced_model.rowCount() == 1
    assert dialog.displaced_model.index(0, PATIENT).data() == booked.patient_name
    assert dialog.displaced_model.index(0, WHEN).data() == "Mon 07 Jan 2030 10:00–10:15"
    assert "1 booked appointment no longer fit" in dialog.template_status.text()
    # Listed, not dropped: the appointment is still booked as it was.
    assert services.scheduling.get(booked.id).status == "confirmed"

    # Opened again later, the dialog still lists it until it is moved.
    again = open_hours(qtbot, services, runner, doctor)
    assert again.displaced_box.isVisible() and again.displaced_model.rowCount() == 1


# --- leave, blocks, holidays -------------------------------------------------------------------


def test_add_leave_then_remove_it(qtbot, clock, runner):
    services = clock
    doctor = make_doctor(services)
    (patient,) = make_patients(services, 1)
    booked = services.scheduling.book(patient, doctor.id, at(9, day=date(2030, 1, 10)))
    dialog = open_hours(qtbot, services, runner, doctor)
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # "&Leave and holidays"
    assert dialog.tabs.currentIndex() == 1
    assert dialog.kind.currentData() == "leave"
    assert dialog.first_day.text() == "2030-01-07"  # the clinic's today

    retype(qtbot, dialog.first_day, "09/01/2030")
    assert dialog.first_hint.text() == "Wednesday 09 Jan"
    retype(qtbot, dialog.last_day, "2030-01-10")
    qtbot.keyClicks(dialog.reason, "Conference")
    click(qtbot, dialog.add_exception_button)
    wait_idle(qtbot, runner)

    leave = services.availability.exceptions(doctor.id, date(2030, 1, 1), date(2030, 2, 1))
    assert [(x.kind, x.first_day, x.last_day, x.reason) for x in leave] == [
        ("leave", date(2030, 1, 9), date(2030, 1, 10), "Conference"),
    ]
    assert dialog.exceptions_model.rowCount() == 1
    assert dialog.exceptions_model.index(0, FROM).data() == "Wed 09 Jan 2030"
    assert "Added: leave" in dialog.exception_status.text()
    assert "1 booked appointment(s)" in dialog.exception_status.text()
    # The Thursday appointment falls on the leave: listed for rebooking.
    assert dialog.displaced_model.rowCount() == 1
    assert dialog.displaced_model.index(0, PATIENT).data(AppointmentRole).id == booked.id

    # The last day cannot come before the first: shown next to the field.
    retype(qtbot, dialog.first_day, "2030-01-20")
    retype(qtbot, dialog.last_day, "2030-01-19")
    click(qtbot, dialog.add_exception_button)
    wait_idle(qtbot, runner)
    assert "before the first day" in dialog.errors.text("last_day")

    # A blocked afternoon needs a reason.
    dialog.kind.setFocus()
    qtbot.keyClicks(dialog.kind, "Bl")
    assert dialog.kind.currentData() == "blocked" and dialog.block_from.isVisible()
    retype(qtbot, dialog.first_day, "2030-01-08")
    retype(qtbot, dialog.block_from, "16:00")
    retype(qtbot, dialog.block_to, "17:30")
    click(qtbot, dialog.add_exception_button)
    wait_idle(qtbot, runner)
    assert "reason" in dialog.errors.text("reason")
    qtbot.keyClicks(dialog.reason, "Surgery")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert [dialog.exceptions_model.index(r, KIND).data() for r in range(2)] == ["Blocked", "Leave"]
    assert dialog.exceptions_model.index(0, TO).data() == "17:30"

    # Remove the leave (after confirming): the appointment fits again.
    row = 1
    rect = dialog.exceptions_table.visualRect(dialog.exceptions_model.index(row, KIND))
    qtbot.mouseClick(dialog.exceptions_table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.selected_exception().kind == "leave"
    click(qtbot, dialog.remove_button)
    box = named_box(qtbot, dialog, "confirmRemoveException")
    click(qtbot, box.findChild(QWidget, "confirmYes"))
    wait_idle(qtbot, runner)
    assert [x.kind for x in services.availability.exceptions(doctor.id, date(2030, 1, 1), date(2030, 2, 1))] == [
        "blocked"
    ]
    assert dialog.exceptions_model.rowCount() == 1
    assert not dialog.displaced_box.isVisible()


# --- who may change what -----------------------------------------------------------------------


def test_a_doctor_edits_their_own_hours_but_not_another_doctors(qtbot, clock, runner):
    services = clock
    add_staff(services, "drmeera", "doctor")
    meera_account = next(m.id for m in services.staff.list() if m.username == "drmeera")
    own = make_doctor(services, "Dr Meera Iyer", staff_account_id=meera_account,
                      sessions=[SessionInput(MONDAY, time(9), time(12), 15)])
    other = make_doctor(services, "Dr Kabir Shah", sessions=[SessionInput(MONDAY, time(9), time(12), 15)])

    desk = second_desk(services, "drmeera", STAFF_PASSWORD)
    try:
        fix_clock(desk)
        tab = DoctorsTab(desk, runner, desk.auth.current)
        qtbot.addWidget(tab)
        tab.resize(1100, 500)
        tab.show()
        tab.refresh()
        wait_idle(qtbot, runner)
        assert tab.my_hours_button.isVisible()
        assert not tab.add_button.isVisible()

        def select(name: str) -> None:
            row = tab.names().index(name)
            rect = tab.table.visualRect(tab.proxy.index(row, NAME))
            qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

        select("Dr Kabir Shah")
        assert not tab.hours_button.isEnabled()
        assert "only their own" in tab.hours_button.toolTip()
        select("Dr Meera Iyer")
        assert tab.hours_button.isEnabled()

        click(qtbot, tab.my_hours_button)
        qtbot.waitUntil(lambda: any(d.isVisible() for d in tab.findChildren(AvailabilityDialog)))
        dialog = next(d for d in tab.findChildren(AvailabilityDialog) if d.isVisible())
        wait_idle(qtbot, runner)
        assert dialog.doctor.id == own.id and dialog.can_edit
        assert not dialog.read_only_notice.isVisible()
        assert dialog.kind.findData("holiday") == -1  # clinic holidays are an administrator's
        click(qtbot, dialog.editor.days[TUESDAY].add_button)
        click(qtbot, dialog.save_template_button)
        wait_idle(qtbot, runner)
        assert template(services, own.id) == [(MONDAY, time(9), time(12), 15), (TUESDAY, time(9), time(13), 15)]
        dialog.close()

        # Another doctor's hours: read-only here, and the service refuses whatever the screen shows.
        theirs = open_hours(qtbot, desk, runner, desk.doctors.get(other.id), desk.auth.current)
        assert not theirs.can_edit and theirs.read_only_notice.isVisible()
        assert not theirs.save_template_button.isVisible() and not theirs.editor.days[0].add_button.isVisible()
        assert theirs.editor.days[MONDAY].rows[0].start.isReadOnly()
        with pytest.raises(PermissionDenied):
            desk.availability.set_weekly_template(other.id, [])
        with pytest.raises(PermissionDenied):
            desk.availability.add_leave(other.id, date(2030, 1, 9))
        assert template(services, other.id) == [(MONDAY, time(9), time(12), 15)]
    finally:
        wait_idle(qtbot, runner)
        desk.close()
