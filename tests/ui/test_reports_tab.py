"""The Reports tab through real clicks and keys, over the hand-worked clinic of
tests/services/test_reports.py, on SQLite and PostgreSQL: the figures, the chart, CSV saved and read
back, the print preview, and a receptionist who never sees a money report."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtPrintSupport import QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QLineEdit

from hms_desktop.paths import documents_dir
from hms_desktop.ui.reports.reports_tab import ReportsTab
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services import report_xlsx
from tests.services.test_reports import build_clinic


def open_tab(qtbot, services, runner) -> ReportsTab:
    tab = ReportsTab(services, runner, services.identity.user)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    with qtbot.waitSignal(tab.shown, timeout=20_000):
        tab.show()
    return tab


def texts(tab: ReportsTab) -> list[list[str]]:
    model = tab.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def choose(qtbot, tab: ReportsTab, title: str) -> None:
    tab.report.setFocus()
    qtbot.keyClicks(tab.report, title)
    assert tab.report.currentText() == title


@pytest.fixture
def clinic(services):
    build_clinic(services)  # leaves the clinic's clock on 8 Jan 2030
    return services


def test_admin_sees_the_figures_chart_and_saves_csv(qtbot, qtmodeltester, clinic, runner):
    tab = open_tab(qtbot, clinic, runner)
    # The last 30 clinic days up to "today" (8 Jan 2030), appointments per doctor first.
    assert (tab.day_from.date(), tab.day_to.date()) == (QDate(2029, 12, 10), QDate(2030, 1, 8))
    assert texts(tab) == [["Dr Omar Khan", "2", "1", "0", "0", "1", "1", "0.0 %"],
                          ["Dr Priya Nair", "4", "2", "1", "1", "0", "0", "33.3 %"],
                          ["Total", "6", "3", "1", "1", "1", "1", "20.0 %"]]
    qtmodeltester.check(tab.model)
    assert len(tab.chart.bars) == 4  # completed, cancelled, no-show, still open, stacked
    choose(qtbot, tab, "Revenue per day")
    tab.day_from.setDate(QDate(2030, 1, 7))
    with qtbot.waitSignal(tab.shown, timeout=20_000):
        qtbot.mouseClick(tab.show_button, Qt.MouseButton.LeftButton)
    assert texts(tab)[-1] == ["Total", "3", "₹1,680.00", "₹20.00", "₹0.00", "₹1,380.00", "₹80.00", "₹1,300.00"]
    assert "07 Jan 2030 – 08 Jan 2030" in tab.summary.text() and "Invoiced: ₹1,680.00" in tab.summary.text()
    assert len(tab.chart.bars) == 2
    # Save CSV through the file dialog, in the documents folder.
    with qtbot.waitSignal(tab.opened, timeout=10_000) as opened:
        qtbot.mouseClick(tab.csv_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    qtbot.waitUntil(dialog.isVisible)
    name_box = dialog.findChild(QLineEdit, "fileNameEdit")
    name_box.selectAll()
    # A name of its own per database: an existing file would stop on the "replace it?" question.
    name = f"january revenue {clinic.db.url.get_backend_name()}.csv"
    (documents_dir() / name).unlink(missing_ok=True)
    qtbot.keyClicks(name_box, name)
    with qtbot.waitSignal(tab.csv_saved, timeout=10_000) as saved:
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    assert saved.args[0] == documents_dir() / name
    with open(saved.args[0], encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[:2] == [["# report: Revenue per day"], ["# period: 2030-01-07 to 2030-01-08"]]
    assert rows[3] == ["2030-01-07", "2", "1180.00", "20.00", "0.00", "1180.00", "80.00", "1100.00"]
    # And as a spreadsheet: the same figures as numbers.
    with qtbot.waitSignal(tab.opened, timeout=10_000) as opened:
        qtbot.mouseClick(tab.xlsx_button, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    qtbot.waitUntil(dialog.isVisible)
    name_box = dialog.findChild(QLineEdit, "fileNameEdit")
    name_box.selectAll()
    name = f"january revenue {clinic.db.url.get_backend_name()}.xlsx"
    (documents_dir() / name).unlink(missing_ok=True)
    qtbot.keyClicks(name_box, name)
    with qtbot.waitSignal(tab.csv_saved, timeout=10_000) as saved:
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    cells = report_xlsx.rows(saved.args[0].read_bytes())
    assert cells[3][:3] == ["Day", "Invoices", "Invoiced (INR)"] and cells[4][1:3] == [2.0, 1180.0]
    # The print preview, through the one print path.
    with qtbot.waitSignal(tab.opened, timeout=20_000) as opened:
        qtbot.mouseClick(tab.preview_button, Qt.MouseButton.LeftButton)
    preview = opened.args[0]
    assert isinstance(preview, QPrintPreviewDialog)
    qtbot.waitUntil(preview.isVisible)
    preview.reject()
    wait_idle(qtbot, runner)


def test_a_filter_box_for_the_report_that_takes_it(qtbot, clinic, runner):
    from datetime import date

    from sqlalchemy import text

    from tests.services.conftest import at, make_doctor

    derm = clinic.doctors.add_specialty("Dermatology")
    ben = make_doctor(clinic, "Dr Ben Ode", specialty=derm)
    clock = clinic.scheduling.clock
    clinic.scheduling.clock = lambda: at(7, day=date(2030, 1, 8))
    with clinic.db.engine.connect() as conn:
        patient = conn.execute(text("SELECT min(id) FROM patients")).scalar_one()
    clinic.scheduling.book(patient, ben.id, at(11, day=date(2030, 1, 8)))
    clinic.scheduling.clock = clock
    tab = open_tab(qtbot, clinic, runner)
    boxes = tab.filter_boxes
    assert boxes["specialty"].isVisible() and not boxes["cashier"].isVisible()  # appointments per doctor
    boxes["specialty"].setFocus()
    qtbot.keyClicks(boxes["specialty"], "Dermatology")
    assert boxes["specialty"].currentText() == "Dermatology"
    with qtbot.waitSignal(tab.shown, timeout=20_000) as shown:
        qtbot.mouseClick(tab.show_button, Qt.MouseButton.LeftButton)
    with clinic.db.engine.connect() as conn:
        booked = conn.execute(text(
            "SELECT count(*) FROM appointments a JOIN doctor_specialties ds ON ds.doctor_id = a.doctor_id "
            "WHERE ds.specialty_id = :s"), {"s": derm.id}).scalar_one()
    assert [row[:2] for row in texts(tab)] == [["Dr Ben Ode", str(booked)], ["Total", str(booked)]]
    assert shown.args[0].filters == "Specialty: Dermatology" and "Specialty: Dermatology" in tab.summary.text()
    choose(qtbot, tab, "Daily takings per cashier")
    assert boxes["cashier"].isVisible() and not boxes["specialty"].isVisible()
    assert [boxes["cashier"].itemText(i) for i in range(boxes["cashier"].count())] == ["All cashiers", "Ada Admin"]
    qtbot.wait(QApplication.keyboardInputInterval() + 100)  # a new search, not "Daily...Revenue"
    choose(qtbot, tab, "Revenue per day")
    assert not any(box.isVisible() for box in boxes.values())
    wait_idle(qtbot, runner)


def test_a_receptionist_has_no_money_reports(qtbot, clinic, runner):
    add_staff(clinic, "rita", "receptionist")
    rita = second_desk(clinic, "rita", STAFF_PASSWORD)
    try:
        rita.scheduling.clock = clinic.scheduling.clock
        tab = open_tab(qtbot, rita, runner)
        titles = [tab.report.itemText(i) for i in range(tab.report.count())]
        assert titles == ["Appointments per doctor", "Appointments per day", "Appointments per specialty",
                          "Cancellations by reason", "Waiting times per doctor", "Waiting times per hour of day",
                          "Doctor utilisation", "New and returning patients", "Patients seen by age and sex"]
        assert not any("₹" in cell for row in texts(tab) for cell in row)
        wait_idle(qtbot, runner)
    finally:
        rita.close()


def test_the_chart_library_is_not_loaded_before_a_chart_is_drawn():
    import subprocess
    import sys

    code = ("import sys; import hms_desktop.ui.main_window, hms_desktop.ui.reports.reports_tab; "
            "print('pyqtgraph' in sys.modules, 'reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})
    assert out.stdout.split() == ["False", "False"], out.stderr
