"""Render Admin -> Patient messages to PNG files for review, at the screen's size.

    QT_QPA_PLATFORM=xcb DISPLAY=:N .venv/bin/python scripts/notification_screenshots.py [shots/]

Builds a throw-away SQLite clinic, points it at a mail server that is not running, books two demo
appointments (their confirmations fail), and shows the mail server page (after a refused test
message) and the outbox with the failed messages.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.services.notifications import NotificationDispatcher, SmtpSettings  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.notifications.patient_email_dialog import PatientEmailDialog  # noqa: E402


def main() -> None:
    folder = output_folder()
    app = make_application() if QApplication.instance() is None else QApplication.instance()
    services, _user = scratch_clinic("hms-mail-shots-")
    services.demo.load_patients(40, seed=3)
    services.notifications.save_smtp_settings(SmtpSettings(host="127.0.0.1", port=2, security="none",
                                                           sender="Sunrise Clinic <desk@sunrise.example>"))
    services.demo_schedule.load(doctors=2, appointments=0, days=7, seed=3)
    doctor = services.doctors.search("")[0]
    with_mail = [p for p in services.patients.search("", limit=40).rows if services.patients.get(p.id).email][:4]
    for patient, slot in zip(with_mail, services.scheduling.next_available(doctor.id, count=4), strict=False):
        services.scheduling.book(patient.id, doctor.id, slot.starts_at)
    dispatcher = NotificationDispatcher(services.units, max_attempts=1)
    dispatcher.run_once(limit=5)
    runner = TaskRunner()
    screen = app.primaryScreen().availableGeometry()
    size = f"{screen.width()}x{screen.height()}"
    dialog = PatientEmailDialog(services.notifications, runner)
    dialog.show()
    settle(runner, 500)
    dialog.mail_server.test_to.setText("admin@sunrise.example")
    dialog.mail_server.send_test()
    settle(runner, 1500)
    save(dialog, folder, f"patient_email_server_{size}", runner)
    dialog.pages.setCurrentWidget(dialog.outbox)
    dialog.outbox.refresh()
    settle(runner, 800)
    save(dialog, folder, f"patient_email_outbox_{size}", runner)


if __name__ == "__main__":
    main()
