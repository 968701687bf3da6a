"""Screens for "Bill this visit" and the patient's balance, at the screen's size, for review.

    QT_QPA_PLATFORM=xcb DISPLAY=:N .venv/bin/python scripts/desklinks_screenshots.py [shots/]

The Scheduler with a billable visit selected (the Bill action enabled), the Patients list with its
Balance column, and the record of a patient who owes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.services.billing.invoices import BILLABLE_VISIT  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402
from hms_desktop.ui.patients.patient_dialog import PatientDialog  # noqa: E402
from hms_desktop.ui.scheduler.day_grid_model import AppointmentRole  # noqa: E402


def main() -> None:
    folder = output_folder()
    app = make_application() if QApplication.instance() is None else QApplication.instance()
    services, user = scratch_clinic("hms-desklinks-shots-")
    today = services.scheduling.today()
    services.demo.load_patients(80, seed=7)
    services.demo_schedule.load(doctors=5, appointments=200, seed=3, today=today)
    services.shifts.open(200000)
    services.demo_billing.load_invoices(30, seed=7)
    runner = TaskRunner()
    screen = app.primaryScreen().availableGeometry()
    size = f"{screen.width()}x{screen.height()}"
    window = MainWindow(services, runner, user)
    window.setGeometry(screen)
    window.show()
    settle(runner, 800)

    window.tabs.setCurrentWidget(window.patients_tab)
    settle(runner, 800)
    save(window, folder, f"patients_balance_{size}", runner)

    owing = next(p for p in range(1, 200) if services.invoices.balance_for(p).owed > 0)
    window.patients_tab.open_patient(owing)
    settle(runner, 800)
    record = next(d for d in window.patients_tab.findChildren(PatientDialog) if d.isVisible())
    save(record, folder, f"patient_record_balance_{size}", runner)
    record.done(0)

    # A patient at the desk now: checked in, so the visit can be billed.
    arrived = next(a for d in services.doctors.search() for a in services.scheduling.doctor_day(d.id, today)
                   if a.status == "confirmed")
    services.visits.check_in(arrived.id)
    tab = window.scheduler_tab
    window.tabs.setCurrentWidget(tab)
    tab.refresh()
    settle(runner, 1000)
    model, view = tab.day_model, tab.day_view
    for row in range(model.rowCount()):
        hit = next((model.index(row, c) for c in range(model.columnCount())
                    if (a := model.index(row, c).data(AppointmentRole)) is not None and a.status in BILLABLE_VISIT), None)
        if hit is not None:
            view.setCurrentIndex(hit)
            view.scrollTo(hit)
            break
    settle(runner, 400)
    save(window, folder, f"scheduler_bill_{size}", runner)
    window.close()
    runner.shutdown()
    services.close()


if __name__ == "__main__":
    main()
