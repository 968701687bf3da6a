"""Render the Doctors tab and its dialogs to PNG files for review.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/doctors_screenshots.py [shots/]

Builds a throw-away SQLite database with demo doctors (services.demo_schedule), a few hand-made ones
(unverified, inactive, linked to a doctor's sign-in), leave, and an appointment that a change of hours
has pushed outside the doctor's time, then opens each screen as an administrator would see it.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date, time, timedelta

from screenshot_kit import ADMIN_PASSWORD, output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.bootstrap import build_services  # noqa: E402
from hms_desktop.services.doctors import DoctorInput  # noqa: E402
from hms_desktop.services.patients import PatientInput  # noqa: E402
from hms_desktop.services.scheduling import SessionInput  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.availability.availability_dialog import AvailabilityDialog  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.doctors.doctor_dialog import DoctorDialog  # noqa: E402
from hms_desktop.ui.doctors.doctors_tab import DoctorsTab  # noqa: E402
from hms_desktop.ui.doctors.specialties_dialog import SpecialtiesDialog  # noqa: E402


def main() -> int:
    folder = output_folder()
    services, user = scratch_clinic("hms-doctor-shots-")
    services.staff.add("dr.iyer", "Dr Meera Iyer", "doctor", "Staff-pass-1")
    services.staff.add("dr.shah", "Dr Kabir Shah", "doctor", "Staff-pass-1")
    services.demo.load_patients(200)
    services.demo_schedule.load(doctors=9, appointments=600, days=40)

    specs = {s.name: s for s in services.doctors.specialties()}
    staff = {m.username: m.id for m in services.staff.list()}
    thursday_and_monday = [SessionInput(3, time(9), time(13), 15), SessionInput(3, time(16), time(19), 20),
                           SessionInput(0, time(10), time(14), 15)]
    meera = services.doctors.add(DoctorInput(
        "Dr Meera Iyer", (specs["Dermatology"].id, specs["General Medicine"].id), "MBBS, MD (Dermatology)", 14,
        "East wing, room 2", "+91 98450 22222", "meera.iyer@example.in", 75_050, staff_account_id=staff["dr.iyer"],
    ))
    meera = services.doctors.verify(meera.id)
    services.availability.set_weekly_template(meera.id, thursday_and_monday)
    services.doctors.add(DoctorInput(
        "Dr Kabir Shah", (specs["Cardiology"].id,), "MBBS, DM (Cardiology)", 6, "East wing, room 5",
        consultation_fee_minor=120_000, staff_account_id=staff["dr.shah"],
    ))
    gone = services.doctors.add(DoctorInput("Dr Old Timer", (specs["ENT"].id,), "MBBS, MS (ENT)", 38, "Annexe"))
    gone = services.doctors.verify(gone.id)
    services.doctors.set_active(gone.id, gone.version, False)

    # An appointment on Meera's next Thursday afternoon, then her Thursday afternoons are dropped.
    today = services.scheduling.today()
    slot = next(
        s for s in services.scheduling.next_available(meera.id, count=200)
        if s.local_start.weekday() == 3 and s.local_start.hour >= 16
    )
    patient = services.patients.register(PatientInput(
        given_name="Anjali", family_name="Menon", sex="female", date_of_birth=date(1988, 2, 11), phone="+91 98450 33333",
    ))
    services.scheduling.book(patient.id, meera.id, slot.starts_at, reason="Rash on both arms")
    services.availability.set_weekly_template(meera.id, [thursday_and_monday[0], thursday_and_monday[2]])
    services.availability.add_leave(meera.id, today + timedelta(days=9), today + timedelta(days=11), "Conference")
    services.availability.add_clinic_holiday(today + timedelta(days=20), reason="Founders' day")

    app = make_application()
    runner = TaskRunner()

    tab = DoctorsTab(services, runner, user)
    tab.resize(1240, 560)
    tab.show()
    tab.refresh()
    save(tab, folder, "doctors_tab", runner)

    tab.specialty_filter.setCurrentIndex(tab.specialty_filter.findText("Dermatology"))
    tab.location_filter.setText("east wing")
    tab.weekday_filter.setCurrentIndex(tab.weekday_filter.findData(3))
    settle(runner, 400)
    tab.select_doctor(meera.id)
    save(tab, folder, "doctors_tab_filtered", runner)
    tab.clear_filters()
    settle(runner)

    dialog = DoctorDialog(services.doctors, services.staff, runner, user, services.doctors.get(meera.id), tab)
    dialog.open()
    save(dialog, folder, "doctor_dialog", runner)
    dialog.close()

    # Another desk saves the same doctor while this one is editing.
    current = services.doctors.get(meera.id)
    dialog = DoctorDialog(services.doctors, services.staff, runner, user, current, tab)
    dialog.open()
    settle(runner)
    other = build_services(services.db.url.render_as_string(hide_password=False))
    other.auth.sign_in("asha", ADMIN_PASSWORD)
    other.doctors.update(meera.id, current.version, replace(current.as_input(), location="East wing, room 7",
                                                             consultation_fee_minor=80_000))
    other.close()
    dialog.fee.setText("900")
    dialog.phone.setText("+91 98450 44444")
    dialog.submit()
    save(dialog, folder, "doctor_dialog_conflict", runner)
    dialog.close()

    shah = next(d for d in services.doctors.search("shah"))
    dialog = DoctorDialog(services.doctors, services.staff, runner, user, shah, tab)
    dialog.open()
    settle(runner)
    dialog.fee.setText("12.345")
    dialog.email.setText("kabir@")
    dialog.submit()
    save(dialog, folder, "doctor_dialog_unverified_errors", runner)
    dialog.close()

    add = DoctorDialog(services.doctors, services.staff, runner, user, None, tab)
    add.open()
    save(add, folder, "doctor_dialog_add", runner)
    add.close()

    specialties = SpecialtiesDialog(services.doctors, runner, tab)
    specialties.open()
    settle(runner)
    specialties.list.setCurrentRow(2)
    save(specialties, folder, "specialties_dialog", runner)
    specialties.close()

    hours = AvailabilityDialog(services.scheduling, runner, user, services.doctors.get(meera.id), tab)
    hours.resize(900, 760)
    hours.open()
    save(hours, folder, "availability_dialog", runner)
    hours.tabs.setCurrentIndex(1)
    save(hours, folder, "availability_exceptions", runner)
    hours.tabs.setCurrentIndex(0)
    hours.editor.days[1].add_row()
    row = hours.editor.days[1].add_row()
    row.start.setText("11:00")
    hours.save_template()
    save(hours, folder, "availability_errors", runner)
    hours.editor.dirty = False
    hours.close()

    runner.wait_for_idle()
    services.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
