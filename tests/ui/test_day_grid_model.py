"""The scheduler's grid models: layout of appointments, free slots and blocked time into rows, and
qtmodeltester on hand-made and on real (SQLite and PostgreSQL) data."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from hms_desktop.services.scheduling import AppointmentRecord, DoctorDay, ExceptionRecord, Slot
from hms_desktop.ui.scheduler.day_grid_model import (
    MONDAY,
    SUNDAY,
    AppointmentRole,
    CellKind,
    CellKindRole,
    DayGridModel,
    DayRole,
    DoctorIdRole,
    ExceptionRole,
    NowRole,
    RowSpanRole,
    SlotRole,
    StartsAtRole,
    WeekGridModel,
    grid_step,
)
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients

ZONE = ZoneInfo("Asia/Kolkata")
DAY = date(2030, 1, 7)


def local(hh: int, mm: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZONE)


def appt(id_: int, start: datetime, minutes: int, *, status: str = "confirmed", kind: str = "scheduled",
         doctor_id: int = 1, token: int | None = None, reason: str = "Fever", name: str = "Asha Rao") -> AppointmentRecord:
    end = start + timedelta(minutes=minutes)
    return AppointmentRecord(
        id=id_, patient_id=100 + id_, patient_name=name, patient_mrn=f"0000{id_:04d}", doctor_id=doctor_id,
        doctor_name="Dr Priya Nair", location="Room 12", starts_at=start.astimezone(UTC), ends_at=end.astimezone(UTC),
        local_start=start, local_end=end, local_day=start.date(), status=status, kind=kind, reason=reason,
        token=token, arrived_at=None, called_at=None, completed_at=None, cancelled_by="", status_reason="",
        version=1,
    )


def slot(start: datetime, minutes: int, doctor_id: int = 1) -> Slot:
    end = start + timedelta(minutes=minutes)
    return Slot(doctor_id, start.astimezone(UTC), end.astimezone(UTC), start, end, "Dr Priya Nair", "Room 12")


def column(doctor_id: int = 1, day: date = DAY, *, sessions=None, appointments=(), free=(), exceptions=()) -> DoctorDay:  # type: ignore[no-untyped-def]
    return DoctorDay(
        doctor_id=doctor_id, doctor_name=f"Dr {doctor_id}", location="Room 12", bookable=True, day=day,
        sessions=sessions if sessions is not None else [(local(9, 0, day), local(12, 0, day))],
        appointments=list(appointments), free_slots=list(free), exceptions=list(exceptions),
    )


def sample_columns() -> list[DoctorDay]:
    first = column(
        1,
        appointments=[appt(1, local(9), 15, token=3, kind="walk_in", status="checked_in"),
                      appt(2, local(9, 30), 30, status="requested")],
        free=[slot(local(9, 15), 15)] + [slot(local(10) + timedelta(minutes=15 * i), 15) for i in range(4)],
        exceptions=[ExceptionRecord(7, 1, "blocked", local(11).astimezone(UTC), local(12).astimezone(UTC), None, None,
                                    "Ward round")],
    )
    second = column(
        2, sessions=[(local(8, 0), local(10, 0)), (local(14), local(15))],
        appointments=[appt(3, local(8, 20), 20, doctor_id=2)],
        free=[slot(local(8, 40), 20, 2), slot(local(14), 20, 2)],
    )
    return [first, second]


def test_day_model_passes_qtmodeltester(qtmodeltester):
    model = DayGridModel()
    model.set_columns(sample_columns(), ZONE)
    qtmodeltester.check(model)
    model.set_columns([], ZONE)
    qtmodeltester.check(model)


def test_week_model_passes_qtmodeltester(qtmodeltester):
    model = WeekGridModel()
    days = [column(1, DAY + timedelta(days=i), sessions=[] if i == SUNDAY else None) for i in range(7)]
    model.set_columns(days, ZONE)
    qtmodeltester.check(model)
    assert model.columnCount() == 7
    assert model.headerData(MONDAY, Qt.Orientation.Horizontal) == "Mon\n07 Jan"
    assert model.column_of_day(DAY + timedelta(days=6)) == SUNDAY
    assert all(model.index(r, SUNDAY).data(CellKindRole) == CellKind.OFF for r in range(model.rowCount()))


def test_layout_rows_spans_and_roles():
    model = DayGridModel()
    model.set_columns(sample_columns(), ZONE)
    # 15, 20 and 30-minute boundaries (8:20, 8:40) share a 5-minute step; the grid runs 08:00-15:00.
    assert model.step == 5
    assert model.row_start(0) == time(8, 0) and model.rowCount() == 7 * 12
    assert model.headerData(0, Qt.Orientation.Vertical) == "08:00"
    assert model.headerData(1, Qt.Orientation.Vertical) == ""  # only quarter hours are labelled at 5 min

    walk_in = model.index_at(0, time(9, 5))  # any time inside the block finds its first row
    assert walk_in.row() == model.row_of_time(time(9, 0))
    record = walk_in.data(AppointmentRole)
    assert record.id == 1 and walk_in.data(RowSpanRole) == 3
    assert walk_in.data() == "#3 Asha Rao · Fever"
    assert walk_in.data(DoctorIdRole) == 1 and walk_in.data(DayRole) == DAY
    assert walk_in.data(StartsAtRole) == local(9)
    assert "Checked in" in walk_in.data(Qt.ItemDataRole.ToolTipRole)
    # Cells covered by a span carry the record but no text of their own.
    below = model.index(walk_in.row() + 1, 0)
    assert below.data(AppointmentRole).id == 1 and below.data() is None

    free = model.index_at(0, time(9, 15))
    assert free.data(CellKindRole) == CellKind.FREE and free.data(SlotRole).local_start == local(9, 15)
    assert free.data() == "free"
    requested = model.index_at(0, time(9, 30))
    assert requested.data(RowSpanRole) == 6 and requested.data(AppointmentRole).status == "requested"

    blocked = model.index_at(0, time(11, 30))
    assert blocked.data(CellKindRole) == CellKind.BLOCKED
    assert blocked.data() == "Blocked: Ward round" and blocked.data(ExceptionRole).id == 7
    assert blocked.row() == model.row_of_time(time(11)) and blocked.data(RowSpanRole) == 12
    assert model.index_at(0, time(8)).data(CellKindRole) == CellKind.OFF  # before the doctor's hours
    assert model.index_at(1, time(9, 0)).data(CellKindRole) == CellKind.OPEN  # in hours, nothing bookable

    assert (model.row_of_time(time(9)), 0, 3) in model.spans()
    assert (model.row_of_time(time(8, 20)), 1, 4) in model.spans()
    assert model.find_appointment(3) == model.index_at(1, time(8, 20))
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Dr 2\nRoom 12"
    assert model.column_of_doctor(2) == 1


def test_step_is_15_when_everything_is_on_quarter_hours():
    cols = [column(1, free=[slot(local(9) + timedelta(minutes=15 * i), 15) for i in range(12)])]
    assert grid_step(cols) == 15
    cols = [column(1, sessions=[(local(9), local(12))], free=[slot(local(9), 20)])]
    assert grid_step(cols) == 10  # 20-minute slots from 09:00: 10 divides every boundary
    assert grid_step([]) == 15


def test_a_released_appointment_gives_way_to_a_new_booking_and_shows_in_the_tooltip():
    no_show = appt(1, local(9), 15, status="no_show", name="Ravi Kumar")
    rebooked = appt(2, local(9), 15, name="Meera Iyer")
    model = DayGridModel()
    model.set_columns([column(1, appointments=[no_show, rebooked])], ZONE)
    index = model.index_at(0, time(9))
    assert index.data(AppointmentRole).id == 2
    assert "Also: 09:00–09:15  Ravi Kumar" in index.data(Qt.ItemDataRole.ToolTipRole)


def test_an_off_grid_walk_in_is_rounded_out_to_whole_rows():
    walk_in = appt(1, local(10, 7), 15, kind="walk_in", token=1, status="checked_in")
    model = DayGridModel()
    model.set_columns([column(1, appointments=[walk_in], free=[slot(local(9), 15)])], ZONE)
    assert model.step == 15
    index = model.index_at(0, time(10, 10))
    assert index.row() == model.row_of_time(time(10)) and index.data(RowSpanRole) == 2


def test_grid_from_the_real_service(services, qtmodeltester):
    """The day view the service returns (both databases) lays out and passes the model tester."""
    fix_clock(services)
    doctor = make_doctor(services)
    p1, p2 = make_patients(services, 2)
    services.scheduling.book(p1, doctor.id, at(9), reason="Fever")
    services.scheduling.book(p2, doctor.id, at(16, 20), reason="Review")
    services.availability.add_block(doctor.id, at(11), at(12), "Ward round")
    columns = services.scheduling.day_view([doctor.id], TODAY)
    model = DayGridModel()
    model.set_columns(columns, services.scheduling.time_zone())
    qtmodeltester.check(model)
    assert model.index_at(0, time(9)).data(AppointmentRole).reason == "Fever"
    assert model.index_at(0, time(16, 20)).data(AppointmentRole).reason == "Review"
    assert model.index_at(0, time(9, 15)).data(CellKindRole) == CellKind.FREE
    assert model.index_at(0, time(11, 30)).data() == "Blocked: Ward round"
    assert model.index_at(0, time(14)).data(CellKindRole) == CellKind.OFF  # between the sessions


def test_a_slot_freed_by_a_no_show_is_bookable_and_says_whose_it_was():
    no_show = appt(1, local(9), 15, status="no_show", name="Ravi Kumar")
    model = DayGridModel()
    model.set_columns([column(1, appointments=[no_show], free=[slot(local(9), 15), slot(local(9, 15), 15)])], ZONE)
    index = model.index_at(0, time(9))
    assert index.data(CellKindRole) == CellKind.FREE and index.data(SlotRole).local_start == local(9)
    assert index.data() == "free · was Ravi Kumar (no-show)"
    assert model.index_at(0, time(9, 15)).data() == "free"
    # Without a free slot over it (the time has passed) the no-show keeps its own card.
    model.set_columns([column(1, appointments=[no_show])], ZONE)
    assert model.index_at(0, time(9)).data(AppointmentRole).status == "no_show"


def test_now_is_marked_inside_the_block_that_holds_it():
    model = DayGridModel()
    model.set_columns(sample_columns(), ZONE, now=local(9, 37) + timedelta(seconds=30))
    requested = model.index_at(0, time(9, 30))  # 09:30-10:00
    assert requested.data(NowRole) == pytest.approx(7.5 / 30)
    assert model.index_at(0, time(9)).data(NowRole) is None
    model.set_columns(sample_columns(), ZONE, now=local(9, 37) + timedelta(days=1))
    assert model.index_at(0, time(9, 30)).data(NowRole) is None  # another day


# --- where a dragged card would land ------------------------------------------------------------


def test_a_dragged_card_lands_on_the_start_of_the_doctor_s_slot():
    # 30-minute slots drawn in 15-minute rows: half a slot down is still the card's own place, a
    # whole slot down is the next slot; never 09:15, which would leave slivers no one can book.
    card = appt(1, local(9), 30)
    free = [slot(local(9, 30) + timedelta(minutes=30 * i), 30) for i in range(5)]
    col = column(1, sessions=[(local(9), local(12))], appointments=[card], free=free)
    col.slot_minutes.append(30)
    model = DayGridModel()
    model.set_columns([col], ZONE, now=local(7))
    assert model.step == 15
    half = model.drop_target(card, model.row_of_time(time(9, 15)), 0)
    assert half.starts_at == local(9) and half.unchanged and not half.ok
    whole = model.drop_target(card, model.row_of_time(time(9, 45)), 0)
    assert (whole.starts_at, whole.ends_at, whole.span, whole.ok) == (local(9, 30), local(10), 2, True)
    late = model.drop_target(card, model.row_of_time(time(11, 45)), 0)
    assert late.starts_at == local(11, 30) and late.ok
    assert model.drop_target(card, model.rowCount(), 0) is None  # below the grid


def test_a_dragged_card_keeps_its_real_length_across_the_spring_clock_change():
    new_york = ZoneInfo("America/New_York")
    day = date(2030, 3, 10)  # clocks go from 02:00 to 03:00

    def ny(hh: int, mm: int = 0) -> datetime:
        return datetime.combine(day, time(hh, mm), tzinfo=new_york)

    def ny_slot(start: datetime) -> Slot:
        end = (start.astimezone(UTC) + timedelta(minutes=30)).astimezone(new_york)
        return Slot(1, start.astimezone(UTC), end.astimezone(UTC), start, end, "Dr 1", "Room 12")

    card = AppointmentRecord(**{**appt(1, ny(0), 60).__dict__, "local_day": day})
    free = [ny_slot(ny(1)), ny_slot(ny(1, 30)), ny_slot(ny(3)), ny_slot(ny(3, 30)), ny_slot(ny(4))]
    col = DoctorDay(doctor_id=1, doctor_name="Dr 1", location="Room 12", bookable=True, day=day,
                    sessions=[(ny(0), ny(5))], appointments=[card], free_slots=free, exceptions=[], slot_minutes=[30])
    model = DayGridModel()
    model.set_columns([col], new_york, now=ny(0) - timedelta(hours=2))
    target = model.drop_target(card, model.row_of_time(time(1, 30)), 0)
    # One real hour after 01:30 EST is 03:30 EDT; the rows from 02:00 to 03:00 do not happen that day.
    assert target.starts_at == ny(1, 30)
    assert target.ends_at == ny(3, 30) and target.ends_at - target.starts_at != timedelta(hours=1)
    assert target.ends_at.astimezone(UTC) - target.starts_at.astimezone(UTC) == timedelta(hours=1)
