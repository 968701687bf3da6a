"""The patient's clinical history in the patient record, on a SQLite file and on PostgreSQL: the
doctor sees the timeline (vitals, diagnoses, prescriptions, addenda) with a trend chart drawn by
pyqtgraph; the receptionist opening the same patient sees no clinical text anywhere."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTreeWidget,
)

from hms_desktop.bootstrap import Services
from hms_desktop.services.clinical import DiagnosisInput, NotesInput, PrescriptionInput, VitalsInput
from hms_desktop.ui.clinical.visit_dialog import VisitDialog
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import _account_id, fix_clock, make_doctor
from tests.ui.test_clinical_visit import Surgery, open_surgery, open_window
from tests.ui.test_visit_actions_shared import click_queue_row
from tests.ui.widget_helpers import open_dialog, type_into


@pytest.fixture
def surgery(services: Services) -> Iterator[Surgery]:
    yield from open_surgery(services)


SECRETS = ("Night cough", "Wheeze both bases", "Asthma", "J45", "Salbutamol", "Peak flow", "Inhaler technique")


def write_visit(surgery: Surgery) -> int:
    clinical = surgery.doctor.clinical
    visit = clinical.open_for_appointment(surgery.appointment_id)
    visit = clinical.save_notes(visit.id, visit.version, NotesInput("Night cough", "Wheeze both bases",
                                                                    "Inhaler technique shown"))
    visit = clinical.record_vitals(visit.id, visit.version, VitalsInput(weight_kg=71.5, systolic_mmhg=132,
                                                                        diastolic_mmhg=86, pulse_bpm=90))
    visit = clinical.add_diagnosis(visit.id, visit.version, DiagnosisInput("", "J45.9"))
    visit = clinical.add_prescription(visit.id, visit.version, PrescriptionInput("Salbutamol", "100 mcg", "inhaler"))
    visit = clinical.sign(visit.id, visit.version)
    clinical.add_addendum(visit.id, "Peak flow 420 L/min on review")
    return visit.id


def open_patient(qtbot, window, runner, patient_id: int):  # type: ignore[no-untyped-def]
    tab = window.patients_tab
    window.tabs.setCurrentWidget(tab)
    tab.open_patient(patient_id)
    qtbot.waitUntil(lambda: bool(tab.dialogs))
    wait_idle(qtbot, runner)
    return tab.dialogs[-1]


def every_text(root) -> str:  # type: ignore[no-untyped-def]
    """What a person could read anywhere under ``root``: labels, boxes, lists, trees, buttons, tips."""
    texts = []
    for widget in [root, *root.findChildren(object)]:
        if not isinstance(widget, QLabel | QLineEdit | QPlainTextEdit | QListWidget | QTreeWidget | QComboBox
                          | QAbstractButton) or not shiboken6.isValid(widget):
            continue
        texts.append(widget.toolTip())
        if isinstance(widget, QLabel | QLineEdit | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            texts.append(widget.toPlainText())
        elif isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        elif isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        elif isinstance(widget, QTreeWidget):
            stack = [widget.topLevelItem(i) for i in range(widget.topLevelItemCount())]
            while stack:
                item = stack.pop()
                texts += [item.text(c) for c in range(item.columnCount())] + [item.toolTip(c) for c in range(item.columnCount())]
                stack += [item.child(c) for c in range(item.childCount())]
    return "\n".join(texts)


def test_the_doctor_reads_the_timeline_and_the_trend(qtbot, surgery: Surgery, runner):
    write_visit(surgery)
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.clinical
    assert panel is not None
    bar = dialog.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(dialog.sections.indexOf(panel)).center())
    assert dialog.sections.currentWidget() is panel
    assert panel.allergies.text() == "Allergies: Amoxicillin (severe): rash"
    lines = panel.texts()
    assert lines[0].endswith("Dr Priya Nair · signed · Night cough")
    assert "Diagnosis: Asthma, unspecified (J45.9)" in lines
    assert "Medicine: Salbutamol 100 mcg inhaler" in lines
    assert any(line.startswith("Vitals: ") and "BP 132/86 mmHg" in line for line in lines)
    assert any(line.endswith("Peak flow 420 L/min on review") for line in lines)
    assert panel.state.text() == "1 visit, newest first"
    # Filtered by kind: only the prescriptions stay shown.
    panel.kind.setCurrentIndex(panel.kind.findData("medicine"))
    visit_item = panel.timeline.topLevelItem(0)
    shown = [visit_item.child(c).text(0) for c in range(visit_item.childCount()) if not visit_item.child(c).isHidden()]
    assert shown == ["Medicine: Salbutamol 100 mcg inhaler"]
    # The trend chart, drawn by pyqtgraph once there was something to draw.
    assert "pyqtgraph" in sys.modules
    assert set(panel.chart.curves) == {"Systolic", "Diastolic", "Weight"}
    xs, ys = panel.chart.curves["Weight"].getData()
    assert list(ys) == [71.5]


def test_a_receptionist_sees_no_clinical_text_anywhere(qtbot, surgery: Surgery, runner):
    write_visit(surgery)
    desk = second_desk(surgery.admin, "rita", STAFF_PASSWORD)
    fix_clock(desk)
    try:
        window = open_window(qtbot, desk, runner)
        # Today's queue: the patient is there, but no way into the visit record.
        queues = window.queues_tab
        window.tabs.setCurrentWidget(queues)
        queues.refresh()
        wait_idle(qtbot, runner)
        click_queue_row(qtbot, queues, surgery.appointment_id)
        assert not queues.visit_record_button.isVisible()
        assert window.visit_records is None
        assert not window.scheduler_tab.visit_record_action.isVisible()
        dialog = open_patient(qtbot, window, runner, surgery.patient_id)
        assert dialog.clinical is None
        titles = [dialog.sections.tabText(i) for i in range(dialog.sections.count())]
        assert not any("linical" in t for t in titles)
        for i in range(dialog.sections.count()):
            dialog.sections.setCurrentIndex(i)
            wait_idle(qtbot, runner)
        seen = every_text(window) + every_text(dialog)
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible():
                seen += every_text(widget)
        assert "Asha" in seen  # the demographics are there: the check reads what is shown
        for secret in SECRETS:
            assert secret not in seen, secret
    finally:
        desk.close()


def open_from_history(qtbot, window, runner, patient_id: int) -> VisitDialog:  # type: ignore[no-untyped-def]
    dialog = open_patient(qtbot, window, runner, patient_id)
    panel = dialog.clinical
    bar = dialog.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(dialog.sections.indexOf(panel)).center())
    first = panel.timeline.topLevelItem(0)
    rect = panel.timeline.visualItemRect(first)
    qtbot.mouseClick(panel.timeline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert panel.open_button.isVisible()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    visit = open_dialog(qtbot, window, VisitDialog)
    wait_idle(qtbot, runner)
    return visit


def test_a_visit_opens_from_the_history_and_another_doctors_visit_only_reads(qtbot, surgery: Surgery, runner):
    visit_id = write_visit(surgery)
    window = open_window(qtbot, surgery.doctor, runner)
    own = open_from_history(qtbot, window, runner, surgery.patient_id)
    assert own.visit.id == visit_id and own.visit.signed
    assert own.addenda.add.isEnabled() and not own.sign_button.isEnabled()
    own.done(0)
    window.close()

    add_staff(surgery.admin, "omar", "doctor")
    make_doctor(surgery.admin, "Dr Omar Said", staff_account_id=_account_id(surgery.admin, "omar"))
    desk = second_desk(surgery.admin, "omar", STAFF_PASSWORD)
    fix_clock(desk)
    try:
        window = open_window(qtbot, desk, runner)
        theirs = open_from_history(qtbot, window, runner, surgery.patient_id)
        assert theirs.notes.complaint.toPlainText() == "Night cough"  # he may read it
        assert not theirs.can_write and not theirs.can_vitals
        for button in (theirs.addenda.add, theirs.notes.save, theirs.vitals.record, theirs.prescription.add):
            assert not button.isEnabled(), button.objectName()
        assert "Only Dr Priya Nair" in theirs.sign_button.toolTip()
    finally:
        desk.close()


def test_a_nurse_takes_vitals_and_writes_nothing_else(qtbot, surgery: Surgery, runner):
    add_staff(surgery.admin, "nina", "nurse")
    desk = second_desk(surgery.admin, "nina", STAFF_PASSWORD)
    fix_clock(desk)
    try:
        window = open_window(qtbot, desk, runner)
        queues = window.queues_tab
        window.tabs.setCurrentWidget(queues)
        queues.refresh()
        wait_idle(qtbot, runner)
        click_queue_row(qtbot, queues, surgery.appointment_id)
        qtbot.mouseClick(queues.visit_record_button, Qt.MouseButton.LeftButton)
        visit = open_dialog(qtbot, window, VisitDialog)
        wait_idle(qtbot, runner)
        assert visit.sections.currentWidget() is visit.vitals  # a nurse starts where she writes
        assert visit.notes.complaint.isReadOnly() and not visit.prescription.add.isEnabled()
        assert not visit.sign_button.isEnabled() and not visit.diagnoses.add.isEnabled()
        type_into(qtbot, visit.vitals.form.boxes["spo2_percent"], "91")
        assert "SpO2 91 % is low" in visit.vitals.form.flags_line.text()
        qtbot.mouseClick(visit.vitals.record, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, runner)
        [reading] = surgery.doctor.clinical.get_visit(visit.visit.id).vitals
        assert (reading.spo2_percent, reading.taken_by) == (91, "Nina")
    finally:
        desk.close()


def test_older_visits_come_on_request(qtbot, surgery: Surgery, runner):
    clinical = surgery.doctor.clinical
    for n in range(3):
        visit = clinical.start_without_appointment(surgery.patient_id)
        clinical.save_notes(visit.id, visit.version, NotesInput(f"Visit number {n}"))
    window = open_window(qtbot, surgery.doctor, runner)
    dialog = open_patient(qtbot, window, runner, surgery.patient_id)
    panel = dialog.clinical
    bar = dialog.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(dialog.sections.indexOf(panel)).center())
    panel.load(surgery.patient_id, limit=2)  # a small page, as if the patient had 50 visits and more
    wait_idle(qtbot, runner)
    assert panel.state.text() == "The newest 2 visits"
    assert [panel.timeline.topLevelItem(i).text(0).rsplit(" · ", 1)[-1] for i in range(2)] == [
        "Visit number 2", "Visit number 1"]
    assert panel.more_button.isVisible()
    qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert panel.timeline.topLevelItemCount() == 3 and panel.state.text() == "3 visits, newest first"
    assert not panel.more_button.isVisible()
