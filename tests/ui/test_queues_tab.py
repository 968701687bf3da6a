"""The Doctor's day tab, driven with real clicks, on SQLite and PostgreSQL.

The clinic's clock is fixed (tests/services/conftest.py): Monday 7 January 2030, 07:00 in Kolkata,
so every appointment of the day is still ahead and "today" never depends on when the tests run.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QWidget

from hms_desktop.services.change_feed import ScheduleChange
from hms_desktop.ui.common.live_updates import ScheduleWatcher
from hms_desktop.ui.patients.patient_dialog import PatientDialog
from hms_desktop.ui.queues.notices import notice_text
from hms_desktop.ui.queues.queue_model import (
    ARRIVED,
    HEADERS,
    PATIENT,
    STATUS,
    TIME,
    TOKEN,
    WAITING,
    AppointmentRole,
    QueueModel,
    WaitingMinutesRole,
    day_order,
)
from hms_desktop.ui.queues.queues_tab import WAITING_REFRESH_MS, QueuesTab, day_heading
from hms_desktop.ui.queues.reject_dialog import RejectDialog
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import KOLKATA, TODAY, at, fix_clock, make_doctor, make_patients
from tests.ui.widget_helpers import named_box, open_dialog

# --- set-up ----------------------------------------------------------------------------------


class Clinic:
    """A doctor linked to the account 'drpriya', four patients booked at 09:00, 09:15, 09:30, 10:00."""

    def __init__(self, services) -> None:
        self.svc = services
        fix_clock(services)
        add_staff(services, "drpriya", "doctor")
        add_staff(services, "rita", "receptionist")
        add_staff(services, "nina", "nurse")
        self.staff = {m.username: m for m in services.staff.list()}
        self.doctor = make_doctor(services, staff_account_id=self.staff["drpriya"].id)
        self.patients = make_patients(services, 6)
        self.appointments = [
            services.scheduling.book(pid, self.doctor.id, at(h, m), reason=reason)
            for pid, (h, m), reason in zip(
                self.patients, [(9, 0), (9, 15), (9, 30), (10, 0)], ["Fever", "Follow-up of BP", "Cough", "Rash"],
                strict=False,
            )
        ]

    def sign_in(self, username: str):  # noqa: ANN201
        return self.svc.auth.sign_in(username, STAFF_PASSWORD)

    def desk(self, username: str = "admin"):  # noqa: ANN201
        """Another workstation (the front desk), on the same fixed clock."""
        other = second_desk(self.svc) if username == "admin" else second_desk(self.svc, username, STAFF_PASSWORD)
        fix_clock(other)
        return other


@pytest.fixture
def clinic(services) -> Clinic:
    return Clinic(services)


def make_tab(qtbot, clinic: Clinic, runner, username: str | None = "drpriya", watcher=None) -> QueuesTab:
    user = clinic.sign_in(username) if username else clinic.svc.auth.current
    tab = QueuesTab(clinic.svc, runner, user, watcher)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    return tab


@pytest.fixture
def watcher(qtbot, services):
    """A started ScheduleWatcher; the test waits until its feed is listening before changing anything."""
    listening = threading.Event()

    def open_feed():  # noqa: ANN202
        feed = services.scheduling.open_change_feed()
        listening.set()
        return feed

    live = ScheduleWatcher(open_feed)
    live.listening = listening
    yield live
    live.stop()


def start(qtbot, watcher: ScheduleWatcher) -> None:
    watcher.start()
    qtbot.waitUntil(watcher.listening.is_set, timeout=10_000)


def names(tab: QueuesTab) -> list[str]:
    return [tab.model.index(row, PATIENT).data() for row in range(tab.model.rowCount())]


def cell(tab: QueuesTab, name: str, column: int) -> str:
    return tab.model.index(names(tab).index(name), column).data()


def click_row(qtbot, tab: QueuesTab, name: str) -> None:
    row = names(tab).index(name)
    rect = tab.table.visualRect(tab.model.index(row, PATIENT))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected_record().patient_name == name


def click(qtbot, button: QPushButton) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)






def status_of(clinic: Clinic, index: int) -> str:
    return clinic.svc.scheduling.get(clinic.appointments[index].id).status


# --- the model ---------------------------------------------------------------------------------


def test_model_passes_qtmodeltester_and_orders_walk_ins_by_arrival(qtmodeltester, clinic):
    svc, appts = clinic.svc, clinic.appointments
    fix_clock(svc, at(8, 40))
    svc.visits.check_in(appts[2].id)
    fix_clock(svc, at(8, 50))
    svc.visits.check_in(appts[0].id)
    svc.scheduling.add_walk_in(clinic.patients[4], clinic.doctor.id, reason="Cut finger")
    fix_clock(svc, at(9, 5))
    svc.visits.call_next(clinic.doctor.id)  # the 09:30 patient, who arrived first
    rows = svc.scheduling.doctor_day(clinic.doctor.id, TODAY)

    model = QueueModel(now=lambda: at(9, 5))
    model.set_rows(rows)
    qtmodeltester.check(model, force_py=True)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "Time", "Token", "Patient", "Reason", "Status", "Arrived", "Waiting"
    ]
    assert len(HEADERS) == 7
    assert model.index(0, TIME).data(AppointmentRole).id == appts[0].id
    assert model.index(0, TIME).data() == "09:00"
    statuses = [model.index(r, STATUS).data() for r in range(model.rowCount())]
    assert statuses[:3] == ["Checked in · next", "Confirmed", "With doctor"]  # next: arrived first
    walk_in = next(r for r in range(model.rowCount()) if "walk-in" in model.index(r, TIME).data())
    assert model.index(walk_in, TOKEN).data() == "3" and model.index(walk_in, ARRIVED).data() == "08:50"
    counts = model.counts()
    assert (counts.booked, counts.waiting, counts.with_doctor, counts.seen) == (5, 2, 1, 0)
    assert model.first_waiting().id == appts[0].id  # checked in at 08:50, before the walk-in
    walk_in_record = model.index(walk_in, TIME).data(AppointmentRole)
    # Once the first is called, the marker moves on to the walk-in.
    model.update_record(replace(model.first_waiting(), status="with_doctor"))
    assert model.first_waiting().id == walk_in_record.id
    assert model.index(walk_in, STATUS).data() == "Checked in · next"
    assert model.index(0, STATUS).data() == "With doctor"


def test_day_order_lists_walk_ins_in_arrival_order_in_the_places_their_times_give_them(clinic):
    base = clinic.svc.scheduling.get(clinic.appointments[0].id)
    booked_10 = replace(base, id=1, starts_at=at(10).astimezone(UTC), kind="scheduled")
    late_arrival_early_gap = replace(base, id=2, starts_at=at(9).astimezone(UTC), kind="walk_in",
                                     arrived_at=at(9, 40).astimezone(UTC))
    early_arrival = replace(base, id=3, starts_at=at(11).astimezone(UTC), kind="walk_in",
                            arrived_at=at(8, 30).astimezone(UTC))
    assert [r.id for r in day_order([booked_10, late_arrival_early_gap, early_arrival])] == [3, 1, 2]


def test_waiting_column_counts_minutes_since_arrival_by_the_injected_clock(qtbot, clinic):
    svc, appts = clinic.svc, clinic.appointments
    fix_clock(svc, at(8, 40))
    svc.visits.check_in(appts[1].id)
    now = [at(8, 52)]
    model = QueueModel(now=lambda: now[0])
    model.set_rows(svc.scheduling.doctor_day(clinic.doctor.id, TODAY))
    row = model.row_of(appts[1].id)
    assert model.index(row, WAITING).data() == "12 min"
    assert model.index(row, WAITING).data(WaitingMinutesRole) == 12
    assert model.index(model.row_of(appts[0].id), WAITING).data() == ""  # not arrived: not waiting
    now[0] = at(9, 25)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.tick()
    assert changed.args[0].column() == WAITING and changed.args[1].column() == WAITING
    assert model.index(row, WAITING).data() == "45 min"
    assert model.index(row, WAITING).data(Qt.ItemDataRole.ForegroundRole) is not None  # a long wait shows red


def test_tab_waiting_column_follows_the_clock_on_a_timer_without_a_database_call(qtbot, clinic, runner):
    clinic.desk().visits.check_in(clinic.appointments[0].id)  # arrives at 07:00
    tab = make_tab(qtbot, clinic, runner)
    assert tab.waiting_timer.isActive() and tab.waiting_timer.interval() == WAITING_REFRESH_MS == 30_000
    name = tab.model.record(0).patient_name
    assert cell(tab, name, WAITING) == "0 min"
    fix_clock(clinic.svc, at(7, 18))
    tab.waiting_timer.timeout.emit()
    assert not runner.busy  # the timer asked nobody
    assert cell(tab, name, WAITING) == "18 min"
    # Past midnight the same tick notices the new day and loads it.
    fix_clock(clinic.svc, at(7, day=TODAY + timedelta(days=1)))
    tab.waiting_timer.timeout.emit()
    wait_idle(qtbot, runner)
    assert tab.day == TODAY + timedelta(days=1) and tab.model.rowCount() == 0
    assert tab.heading.text() == "Dr Priya Nair — Tuesday 8 January: 0 booked, 0 waiting, 0 seen"


def test_notice_texts():
    base = ScheduleChange("checked_in", 1, TODAY, 5)
    now = datetime(2030, 1, 7, 10, 45, tzinfo=KOLKATA)

    class Rec:
        patient_name = "Asha Rao"
        arrived_at = datetime(2030, 1, 7, 5, 12, tzinfo=UTC)  # 10:42 in Kolkata
        token = 4
        local_start = datetime(2030, 1, 7, 11, 30, tzinfo=KOLKATA)

    assert notice_text(base, Rec, now) == "10:42 Asha Rao arrived (token 4)"
    assert notice_text(replace(base, kind="booked"), Rec, now) == "10:45 New booking 11:30 Asha Rao"
    assert notice_text(replace(base, kind="cancelled"), Rec, now) == "10:45 Asha Rao cancelled 11:30"
    assert notice_text(replace(base, kind="walk_in"), Rec, now) == "10:42 Walk-in: Asha Rao, token 4"
    assert notice_text(replace(base, kind="status"), Rec, now) is None
    assert notice_text(base, None, now) is None
    assert day_heading("Priya Nair", TODAY, 12, 3, 5) == "Dr Priya Nair — Monday 7 January: 12 booked, 3 waiting, 5 seen"
    assert day_heading("Dr. Li", TODAY, 0, 0, 0).startswith("Dr. Li — ")


# --- what a doctor sees --------------------------------------------------------------------------


def test_doctor_sees_todays_list_in_time_order(qtbot, clinic, runner):
    tab = make_tab(qtbot, clinic, runner)
    assert tab.doctor_picker is None  # a doctor sees their own list
    assert tab.doctor.id == clinic.doctor.id
    assert [tab.model.index(r, TIME).data() for r in range(4)] == ["09:00", "09:15", "09:30", "10:00"]
    assert [tab.model.index(r, STATUS).data() for r in range(4)] == ["Confirmed"] * 4
    assert tab.heading.text() == "Dr Priya Nair — Monday 7 January: 4 booked, 0 waiting, 0 seen"
    assert "East wing" in tab.subheading.text()
    # Nothing selected, nobody waiting: nothing to do yet but look.
    assert not tab.call_next_button.isEnabled()
    assert not any(b.isEnabled() for b in (tab.start_button, tab.complete_button, tab.no_show_button))
    click_row(qtbot, tab, names(tab)[0])
    assert tab.reject_button.isEnabled() and tab.open_patient_button.isEnabled()
    assert not tab.no_show_button.isEnabled()  # the front desk marks no-shows


def test_an_unlinked_doctor_account_is_told_plainly(qtbot, clinic, runner):
    add_staff(clinic.svc, "drnew", "doctor")
    tab = make_tab(qtbot, clinic, runner, "drnew")
    assert tab.problem.isVisible()
    assert "not linked to a doctor profile" in tab.problem.text() and "drnew" in tab.problem.text()
    assert tab.model.rowCount() == 0 and tab.doctor is None
    assert not tab.call_next_button.isEnabled()


def test_check_in_at_another_desk_updates_the_list_and_notifies_live(qtbot, clinic, runner, watcher):
    other = make_doctor(clinic.svc, "Dr Arjun Rao")
    start(qtbot, watcher)
    tab = make_tab(qtbot, clinic, runner, watcher=watcher)
    desk = clinic.desk("rita")
    first = clinic.appointments[0]
    try:
        with qtbot.waitSignal(tab.notify, timeout=10_000) as note:
            desk.visits.check_in(first.id)
        name = desk.scheduling.get(first.id).patient_name
        assert note.args == [f"07:00 {name} arrived (token 1)"]
        qtbot.waitUntil(lambda: cell(tab, name, STATUS) == "Checked in · next")
        assert cell(tab, name, ARRIVED) == "07:00" and cell(tab, name, TOKEN) == "1"
        assert tab.notices.texts() == [note.args[0]]
        assert "1 waiting" in tab.heading.text()
        assert tab.call_next_button.isEnabled()

        # A new booking, a cancellation and a walk-in, each announced.
        booked = desk.scheduling.book(clinic.patients[4], clinic.doctor.id, at(11, 30))
        qtbot.waitUntil(lambda: booked.patient_name in names(tab), timeout=10_000)
        qtbot.waitUntil(lambda: len(tab.notices.texts()) == 2, timeout=10_000)
        assert tab.notices.texts()[0] == f"07:00 New booking 11:30 {booked.patient_name}"
        cancelled = desk.visits.cancel(clinic.appointments[2].id, "Feeling better")
        qtbot.waitUntil(lambda: cancelled.patient_name not in names(tab), timeout=10_000)
        qtbot.waitUntil(lambda: len(tab.notices.texts()) == 3, timeout=10_000)
        assert tab.notices.texts()[0] == f"07:00 {cancelled.patient_name} cancelled 09:30"
        walk_in = desk.scheduling.add_walk_in(clinic.patients[5], clinic.doctor.id, reason="Sprain")
        qtbot.waitUntil(lambda: len(tab.notices.texts()) == 4, timeout=10_000)
        assert tab.notices.texts()[0] == f"07:00 Walk-in: {walk_in.appointment.patient_name}, token 2"
        assert walk_in.appointment.patient_name in names(tab)
        assert tab.heading.text().endswith("5 booked, 2 waiting, 0 seen")

        # Another doctor's day is not this list's business: only the later booking for ours is announced.
        desk.scheduling.book(clinic.patients[3], other.id, at(11))
        mine = desk.scheduling.book(clinic.patients[2], clinic.doctor.id, at(12))
        qtbot.waitUntil(lambda: len(tab.notices.texts()) >= 5, timeout=10_000)
        wait_idle(qtbot, runner)
        assert tab.notices.texts()[0] == f"07:00 New booking 12:00 {mine.patient_name}"
        assert len(tab.notices.texts()) == 5
        # A resync reloads silently.
        watcher.changed.emit([ScheduleChange("resync")])
        wait_idle(qtbot, runner)
        assert len(tab.notices.texts()) == 5
    finally:
        desk.close()


def test_call_next_picks_the_earliest_checked_in_and_selects_them(qtbot, clinic, runner):
    desk = clinic.desk("rita")
    try:
        fix_clock(desk, at(8, 40))
        desk.visits.check_in(clinic.appointments[2].id)  # the 09:30 patient arrives first
        fix_clock(desk, at(8, 50))
        desk.visits.check_in(clinic.appointments[1].id)
    finally:
        desk.close()
    fix_clock(clinic.svc, at(9))
    tab = make_tab(qtbot, clinic, runner)
    first = clinic.svc.scheduling.get(clinic.appointments[2].id)
    assert cell(tab, first.patient_name, WAITING) == "20 min"

    click(qtbot, tab.call_next_button)
    wait_idle(qtbot, runner)
    assert status_of(clinic, 2) == "with_doctor" and status_of(clinic, 1) == "checked_in"
    assert tab.selected_record().id == first.id
    assert cell(tab, first.patient_name, STATUS) == "With doctor"
    assert tab.notice.text() == f"Called token 1: {first.patient_name} (waited 20 min)."
    assert f"Now seeing {first.patient_name}" in tab.subheading.text()
    # Someone is with the doctor: call next waits until that visit is complete.
    assert not tab.call_next_button.isEnabled()
    assert "Complete the visit" in tab.call_next_button.toolTip()


def test_start_and_complete_a_visit(qtbot, clinic, runner):
    desk = clinic.desk("rita")
    try:
        desk.visits.check_in(clinic.appointments[1].id)
    finally:
        desk.close()
    tab = make_tab(qtbot, clinic, runner)
    name = clinic.svc.scheduling.get(clinic.appointments[1].id).patient_name
    click_row(qtbot, tab, name)
    assert tab.start_button.isEnabled() and not tab.complete_button.isEnabled()
    click(qtbot, tab.start_button)
    wait_idle(qtbot, runner)
    assert status_of(clinic, 1) == "with_doctor"
    assert cell(tab, name, STATUS) == "With doctor" and tab.selected_record().patient_name == name
    assert tab.complete_button.isEnabled() and not tab.start_button.isEnabled()

    click(qtbot, tab.complete_button)
    wait_idle(qtbot, runner)
    assert status_of(clinic, 1) == "completed"
    assert cell(tab, name, STATUS) == "Completed"
    assert tab.heading.text().endswith("4 booked, 0 waiting, 1 seen")
    assert tab.notice.text() == f"Completed the visit with {name}."
    assert not tab.complete_button.isEnabled()


def test_front_desk_picks_a_doctor_and_marks_a_no_show(qtbot, clinic, runner):
    other = make_doctor(clinic.svc, "Dr Arjun Rao", location="West wing")
    clinic.svc.scheduling.book(clinic.patients[5], other.id, at(9))
    tab = make_tab(qtbot, clinic, runner, "rita")
    picker = tab.doctor_picker
    assert picker is not None and picker.count() == 2
    assert tab.doctor.id == other.id  # doctors are listed by name: Arjun before Priya
    assert tab.model.rowCount() == 1
    picker.setCurrentIndex(1)
    wait_idle(qtbot, runner)
    assert tab.doctor.id == clinic.doctor.id and tab.model.rowCount() == 4
    assert tab.heading.text().startswith("Dr Priya Nair — ")

    name = clinic.svc.scheduling.get(clinic.appointments[3].id).patient_name
    click_row(qtbot, tab, name)
    # A receptionist watches the queue and marks no-shows; the visit itself is the doctor's.
    assert not tab.start_button.isEnabled() and not tab.reject_button.isEnabled()
    assert "Only the doctor" in tab.reject_button.toolTip()
    click(qtbot, tab.no_show_button)
    box = named_box(qtbot, tab, "confirmNoShow")
    assert name in box.text()
    qtbot.mouseClick(box.findChild(QWidget, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert status_of(clinic, 3) == "no_show"
    assert cell(tab, name, STATUS) == "No-show"
    assert "1 no-show" in tab.subheading.text()
    assert not tab.no_show_button.isEnabled()


def test_doctor_rejects_with_a_reason(qtbot, clinic, runner):
    tab = make_tab(qtbot, clinic, runner)
    name = clinic.svc.scheduling.get(clinic.appointments[2].id).patient_name
    click_row(qtbot, tab, name)
    click(qtbot, tab.reject_button)
    dialog = open_dialog(qtbot, tab, RejectDialog)
    assert not dialog.reject_button.isEnabled()  # a reason is required
    qtbot.keyClicks(dialog.reason, "Needs a dermatologist")
    click(qtbot, dialog.reject_button)
    wait_idle(qtbot, runner)
    record = clinic.svc.scheduling.get(clinic.appointments[2].id)
    assert (record.status, record.status_reason) == ("rejected", "Needs a dermatologist")
    assert name not in names(tab)  # rejected appointments leave the day list
    assert "Rejected the 09:30 appointment" in tab.notice.text()


def test_illegal_action_shows_the_service_message_and_changes_nothing(qtbot, clinic, runner):
    tab = make_tab(qtbot, clinic, runner)  # no watcher: the list goes stale
    name = clinic.svc.scheduling.get(clinic.appointments[0].id).patient_name
    click_row(qtbot, tab, name)
    assert not tab.complete_button.isEnabled()
    # Even if asked (a stale button, a keyboard shortcut), the service refuses and says why.
    tab.complete_selected()
    wait_idle(qtbot, runner)
    box = named_box(qtbot, tab, "hmsMessage")
    assert "A confirmed appointment cannot be marked completed" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert status_of(clinic, 0) == "confirmed"
    assert cell(tab, name, STATUS) == "Confirmed"

    # The front desk checks in and then cancels the 09:15 patient; this desk still shows "Confirmed".
    desk = clinic.desk()
    try:
        desk.visits.check_in(clinic.appointments[1].id)
        tab.refresh()
        wait_idle(qtbot, runner)
        other = desk.scheduling.get(clinic.appointments[1].id).patient_name
        desk.visits.cancel(clinic.appointments[1].id, "Left without being seen", by="patient")
    finally:
        desk.close()
    click_row(qtbot, tab, other)
    click(qtbot, tab.start_button)
    wait_idle(qtbot, runner)
    box = named_box(qtbot, tab, "hmsMessage")
    assert box.windowTitle() == "Changed by someone else" and "another desk changed this appointment" in box.text()
    assert status_of(clinic, 1) == "cancelled"
    assert other not in names(tab)  # the list now shows the truth
    assert tab.heading.text().endswith("3 booked, 0 waiting, 0 seen")


def test_open_patient_record_editable_for_a_doctor_read_only_for_others(qtbot, clinic, runner):
    tab = make_tab(qtbot, clinic, runner)
    name = names(tab)[0]
    click_row(qtbot, tab, name)
    click(qtbot, tab.open_patient_button)
    dialog = open_dialog(qtbot, tab, PatientDialog)
    assert dialog.record.id == clinic.patients[0] and dialog.save_button.isVisible()
    dialog.reject()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed and deleted
    assert tab.dialogs == []

    # A user who may view but not edit patients gets the record read-only.
    user = replace(clinic.svc.auth.current, permissions=clinic.svc.auth.current.permissions - {
        p for p in clinic.svc.auth.current.permissions if p.value == "patient.edit"
    })
    viewer = QueuesTab(clinic.svc, runner, user)
    qtbot.addWidget(viewer)
    viewer.show()
    viewer.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, viewer, name)
    qtbot.mouseDClick(viewer.table.viewport(), Qt.MouseButton.LeftButton,
                      pos=viewer.table.visualRect(viewer.model.index(0, PATIENT)).center())
    dialog = open_dialog(qtbot, viewer, PatientDialog)
    assert not dialog.save_button.isVisible()
    assert dialog.findChild(QLineEdit, "given_name").isReadOnly()


def test_nurse_watches_but_cannot_act(qtbot, clinic, runner):
    desk = clinic.desk("rita")
    try:
        desk.visits.check_in(clinic.appointments[0].id)
    finally:
        desk.close()
    tab = make_tab(qtbot, clinic, runner, "nina")
    assert tab.doctor_picker is not None and tab.doctor.id == clinic.doctor.id
    click_row(qtbot, tab, names(tab)[0])
    assert not any(
        b.isEnabled() for b in (tab.call_next_button, tab.start_button, tab.complete_button,
                                tab.no_show_button, tab.reject_button)
    )
    assert tab.open_patient_button.isEnabled()

