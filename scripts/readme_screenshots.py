"""The README's pictures: the Patients tab, the Scheduler's day view and the Dashboard, at the screen's size.

    QT_QPA_PLATFORM=xcb DISPLAY=:N .venv/bin/python scripts/readme_screenshots.py docs/screenshots/

Run under a real X display with a window manager at 1366x768 (see /work/shared/tools/desk-screen):
a throw-away SQLite clinic with demo patients and a busy schedule, the main window filling the screen.
Writes patients.png, scheduler.png and dashboard.png into the folder given.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402


def main() -> None:
    folder = output_folder("docs/screenshots")
    app = make_application() if QApplication.instance() is None else QApplication.instance()
    services, user = scratch_clinic("hms-readme-shots-")
    services.demo.load_patients(400, seed=7)
    # Six weeks of a busy clinic (about 100 visits a day), so the dashboard's 30 days are full.
    services.demo_schedule.load(doctors=6, appointments=4000, days=40, seed=3, today=services.scheduling.today())
    services.shifts.open(200000)
    services.demo_billing.load_invoices(1500, seed=5)  # the completed visits billed: the dashboard's revenue
    runner = TaskRunner()
    window = MainWindow(services, runner, user, clinic_name="Riverside Clinic")
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    settle(runner, 1200)
    save(window, folder, "patients", runner)
    window.tabs.setCurrentWidget(window.scheduler_tab)
    settle(runner, 2000)
    save(window, folder, "scheduler", runner, ms=800)
    window.tabs.setCurrentWidget(window.dashboard_tab)
    settle(runner, 2000)
    save(window, folder, "dashboard", runner, ms=800)
    window.close()
    runner.shutdown()
    services.close()


if __name__ == "__main__":
    main()
