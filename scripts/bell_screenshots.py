"""Render the bell and its list to PNG files for review, as the whole screen shows them.

    eval "$(/work/shared/tools/desk-screen start 1366x768)"
    QT_QPA_PLATFORM=xcb .venv/bin/python scripts/bell_screenshots.py [shots/]

Builds a throw-away SQLite clinic with a demo doctor who has an account, books, moves, checks in
and cancels appointments at the front desk, lets two confirmations fail (no mail server), and shows
the doctor's and the administrator's main windows with the bell's list open. The list is a popup,
so the screen (with the window manager's frames) is captured, not the widget.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import timedelta

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot_kit import output_folder, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.bootstrap import build_services  # noqa: E402
from hms_desktop.services.notifications import NotificationDispatcher, SmtpSettings  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402

DESK_SCREEN = shutil.which("desk-screen") or "/work/shared/tools/desk-screen"


def shoot(folder, name: str, runner: TaskRunner) -> None:  # noqa: ANN001
    settle(runner, 700)
    path = folder / f"{name}.png"
    subprocess.run([DESK_SCREEN, "shot", os.environ["DISPLAY"], str(path)], check=True)
    print(path)


def main() -> None:
    folder = output_folder()
    app = make_application() if QApplication.instance() is None else QApplication.instance()
    services, _user = scratch_clinic("hms-bell-shots-")
    services.demo.load_patients(40, seed=3)
    services.notifications.save_smtp_settings(SmtpSettings(host="127.0.0.1", port=2, security="none",
                                                           sender="Sunrise Clinic <desk@sunrise.example>"))
    services.demo_schedule.load(doctors=2, appointments=0, days=7, seed=3)
    account = next(a for a in services.demo_schedule.create_demo_accounts() if a.role == "doctor")
    doctor = next(d for d in services.doctors.search("") if d.full_name == account.doctor_name)
    patients = services.patients.search("", limit=40).rows
    slots = services.scheduling.next_available(doctor.id, count=6)
    booked = [services.scheduling.book(p.id, doctor.id, s.starts_at, reason="Review")
              for p, s in zip(patients[:5], slots, strict=False)]
    services.scheduling.reschedule(booked[1].id, slots[5].starts_at + timedelta(days=1),
                                   expected_version=booked[1].version)
    services.visits.cancel(booked[2].id, "Travelling that week", by="patient")
    NotificationDispatcher(services.units, max_attempts=1).run_once(limit=10)

    desk = build_services(services.db.url.render_as_string(hide_password=False))
    user = desk.auth.sign_in(account.username, account.temporary_password)
    screen = app.primaryScreen().availableGeometry()
    size = f"{screen.width()}x{screen.height()}"
    runner = TaskRunner()
    window = MainWindow(desk, runner, user, idle_lock_minutes=0, clinic_name="Sunrise Clinic")
    window.show()
    settle(runner, 800)
    shoot(folder, f"bell-doctor-window-{size}", runner)
    window.bell.show_panel()
    shoot(folder, f"bell-doctor-list-{size}", runner)
    window.bell.panel.hide()
    window.close()

    admin = MainWindow(services, runner, services.auth.current, idle_lock_minutes=0, clinic_name="Sunrise Clinic")
    admin.show()
    settle(runner, 800)
    admin.bell.show_panel()
    shoot(folder, f"bell-admin-list-{size}", runner)
    admin.bell.panel.hide()
    admin.close()
    runner.shutdown(5000)


if __name__ == "__main__":
    main()
