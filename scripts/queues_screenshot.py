"""Render the Doctor's day tab to PNG files for review.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/queues_screenshot.py [shots/]

Builds a throw-away SQLite database with a doctor (linked to the account 'dr.nair'), a weekly template
and a morning of bookings on a fixed clock: some seen, one with the doctor, some waiting, a walk-in
and a no-show. Then the doctor's tab opens, and a second desk checks a patient in, books and
cancels, so the live notices show as they would at the clinic.

Writes doctor_day.png (the doctor's view), doctor_day_called.png (after Complete and Call next) and
doctor_day_front_desk.png (the receptionist's, with the doctor picker).
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from screenshot_kit import save, scratch_dir, settle  # noqa: E402 - sets up the environment first

from hms_desktop.bootstrap import Services, build_services  # noqa: E402
from hms_desktop.services import migrations  # noqa: E402
from hms_desktop.services.doctors import DoctorInput  # noqa: E402
from hms_desktop.services.patients import PatientInput  # noqa: E402
from hms_desktop.services.scheduling import SessionInput  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.live_updates import ScheduleWatcher  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.queues.queues_tab import QueuesTab  # noqa: E402

ADMIN_PASSWORD = "Front-desk-1"
STAFF_PASSWORD = "Staff-pass-1"
ZONE = ZoneInfo("Asia/Kolkata")  # the clinic's default time zone
DAY = date(2030, 11, 26)  # a Tuesday
PATIENTS = [
    ("Asha", "Rao", "Fever and body ache"), ("Ravi", "Kumar", "BP review"), ("Meera", "Iyer", "Cough for 2 weeks"),
    ("John", "Mathew", "Diabetes follow-up"), ("Fatima", "Sheikh", "Headache"), ("Arjun", "Menon", "Knee pain"),
    ("Lakshmi", "Pillai", "Thyroid report"), ("Vikram", "Singh", "Back pain"), ("Neha", "Gupta", "Skin rash"),
    ("Karan", "Mehta", "Vaccination"), ("Priya", "Shah", "Ear pain"), ("Sanjay", "Das", "Sprained ankle"),
    ("Divya", "Nambiar", "Sore throat"),
]


class Clock:
    """One clinic clock shared by both desks, moved forward as the morning goes by."""

    def __init__(self) -> None:
        self.now = datetime.combine(DAY, time(7), tzinfo=ZONE)

    def at(self, hour: int, minute: int) -> datetime:
        self.now = datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)
        return self.now

    def __call__(self) -> datetime:
        return self.now






def desk(url: str, clock: Clock, username: str, password: str) -> Services:
    services = build_services(url)
    services.scheduling.clock = clock
    services.auth.sign_in(username, password)
    return services


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    tmp = scratch_dir("hms-doctor-day-shots-")
    url = f"sqlite:///{tmp / 'shots.sqlite3'}"
    clock = Clock()

    setup = build_services(url)
    migrations.upgrade(setup.db)
    setup.staff.create_first_admin("asha.admin", "Asha Admin", ADMIN_PASSWORD)
    setup.close()
    front = desk(url, clock, "asha.admin", ADMIN_PASSWORD)
    front.staff.add("dr.nair", "Priya Nair", "doctor", STAFF_PASSWORD)
    front.staff.add("rita", "Rita Fernandes", "receptionist", STAFF_PASSWORD)
    accounts = {m.username: m for m in front.staff.list()}
    general = front.doctors.add_specialty("General Medicine")
    doctor = front.doctors.add(
        DoctorInput(full_name="Dr Priya Nair", specialty_ids=(general.id,), qualifications="MBBS, MD",
                    years_experience=12, location="East wing, room 12", consultation_fee_minor=50000,
                    staff_account_id=accounts["dr.nair"].id)
    )
    front.doctors.verify(doctor.id)
    other = front.doctors.add(
        DoctorInput(full_name="Dr Arjun Rao", specialty_ids=(general.id,), location="West wing, room 3")
    )
    front.doctors.verify(other.id)
    for d in (doctor.id, other.id):
        front.availability.set_weekly_template(
            d, [SessionInput(w, time(9), time(13), 15) for w in range(6)] + [SessionInput(w, time(16), time(18), 20) for w in range(5)]
        )
    patients = [
        front.patients.register(
            PatientInput(given_name=g, family_name=f, sex="female" if i % 2 == 0 else "male",
                         date_of_birth=date(1960 + i * 3, 1 + i % 12, 1 + i % 27), phone=f"+91 98450 1{i:04d}")
        ).id
        for i, (g, f, _reason) in enumerate(PATIENTS)
    ]
    reasons = [r for _g, _f, r in PATIENTS]

    # 07:00: the morning's bookings, 09:00 to 11:45 (the last two patients come later).
    appts = []
    for i in range(11):
        hour, minute = divmod(9 * 60 + 15 * i, 60)
        start = datetime.combine(DAY, time(hour, minute), tzinfo=ZONE)
        appts.append(front.scheduling.book(patients[i], doctor.id, start, reason=reasons[i]))
    front.scheduling.book(patients[12], other.id, datetime.combine(DAY, time(9, 30), tzinfo=ZONE), reason="Sore throat")

    doc = desk(url, clock, "dr.nair", STAFF_PASSWORD)
    clock.at(8, 45)
    front.visits.check_in(appts[0].id)
    clock.at(8, 52)
    front.visits.check_in(appts[1].id)
    clock.at(9, 2)
    doc.visits.call_next(doctor.id)
    clock.at(9, 16)
    doc.visits.complete(appts[0].id)
    doc.visits.call_next(doctor.id)
    clock.at(9, 24)
    front.visits.check_in(appts[2].id)
    clock.at(9, 31)
    doc.visits.complete(appts[1].id)
    doc.visits.call_next(doctor.id)
    clock.at(9, 58)
    doc.visits.complete(appts[2].id)
    front.visits.mark_no_show(appts[3].id)
    clock.at(10, 3)
    front.visits.check_in(appts[4].id)
    clock.at(10, 6)
    front.scheduling.add_walk_in(patients[11], doctor.id, reason="Sprained ankle")
    clock.at(10, 9)
    doc.visits.call_next(doctor.id)  # Fatima Sheikh: with the doctor now
    clock.at(10, 14)
    front.visits.check_in(appts[5].id)
    clock.at(10, 33)
    front.visits.check_in(appts[6].id)
    clock.at(10, 41)

    app = make_application()
    runner = TaskRunner()
    watcher = ScheduleWatcher(doc.scheduling.open_change_feed)
    watcher.start()
    user = doc.auth.current
    assert user is not None
    tab = QueuesTab(doc, runner, user, watcher)
    tab.notify.connect(lambda text: print("notify:", text))
    tab.resize(1240, 700)
    tab.show()
    tab.refresh()
    settle(runner, 800)  # the feed is listening before the other desk acts

    # The front desk, meanwhile: an arrival, a new booking and a cancellation.
    clock.at(10, 42)
    front.visits.check_in(appts[7].id)
    settle(runner, 900)
    clock.at(10, 45)
    front.scheduling.book(patients[12], doctor.id, datetime.combine(DAY, time(12, 15), tzinfo=ZONE), reason="Sore throat")
    settle(runner, 900)
    clock.at(10, 50)
    front.visits.cancel(appts[10].id, "Feeling better", by="patient")
    settle(runner, 900)
    # The doctor has the patient they are seeing selected.
    with_doctor = tab.model.with_doctor()
    if with_doctor is not None:
        tab.select_appointment(with_doctor.id)
    save(tab, folder, "doctor_day", runner)

    # 10:52: the doctor completes that visit and calls the next patient (the walk-in, who came first).
    clock.at(10, 52)
    tab.complete_selected()
    settle(runner, 600)
    tab.call_next()
    settle(runner, 900)
    save(tab, folder, "doctor_day_called", runner)

    reception = desk(url, clock, "rita", STAFF_PASSWORD)
    desk_user = reception.auth.current
    assert desk_user is not None
    front_tab = QueuesTab(reception, runner, desk_user, watcher)
    front_tab.resize(1240, 700)
    front_tab.show()
    front_tab.refresh()
    settle(runner, 500)
    front_tab.show_doctor(doctor.id)
    settle(runner, 500)
    front_tab.select_appointment(appts[8].id)
    save(front_tab, folder, "doctor_day_front_desk", runner)

    watcher.stop()
    runner.wait_for_idle()
    for services in (front, doc, reception):
        services.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
