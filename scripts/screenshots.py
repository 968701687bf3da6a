"""Render the main screens to PNG files for review and for the README.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py shots/

Builds a throw-away SQLite database with demo patients, opens each screen as a user would see it,
and saves a picture of it.
"""

from __future__ import annotations

import sys
from datetime import date

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.services.patients import PatientInput  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402
from hms_desktop.ui.session.login_dialog import LoginDialog  # noqa: E402


def main() -> int:
    folder = output_folder()
    services, user = scratch_clinic("hms-shots-")
    services.demo.load_patients(5000)
    services.demo_schedule.load(doctors=8, appointments=2500)
    zoe = services.patients.register(PatientInput(
        given_name="Zoë", family_name="Ødegård", sex="female", date_of_birth=date(1991, 4, 2),
        phone="+47 912 34 567", email="zoe@example.no", allergies="Penicillin", blood_group="A+",
    ))
    make_application()
    runner = TaskRunner()

    login = LoginDialog(services.auth, runner, clinic_name="Riverside Clinic", database_description=services.db.description)
    login.show()
    save(login, folder, "login")
    login.close()

    window = MainWindow(services, runner, user, clinic_name="Riverside Clinic")
    window.resize(1200, 720)
    window.show()
    settle(ms=800)
    save(window, folder, "patients_tab")
    window.patients_tab.search.setText("odegard zo")  # Zoë Ødegård, typed without her letters
    settle(ms=800)
    save(window, folder, "patients_search")

    window.patients_tab.open_patient(zoe.id)
    settle(ms=800)
    dialog = window.patients_tab.dialogs[-1]
    save(dialog, folder, "patient_dialog")
    dialog.close()

    window.patients_tab.new_patient()
    settle(ms=300)
    new = window.patients_tab.dialogs[-1]
    new.given_name.setText("zoe")
    new.family_name.setText("odegard")
    new.date_of_birth.setText("02/04/1991")
    new.email.setText("not-an-email")
    new.submit()
    settle(ms=800)
    save(new, folder, "patient_dialog_validation")
    new.email.setText("")
    new.submit()
    settle(ms=800)
    if new.duplicates_dialog is not None:
        save(new.duplicates_dialog, folder, "duplicates_dialog")
        new.duplicates_dialog.close()
    new.close()

    for index in range(1, window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        settle(ms=800)
        save(window, folder, window.tabs.tabText(index).replace("&", "").lower().replace(" ", "_") + "_tab")
    scheduler = window.scheduler_tab
    if scheduler is not None:
        window.tabs.setCurrentWidget(scheduler)
        settle(ms=800)
        finder = scheduler.find_next_free()
        finder.specialty.setCurrentIndex(1)
        finder.search()
        settle(ms=1000)
        save(finder, folder, "next_free_dialog")
        finder.close()
    window.tabs.setCurrentIndex(0)
    window.idle_lock.lock()
    settle(ms=300)
    save(window, folder, "locked_window")
    if window.idle_lock.dialog is not None:
        save(window.idle_lock.dialog, folder, "lock_dialog")
        window.idle_lock.unlock()
    window.close()
    runner.wait_for_idle(5000)
    services.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
