"""Render the clinical screens to PNG files for review, on the screen they run on (the whole screen
is saved, window frame and all, so clipping shows):

    eval "$(/work/shared/tools/desk-screen start 1024x700)"
    QT_QPA_PLATFORM=xcb .venv/bin/python scripts/clinical_screenshots.py shots/ 1024x700

A throw-away SQLite clinic: Dr Priya Nair (account 'priya'), a receptionist, Asha Rao with an
amoxicillin allergy, three earlier signed visits with vitals (dated back a month apart, so the trend
has a shape), and today's checked-in appointment. The doctor opens it from Today and fills each
page; then the patient record's clinical history; then the receptionist's patient record. Also
writes the prescription and the visit summary (prescription.pdf, visit-summary.pdf) for pdftoppm.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtGui import QGuiApplication  # noqa: E402
from screenshot_kit import ADMIN_PASSWORD, output_folder, scratch_dir, settle  # noqa: E402 - sets the environment
from sqlalchemy import text  # noqa: E402

from hms_desktop.bootstrap import Services, build_services  # noqa: E402
from hms_desktop.services import migrations  # noqa: E402
from hms_desktop.services.clinical import (  # noqa: E402
    AllergyInput,
    DiagnosisInput,
    NotesInput,
    PrescriptionInput,
    VitalsInput,
)
from hms_desktop.services.doctors import DoctorInput  # noqa: E402
from hms_desktop.services.patients import PatientInput  # noqa: E402
from hms_desktop.services.scheduling import SessionInput  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.main_window import MainWindow  # noqa: E402

STAFF_PASSWORD = "Staff-pass-1"
DAY = date(2030, 11, 26)
NOW = datetime.combine(DAY, time(9, 30), tzinfo=ZoneInfo("Asia/Kolkata"))  # the clinic's default zone


def shoot(folder, name: str, runner: TaskRunner, ms: int = 500) -> None:  # type: ignore[no-untyped-def]
    settle(runner, ms)
    path = folder / f"{name}.png"
    QGuiApplication.primaryScreen().grabWindow(0).save(str(path))
    print(path)


def earlier_visit(desk: Services, patient_id: int, days_ago: int, weight: float, bp: tuple[int, int]) -> None:
    c = desk.clinical
    v = c.start_without_appointment(patient_id)
    v = c.save_notes(v.id, v.version, NotesInput("Wheeze on exertion", "Scattered wheeze", "Inhaler technique"))
    v = c.record_vitals(v.id, v.version, VitalsInput(weight_kg=weight, systolic_mmhg=bp[0], diastolic_mmhg=bp[1],
                                                     pulse_bpm=84, temperature_c=36.8))
    v = c.add_diagnosis(v.id, v.version, DiagnosisInput("", "J45.9"))
    v = c.add_prescription(v.id, v.version, PrescriptionInput("Salbutamol", "100 mcg", "inhaler", "2 puffs",
                                                              "when needed", "inhaled", "1 month", "1"))
    c.sign(v.id, v.version)
    when = datetime.now(UTC) - timedelta(days=days_ago)
    with desk.db.engine.begin() as conn:  # screenshot data only: spread the visits over months
        conn.execute(text("UPDATE clinical_visits SET started_at = :w WHERE id = :id"), {"w": when, "id": v.id})
        conn.execute(text("UPDATE clinical_vitals SET taken_at = :w WHERE visit_id = :id"), {"w": when, "id": v.id})


def main() -> int:
    folder = output_folder()
    size = sys.argv[2] if len(sys.argv) > 2 else "screen"
    tmp = scratch_dir("hms-clinical-shots-")
    url = f"sqlite:///{tmp / 'shots.sqlite3'}"
    setup = build_services(url)
    migrations.upgrade(setup.db)
    setup.staff.create_first_admin("admin", "Asha Admin", ADMIN_PASSWORD)
    setup.auth.sign_in("admin", ADMIN_PASSWORD)
    setup.scheduling.clock = lambda: NOW
    for username, name, role in (("priya", "Priya Nair", "doctor"), ("rita", "Rita Dsouza", "receptionist")):
        setup.staff.add(username, name, role, STAFF_PASSWORD)
    account = next(m.id for m in setup.staff.list() if m.username == "priya")
    specialty = setup.doctors.add_specialty("General Medicine")
    doctor = setup.doctors.add(DoctorInput(full_name="Dr Priya Nair", specialty_ids=(specialty.id,),
                                           qualifications="MBBS, MD (Medicine)", registration_number="KMC 45821",
                                           location="East wing, room 12", consultation_fee_minor=50000,
                                           staff_account_id=account))
    setup.doctors.verify(doctor.id)
    setup.availability.set_weekly_template(doctor.id, [SessionInput(d, time(9), time(13), 15) for d in range(7)])
    patient = setup.patients.register(PatientInput(given_name="Asha", family_name="Rao", sex="female",
                                                   date_of_birth=date(1985, 4, 2), phone="+91 98450 12345",
                                                   allergies="latex"))
    appointment = setup.scheduling.book(patient.id, doctor.id, NOW + timedelta(minutes=30), reason="cough")
    setup.visits.check_in(appointment.id)

    app = make_application()
    runner = TaskRunner()
    desk = build_services(url)
    desk.auth.sign_in("priya", STAFF_PASSWORD)
    desk.scheduling.clock = lambda: NOW
    desk.clinical.record_allergy(patient.id, AllergyInput("Amoxicillin", "rash", "severe"))
    for days, weight, bp in ((120, 74.0, (142, 92)), (75, 72.5, (136, 88)), (30, 71.0, (130, 84))):
        earlier_visit(desk, patient.id, days, weight, bp)

    window = MainWindow(desk, runner, desk.auth.current)
    window.show()
    settle(runner, 600)
    today = window.queues_tab
    today.refresh()
    settle(runner, 400)
    today.select_appointment(appointment.id)
    today.open_visit_record()
    settle(runner, 600)
    dialog = window.visit_records.dialogs[-1]
    dialog.notes.complaint.setPlainText("Cough for three days, worse at night; no fever.")
    dialog.notes.examination.setPlainText("Scattered expiratory wheeze both bases. No crackles.")
    dialog.notes.advice.setPlainText("Steam inhalation. Review in one week, sooner if breathless.")
    shoot(folder, f"clinical-visit-notes-{size}", runner)
    dialog.sections.setCurrentWidget(dialog.vitals)
    for name, value in (("temperature_c", "38.4"), ("pulse_bpm", "96"), ("systolic_mmhg", "128"),
                        ("diastolic_mmhg", "84"), ("weight_kg", "70.5"), ("height_cm", "163")):
        dialog.vitals.form.boxes[name].setText(value)
    dialog.record_vitals()
    settle(runner, 300)
    dialog.vitals.form.boxes["pulse_bpm"].setText("450")
    shoot(folder, f"clinical-visit-vitals-{size}", runner)
    dialog.vitals.form.clear()
    dialog.sections.setCurrentWidget(dialog.diagnoses)
    dialog.diagnoses.picker.box.setText("asthma")
    dialog.diagnoses.picker.box.textEdited.emit("asthma")
    shoot(folder, f"clinical-visit-diagnoses-{size}", runner)
    dialog.diagnoses.picker.results.setCurrentRow(2)
    dialog.diagnoses.picker._activated(dialog.diagnoses.picker.results.item(2))
    dialog.add_diagnosis()
    settle(runner, 300)
    dialog.sections.setCurrentWidget(dialog.prescription)
    for name, value in (("medicine", "Azithromycin"), ("strength", "500 mg"), ("form", "tablet"), ("dose", "1 tablet"),
                        ("frequency", "once a day"), ("route", "oral"), ("duration", "3 days"), ("quantity", "3"),
                        ("instructions", "an hour before food")):
        dialog.prescription.form.boxes[name].setText(value)
    dialog.add_medicine()
    settle(runner, 300)
    dialog.prescription.form.boxes["medicine"].setText("Amoxicillin")
    dialog.add_medicine()
    shoot(folder, f"clinical-visit-allergy-{size}", runner, 700)
    if dialog.override_dialog is not None:
        dialog.override_dialog.reject()
    dialog.prescription.form.clear()
    shoot(folder, f"clinical-visit-prescription-{size}", runner)
    dialog.save_notes()
    settle(runner, 300)
    dialog._sign()
    settle(runner, 300)
    dialog.addenda.text.setPlainText("Chest X-ray clear.")
    dialog.add_addendum()
    shoot(folder, f"clinical-visit-signed-{size}", runner)
    (folder / "prescription.pdf").write_bytes(desk.clinical_documents.prescription_pdf(dialog.visit.id).pdf)
    (folder / "visit-summary.pdf").write_bytes(desk.clinical_documents.visit_summary_pdf(dialog.visit.id).pdf)
    dialog.reject()

    patients = window.patients_tab
    window.tabs.setCurrentWidget(patients)
    patients.open_patient(patient.id)
    settle(runner, 800)
    record = patients.dialogs[-1]
    record.sections.setCurrentWidget(record.clinical)
    shoot(folder, f"clinical-history-{size}", runner, 900)
    record.done(0)
    window.close()

    front = build_services(url)
    front.auth.sign_in("rita", STAFF_PASSWORD)
    front.scheduling.clock = lambda: NOW
    desk_window = MainWindow(front, runner, front.auth.current)
    desk_window.show()
    settle(runner, 500)
    desk_window.patients_tab.open_patient(patient.id)
    settle(runner, 600)
    front_record = desk_window.patients_tab.dialogs[-1]
    front_record.sections.setCurrentIndex(front_record.sections.count() - 1)
    shoot(folder, f"clinical-receptionist-record-{size}", runner)
    front_record.done(0)
    desk_window.close()
    # The doctor profile as the administrator edits it: the registration number printed on prescriptions.
    admin_window = MainWindow(setup, runner, setup.auth.current)
    admin_window.show()
    admin_window.tabs.setCurrentWidget(admin_window.doctors_tab)
    admin_window.doctors_tab.refresh()
    settle(runner, 600)
    admin_window.doctors_tab.select_doctor(doctor.id)
    profile = admin_window.doctors_tab.open_selected()
    shoot(folder, f"clinical-doctor-registration-{size}", runner, 800)
    if profile is not None:
        profile.done(0)
    admin_window.close()
    runner.shutdown()
    for services in (setup, desk, front):
        services.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())

