"""The README's pictures: the Scheduler's day view and the Patients tab, at the screen's size.

    QT_QPA_PLATFORM=xcb DISPLAY=:N .venv/bin/python scripts/readme_screenshots.py docs/screenshots/

Run under a real X display with a window manager at 1366x768 (see /work/shared/tools/desk-screen):
a throw-away SQLite clinic with demo patients and a busy schedule, the main window filling the screen.
Writes scheduler.png and patients.png into the folder given.
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
    services.demo_schedule.load(doctors=6, appointments=500, seed=3, today=services.scheduling.today())
    runner = TaskRunner()
    window = MainWindow(services, runner, user, clinic_name="Riverside Clinic")
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    settle(runner, 1200)
    save(window, folder, "patients", runner)
    window.tabs.setCurrentWidget(window.scheduler_tab)
    settle(runner, 2000)
    save(window, folder, "scheduler", runner, ms=800)
    window.close()
    runner.shutdown()
    services.close()


if __name__ == "__main__":
    main()
