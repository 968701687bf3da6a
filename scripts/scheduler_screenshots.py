"""Render the Scheduler tab to PNG files for review.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/scheduler_screenshots.py [shots/]

Builds a throw-away SQLite database with a few doctors, their weekly hours, a morning's worth of
bookings in every status, a walk-in and a blocked hour, then saves the day view, the week view and
the booking dialog. The clinic clock is pinned to 10:40 on a Wednesday so the pictures are the same
every time.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.services.doctors import DoctorInput  # noqa: E402
from hms_desktop.services.errors import HmsError  # noqa: E402
from hms_desktop.services.scheduling import SessionInput  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.live_updates import ScheduleWatcher  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402

ZONE = ZoneInfo("Asia/Kolkata")
DAY = date(2030, 1, 9)  # a Wednesday
MONDAY = DAY - timedelta(days=DAY.weekday())

DOCTORS = [
    ("Dr Priya Nair", "General Medicine", "East wing, room 12", [((9, 0), (13, 0))], 15),
    ("Dr Arjun Rao", "Cardiology", "West wing, room 4", [((9, 30), (12, 30)), ((16, 0), (18, 0))], 20),
    ("Dr Meera Iyer", "Paediatrics", "North wing, room 2", [((10, 0), (14, 0))], 15),
    ("Dr Samuel Okafor", "Dermatology", "Annexe, room 7", [((8, 30), (12, 0))], 30),
]
REASONS = ["Fever for three days", "Review of blood results", "Follow-up after surgery", "Persistent cough",
           "Skin rash", "Blood pressure check", "Knee pain", "", "Vaccination", "Headaches"]






def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZONE)


def build():  # type: ignore[no-untyped-def]
    services, _user = scratch_clinic("hms-scheduler-shots-")
    services.demo.load_patients(300, seed=11)
    patients = [p.id for p in services.patients.search("", limit=300).rows]
    rng = random.Random(5)
    rng.shuffle(patients)
    sched = services.scheduling
    sched.clock = lambda: at(MONDAY, 6)
    specialties = {s.name: s for s in services.doctors.specialties()}
    doctor_ids = []
    for name, specialty, room, sessions, minutes in DOCTORS:
        spec = specialties.get(specialty) or services.doctors.add_specialty(specialty)
        specialties[specialty] = spec
        doctor = services.doctors.add(DoctorInput(full_name=name, specialty_ids=(spec.id,), location=room,
                                                  qualifications="MBBS, MD", years_experience=10))
        services.doctors.verify(doctor.id)
        sched.set_weekly_template(doctor.id, [
            SessionInput(d, time(*s), time(*e), minutes) for d in range(6) for s, e in sessions
        ])
        doctor_ids.append(doctor.id)
    sched.add_block(doctor_ids[2], at(DAY, 12), at(DAY, 13), "Ward round")
    sched.add_leave(doctor_ids[3], MONDAY + timedelta(days=4), reason="Conference")

    # Book about 60% of the week's slots, earliest first so each patient is free.
    booked: dict[date, list] = {}
    pool = iter(patients * 4)
    for offset in range(6):
        day = MONDAY + timedelta(days=offset)
        for doctor_id in doctor_ids:
            for slot in sched.free_slots(doctor_id, day):
                if rng.random() < (0.7 if day == DAY else 0.55):
                    for _attempt in range(3):
                        try:
                            record = sched.book(next(pool), doctor_id, slot.starts_at, reason=rng.choice(REASONS),
                                                kind=rng.choice(["scheduled"] * 4 + ["follow_up"]),
                                                confirmed=rng.random() > 0.15)
                            booked.setdefault(day, []).append(record)
                            break
                        except HmsError:
                            continue
    # The morning of DAY has happened: people came, were seen, one did not turn up.
    sched.clock = lambda: at(DAY, 10, 40)
    for record in sorted(booked.get(DAY, []), key=lambda r: r.starts_at):
        if record.local_start >= at(DAY, 11, 15):
            continue
        try:
            if record.status == "requested":
                sched.confirm(record.id)
            if record.local_start < at(DAY, 10, 0):
                if rng.random() < 0.12:
                    sched.mark_no_show(record.id)
                    continue
                sched.check_in(record.id)
                sched.start_visit(record.id)
                sched.complete(record.id)
            elif record.local_start < at(DAY, 10, 40):
                sched.check_in(record.id)
                if rng.random() < 0.5:
                    sched.start_visit(record.id)
            elif rng.random() < 0.6:
                sched.check_in(record.id)
        except HmsError:
            pass
    for doctor_id in doctor_ids[:2]:
        try:
            sched.add_walk_in(next(pool), doctor_id, reason="Sprained ankle")
        except HmsError:
            pass
    return services, doctor_ids


def main() -> int:
    folder = output_folder()
    app = make_application()
    services, doctor_ids = build()
    from hms_desktop.ui.scheduler.scheduler_tab import SchedulerTab

    runner = TaskRunner()
    watcher = ScheduleWatcher(services.scheduling.open_change_feed)
    tab = SchedulerTab(services, runner, services.auth.current, watcher)
    tab.resize(1280, 780)
    tab.show()
    tab.refresh()
    settle(ms=1200)
    tab.show_day(DAY)
    settle(ms=1000)
    view = tab.day_view
    appt = next((a for a in tab.day_model.appointments() if a.status == "checked_in"), None)
    if appt is not None:
        view.setCurrentIndex(tab.day_model.find_appointment(appt.id))
    save(tab, folder, "scheduler_day")
    drag_shot(tab, folder)

    tab.set_mode("week", doctor_ids[0])
    settle(ms=1200)
    save(tab, folder, "scheduler_week")

    tab.set_mode("day")
    settle(ms=1000)
    index = next(
        tab.day_model.index(r, 2) for r in range(tab.day_model.rowCount())
        if tab.day_model.index(r, 2).data(tab_roles()["slot"]) is not None
    )
    view.setCurrentIndex(index)
    dialog = tab.book_slot(index.data(tab_roles()["slot"]))
    assert dialog is not None
    dialog.finder.search.setText("ra")
    settle(ms=900)
    dialog.finder.results.setCurrentRow(1)
    dialog.finder._item_chosen(dialog.finder.results.item(1))  # noqa: SLF001 - as a click would
    dialog.reason.setText("Persistent cough, two weeks")
    save(dialog, folder, "scheduler_booking")
    # Another desk takes the slot meanwhile: the dialog says so and offers the next free times.
    services.scheduling.book(patients_for_conflict(services), dialog.slot.doctor_id, dialog.slot.starts_at)
    dialog.submit()
    settle(ms=900)
    save(dialog, folder, "scheduler_slot_taken")
    dialog.close()

    walk = tab.add_walk_in()
    assert walk is not None
    walk.finder.search.setText("mo")
    settle(ms=900)
    walk.finder._item_chosen(walk.finder.results.item(0))  # noqa: SLF001
    walk.submit()
    settle(ms=900)
    save(walk, folder, "scheduler_walk_in")
    walk.close()

    watcher.stop()
    runner.wait_for_idle()
    services.close()
    app.processEvents()
    return 0


def drag_shot(tab, folder) -> None:  # type: ignore[no-untyped-def]
    """Pick up a confirmed card with the mouse and hold it over free time, as a receptionist would."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    from hms_desktop.ui.scheduler.day_grid_model import CellKind, CellKindRole

    model, view = tab.day_model, tab.day_view

    def first_free_after(column: int, after: time) -> object:
        return next((model.index(r, column) for r in range(model.rowCount())
                     if model.index(r, column).data(CellKindRole) == CellKind.FREE
                     and model.cell(r, column).row == r and model.row_start(r) > after), None)

    # A confirmed card late in the morning and the nearest free time after it in the same column.
    pairs = [
        (a, f) for a in model.appointments()
        if a.status == "confirmed" and a.local_start.hour >= 11
        and (f := first_free_after(model.find_appointment(a.id).column(), a.local_start.time())) is not None
    ]
    card, free = min(pairs, key=lambda p: p[1].row() - model.find_appointment(p[0].id).row())
    source = model.find_appointment(card.id)
    view.scrollTo(source)
    start = view.visualRect(source).center()
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=start)
    QTest.mouseMove(view.viewport(), start + QPoint(0, 12))
    # Hold it over the free time, with the grid scrolled so both show.
    view.scrollTo(free, view.ScrollHint.PositionAtCenter)
    QTest.mouseMove(view.viewport(), view.visualRect(free).center())
    save(tab, folder, "scheduler_drag")
    # Over time that is not free (the previous appointment), the ghost turns red and says why.
    taken = model.index(model.find_appointment(card.id).row() - 1, free.column())
    QTest.mouseMove(view.viewport(), view.visualRect(taken).center())
    save(tab, folder, "scheduler_drag_refused")
    # Dropped on the free time: the desk is asked before anything moves.
    QTest.mouseMove(view.viewport(), view.visualRect(free).center())
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(free).center())
    box = tab.move_box
    if box is not None:
        save(box, folder, "scheduler_move_confirm")
        box.reject()


def patients_for_conflict(services) -> int:  # type: ignore[no-untyped-def]
    return services.patients.search("", limit=1).rows[0].id


def tab_roles() -> dict[str, int]:
    from hms_desktop.ui.scheduler.day_grid_model import SlotRole

    return {"slot": SlotRole}


if __name__ == "__main__":
    raise SystemExit(main())
