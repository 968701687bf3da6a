""""Bill this visit" in one click from the Scheduler, the Queues tab and the patient record, through
MainWindow.bill_visit, on a SQLite file and on PostgreSQL; hidden from a role that may not invoice."""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from hms_desktop.ui.billing.invoice_dialog import InvoiceDialog
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.patients.patient_dialog import PatientDialog
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import at, make_doctor, make_patients
from tests.services.test_billing import fix_billing_clock, visit
from tests.ui.scheduler.helpers import click_action, select_appointment
from tests.ui.test_visit_actions_shared import click_queue_row
from tests.ui.widget_helpers import open_dialog


def open_window(qtbot, services, runner) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    wait_idle(qtbot, runner)
    return window


def invoice_opened(qtbot, window: MainWindow, runner) -> InvoiceDialog:  # type: ignore[no-untyped-def]
    assert window.tabs.currentWidget() is window.billing_tab
    dialog = open_dialog(qtbot, window.billing_tab, InvoiceDialog)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: dialog.record is not None and dialog.lines.rowCount() == 1)
    return dialog


def close(dialog) -> None:  # type: ignore[no-untyped-def]
    dialog.done(0)


def test_bill_from_the_scheduler_and_the_queues_opens_the_visit_invoice(qtbot, services, runner):
    fix_billing_clock(services)
    doctor = make_doctor(services)  # consultation 500.00
    asha, ravi, meera = make_patients(services, 3)
    done = visit(services, asha, doctor.id, 9)
    waiting = visit(services, ravi, doctor.id, 10, status="checked_in")
    booked = services.scheduling.book(meera, doctor.id, at(11))
    window = open_window(qtbot, services, runner)
    scheduler = window.scheduler_tab

    window.tabs.setCurrentWidget(scheduler)
    qtbot.waitUntil(lambda: scheduler.day_model.rowCount() > 0 and not runner.busy, timeout=10_000)
    assert scheduler.bill_action.isVisible()
    select_appointment(qtbot, scheduler, time(11))
    assert not scheduler.bill_action.isEnabled()  # only booked: nothing to bill yet
    select_appointment(qtbot, scheduler, time(9))
    click_action(qtbot, scheduler, scheduler.bill_action)
    invoice = invoice_opened(qtbot, window, runner)
    assert invoice.lines.item(0, 0).text() == "Consultation: Dr Priya Nair"
    assert "₹500.00" in invoice.totals.text()
    assert services.invoices.for_appointment(done.id) is not None
    close(invoice)

    queues = window.queues_tab
    window.tabs.setCurrentWidget(queues)
    queues.refresh()
    wait_idle(qtbot, runner)
    assert queues.bill_button.isVisible()
    click_queue_row(qtbot, queues, booked.id)
    assert not queues.bill_button.isEnabled()
    click_queue_row(qtbot, queues, waiting.id)
    assert queues.bill_button.isEnabled()
    qtbot.mouseClick(queues.bill_button, Qt.MouseButton.LeftButton)
    invoice = invoice_opened(qtbot, window, runner)
    assert invoice.lines.item(0, 0).text() == "Consultation: Dr Priya Nair"
    assert services.invoices.for_appointment(waiting.id).patient_id == ravi
    close(invoice)


def test_bill_from_the_patient_record(qtbot, services, runner):
    fix_billing_clock(services)
    doctor = make_doctor(services)
    (asha,) = make_patients(services, 1)
    done = visit(services, asha, doctor.id, 9)
    window = open_window(qtbot, services, runner)
    window.patients_tab.open_patient(asha)
    record = open_dialog(qtbot, window.patients_tab, PatientDialog)
    qtbot.waitUntil(record.bill_button.isEnabled)
    qtbot.mouseClick(record.bill_button, Qt.MouseButton.LeftButton)
    invoice = invoice_opened(qtbot, window, runner)
    assert invoice.lines.item(0, 0).text() == "Consultation: Dr Priya Nair"
    assert services.invoices.for_appointment(done.id) is not None
    close(invoice)


def test_a_doctor_is_not_offered_billing(qtbot, services, runner):
    fix_billing_clock(services)
    add_staff(services, "drpriya", "doctor")
    account = next(m for m in services.staff.list() if m.username == "drpriya")
    doctor = make_doctor(services, staff_account_id=account.id)
    (asha,) = make_patients(services, 1)
    visit(services, asha, doctor.id, 9)
    desk = second_desk(services, "drpriya", STAFF_PASSWORD)
    fix_billing_clock(desk)
    try:
        window = MainWindow(desk, runner, desk.auth.current)
        qtbot.addWidget(window)
        window.show()
        wait_idle(qtbot, runner)
        assert window.billing_tab is None
        queues = window.queues_tab
        queues.refresh()
        wait_idle(qtbot, runner)
        assert queues.bill_button.isHidden()
        click_queue_row(qtbot, queues, services.scheduling.doctor_day(doctor.id, services.scheduling.today())[0].id)
        assert not queues.bill_button.isEnabled()
        if window.scheduler_tab is not None:
            assert not window.scheduler_tab.bill_action.isVisible()
        window.patients_tab.open_patient(asha)
        record = open_dialog(qtbot, window.patients_tab, PatientDialog)
        wait_idle(qtbot, runner)
        assert record.bill_button.isHidden()
        record.done(0)
        for box in window.findChildren(QMessageBox):
            box.done(0)
        window.close()
    finally:
        desk.close()
