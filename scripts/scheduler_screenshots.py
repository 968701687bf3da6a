"""Screenshots of the Scheduler (day, week, booking dialog, next free time, slip preview) on a
demo clinic, at the size given: run under a real X display with a window manager.

    QT_QPA_PLATFORM=xcb .venv/bin/python scripts/scheduler_screenshots.py 1024x700 out/
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import time
from pathlib import Path

os.environ.setdefault("HMS_DATA_DIR", tempfile.mkdtemp(prefix="hms-shots-"))
os.environ.setdefault("HMS_BCRYPT_ROUNDS", "4")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hms_desktop.bootstrap import build_services  # noqa: E402
from hms_desktop.services import migrations  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402


def main() -> None:
    width, height = (int(v) for v in sys.argv[1].split("x"))
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    services = build_services(f"sqlite:///{Path(os.environ['HMS_DATA_DIR']) / 'shots.sqlite3'}")
    migrations.upgrade(services.db, backup=False)
    services.staff.create_first_admin("admin", "Admin", "Admin-pass-1234")
    services.auth.sign_in("admin", "Admin-pass-1234")
    today = services.scheduling.today()
    services.demo.load_patients(80, seed=7)
    services.demo_schedule.load(doctors=7, appointments=300, seed=3, today=today)
    runner = TaskRunner()
    window = MainWindow(services, runner, services.auth.current)
    window.resize(width, height - 40)
    window.show()
    tab = window.scheduler_tab
    steps: list = []

    def shot(name: str) -> None:
        QApplication.processEvents()
        app.primaryScreen().grabWindow(0).save(str(out / f"{width}x{height}-{name}.png"))

    def later(ms: int, fn) -> None:  # type: ignore[no-untyped-def]
        steps.append((ms, fn))

    later(1500, lambda: window.tabs.setCurrentWidget(tab))
    later(2500, lambda: shot("day"))
    later(200, lambda: tab.set_mode("week", tab.week_doctor.itemData(0)))
    later(2000, lambda: shot("week"))
    later(200, lambda: tab.set_mode("day"))
    later(1500, lambda: tab.book_slot(next(
        (tab.day_model.index(r, c).data(tab_roles()[1]) for c in range(tab.day_model.columnCount())
         for r in range(tab.day_model.rowCount()) if tab.day_model.index(r, c).data(tab_roles()[1]) is not None), None)))
    later(1500, lambda: shot("booking"))
    later(200, lambda: tab.booking_dialog and tab.booking_dialog.reject())
    later(300, lambda: tab.find_next_free())
    later(1000, lambda: shot("next-free"))
    later(200, lambda: tab.next_free_dialog and tab.next_free_dialog.reject())
    later(300, lambda: select_first_appointment(tab))
    later(500, lambda: tab.print_slip())
    later(2500, lambda: shot("slip-preview"))
    later(300, app.quit)

    def run(i: int = 0) -> None:
        if i < len(steps):
            ms, fn = steps[i]
            QTimer.singleShot(ms, lambda: (fn(), run(i + 1)))

    run()
    app.exec()
    runner.wait_for_idle()
    services.close()


def tab_roles():  # type: ignore[no-untyped-def]
    from hms_desktop.ui.scheduler.day_grid_model import AppointmentRole, SlotRole

    return AppointmentRole, SlotRole


def select_first_appointment(tab) -> None:  # type: ignore[no-untyped-def]
    appointment_role, _slot = tab_roles()
    model = tab.day_model
    for c in range(model.columnCount()):
        for r in range(model.rowCount()):
            if model.index(r, c).data(appointment_role) is not None:
                tab.day_view.setCurrentIndex(model.index(r, c))
                return
    _ = time


if __name__ == "__main__":
    main()
