"""A patient's balance where the desk needs it (Patients list, patient record, booking dialog), for
users allowed to see billing, on a SQLite file and on PostgreSQL; a nurse sees nothing of it."""

from __future__ import annotations

from datetime import time

from hms_desktop.services.billing import LineInput
from hms_desktop.ui.common.balances import balance_text
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.patients.patient_dialog import PatientDialog
from hms_desktop.ui.patients.patient_table_model import BALANCE, NAME, PatientIdRole
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import make_doctor, make_patients
from tests.services.test_billing import fix_billing_clock
from tests.ui.scheduler.helpers import cell, click_cell, pick_patient
from tests.ui.widget_helpers import open_dialog


def clinic_with_balances(services):  # type: ignore[no-untyped-def]
    """Asha owes 1,200.00 on an issued invoice, Ravi holds 300.00 of credit, Meera is settled."""
    fix_billing_clock(services)
    doctor = make_doctor(services)
    asha, ravi, meera = make_patients(services, 3)
    services.shifts.open(100000)
    draft = services.invoices.start(asha)
    draft = services.invoices.save_draft(draft.id, draft.version, [LineInput("Scan", 1, 120000)])
    services.invoices.issue(draft.id, draft.version)
    services.payments.advance(ravi, "cash", 30000, tendered=30000)
    return doctor, asha, ravi, meera


def window_for(qtbot, services, runner) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    wait_idle(qtbot, runner)
    return window


def shown_balances(window: MainWindow) -> dict[int, str]:
    model = window.patients_tab.model
    return {model.index(r, NAME).data(PatientIdRole): model.index(r, BALANCE).data() for r in range(model.rowCount())}


def test_balance_text_words():
    from hms_desktop.services.billing.records import Balance

    assert balance_text(Balance(1, 120000, 0), "INR", "en_IN") == "Owes ₹1,200.00"
    assert balance_text(Balance(1, 0, 30000), "INR", "en_IN") == "Credit ₹300.00"
    assert balance_text(Balance(1, 0, 0), "INR", "en_IN") == ""
    assert balance_text(Balance(1, 125000000, 0), "EUR", "de_DE") == "Owes 1.250.000,00\xa0€"


def test_balances_in_the_list_the_record_and_the_booking_dialog(qtbot, qtmodeltester, services, runner):
    _doctor, asha, ravi, meera = clinic_with_balances(services)
    window = window_for(qtbot, services, runner)
    model = window.patients_tab.model
    assert model.headerData(BALANCE, _horizontal()) == "Balance"
    qtbot.waitUntil(lambda: shown_balances(window).get(asha) == "Owes ₹1,200.00", timeout=10_000)
    assert shown_balances(window) == {asha: "Owes ₹1,200.00", ravi: "Credit ₹300.00", meera: ""}
    qtmodeltester.check(model)  # with the Balance column too

    window.patients_tab.open_patient(asha)
    record = open_dialog(qtbot, window.patients_tab, PatientDialog)
    slot = record.balance_line
    qtbot.waitUntil(slot.isVisible)
    assert slot.text() == "Owes ₹1,200.00"
    record.done(0)
    window.patients_tab.open_patient(meera)
    record = open_dialog(qtbot, window.patients_tab, PatientDialog)
    wait_idle(qtbot, runner)
    assert not record.balance_line.isVisible()  # settled: nothing
    record.done(0)

    scheduler = window.scheduler_tab
    window.tabs.setCurrentWidget(scheduler)
    qtbot.waitUntil(lambda: scheduler.day_model.rowCount() > 0 and not runner.busy, timeout=10_000)
    click_cell(qtbot, scheduler.day_view, cell(scheduler, time(9)))
    dialog = scheduler.booking_dialog
    assert dialog is not None
    pick_patient(qtbot, runner, dialog.finder, "asha", "Asha PatA0")
    qtbot.waitUntil(dialog.balance_label.isVisible)
    assert dialog.balance_label.text() == "owes ₹1,200.00"
    dialog.done(0)
    click_cell(qtbot, scheduler.day_view, cell(scheduler, time(10)))
    dialog = scheduler.booking_dialog
    pick_patient(qtbot, runner, dialog.finder, "meera", "Meera PatC2")
    wait_idle(qtbot, runner)
    assert not dialog.balance_label.isVisible()  # settled: nothing
    dialog.done(0)


def test_a_nurse_sees_no_balance(qtbot, services, runner):
    _doctor, asha, _ravi, _meera = clinic_with_balances(services)
    add_staff(services, "nina", "nurse")
    nurse = second_desk(services, "nina", STAFF_PASSWORD)
    fix_billing_clock(nurse)
    try:
        window = window_for(qtbot, nurse, runner)
        model = window.patients_tab.model
        qtbot.waitUntil(lambda: model.rowCount() == 3)
        assert "Balance" not in [model.headerData(c, _horizontal()) for c in range(model.columnCount())]
        window.patients_tab.open_patient(asha)
        record = open_dialog(qtbot, window.patients_tab, PatientDialog)
        wait_idle(qtbot, runner)
        assert not record.balance_line.isVisible() and record.balance_line.text() == ""
        record.done(0)
        window.close()
    finally:
        nurse.close()


def _horizontal():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal
