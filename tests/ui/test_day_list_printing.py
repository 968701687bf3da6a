"""'Print day list…' on the Doctor's day tab: a real click, the worker renders, the print preview
opens, and what its Print button sends is written by a PDF printer and read back. SQLite and PostgreSQL;
the clinic's clock is fixed at Monday 7 January 2030, 07:00 in Kolkata (tests/services/conftest.py)."""

from __future__ import annotations

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from hms_desktop.ui.queues.queues_tab import QueuesTab
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at, fix_clock
from tests.ui.test_queues_tab import Clinic, make_tab


def _print_through_preview(qtbot, tab: QueuesTab, tmp_path) -> str:
    assert tab.print_day_button.isEnabled()
    with qtbot.waitSignal(tab.day_list_printer.opened, timeout=10_000) as opened:
        qtbot.mouseClick(tab.print_day_button, Qt.MouseButton.LeftButton)
    preview = opened.args[0]
    assert preview.objectName() == "printPreview" and preview.isVisible()
    printed = tmp_path / "printed-day-list.pdf"
    printer = tab.day_list_printer.printout.new_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    assert tab.day_list_printer.printout.print_to(printer) == 1
    preview.reject()
    # The printer's PDF is Qt's redrawing of the pages; the text is read from the document itself.
    assert len(PdfReader(str(printed)).pages) == 1
    source = tmp_path / "day-list.pdf"
    source.write_bytes(tab.day_list_printer.printout.pdf)
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(source)).pages)


def test_a_doctor_prints_their_day_list_from_the_tab(qtbot, services, runner, tmp_path):
    clinic = Clinic(services)
    tab = make_tab(qtbot, clinic, runner, "drpriya")
    text = _print_through_preview(qtbot, tab, tmp_path)
    assert "Dr Priya Nair — day list for Monday 7 January 2030" in text
    for appt in clinic.appointments:
        assert appt.patient_name in text and f"{appt.local_start:%H:%M}" in text and appt.reason in text
        assert appt.patient_mrn in text
    assert tab.day_list_printer.printout.file_name == "Day list Dr Priya Nair 2030-01-07.pdf"


def test_the_front_desk_prints_the_picked_doctors_day_with_tokens(qtbot, services, runner, tmp_path):
    clinic = Clinic(services)
    fix_clock(services, at(8))
    arrived = services.visits.check_in(clinic.appointments[1].id)
    tab = make_tab(qtbot, clinic, runner, "rita")
    assert tab.doctor is not None and tab.day == TODAY
    text = _print_through_preview(qtbot, tab, tmp_path)
    assert f"09:15 {arrived.token} {arrived.patient_name} {arrived.patient_mrn}" in text
    assert "Checked in" in text


def test_the_button_waits_until_a_doctor_and_day_are_shown(qtbot, services, runner):
    clinic = Clinic(services)
    tab = QueuesTab(services, runner, clinic.sign_in("rita"))
    qtbot.addWidget(tab)
    assert not tab.print_day_button.isEnabled()  # nothing loaded yet: nothing to print
    tab.refresh()
    wait_idle(qtbot, runner)
    assert tab.print_day_button.isEnabled()
