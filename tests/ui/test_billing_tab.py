"""The Billing tab and its payment dialog on both databases: another desk's invoice appears without
a refresh, the search finds an invoice by number, and an overpayment is refused in plain words
with nothing saved and nothing typed lost."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hms_desktop.services.billing import LineInput
from hms_desktop.ui.billing.billing_tab import BillingTab
from hms_desktop.ui.billing.payment_dialog import PaymentDialog
from hms_desktop.ui.common.live_updates import ChangeWatcher
from tests.conftest import second_desk, wait_idle
from tests.services.conftest import make_patients
from tests.services.test_billing import fix_billing_clock
from tests.ui.widget_helpers import type_into


def _tab(qtbot, services, runner, watcher=None) -> BillingTab:
    tab = BillingTab(services, runner, services.auth.current, watcher)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    tab.all_dates.setChecked(True)
    wait_idle(qtbot, runner)
    return tab


def test_another_desks_invoice_appears_and_the_search_finds_it(qtbot, services, runner):
    fix_billing_clock(services)
    first, second = make_patients(services, 2)
    watcher = ChangeWatcher(services.scheduling.open_change_feed)
    tab = _tab(qtbot, services, runner, watcher)
    watcher.start()
    try:
        other = second_desk(services)
        fix_billing_clock(other)
        try:
            other.invoices.issue_now(first, [LineInput("Dressing", 1, 30000)])
            other.invoices.issue_now(second, [LineInput("ECG", 1, 45000)])
        finally:
            other.close()
        qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=10_000)
        qtbot.waitUntil(lambda: "2 invoices shown · total ₹750.00" in tab.totals.text())
        type_into(qtbot, tab.search, "INV-2030-000001")
        qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and tab.model.invoice(0).number == "INV-2030-000001")
        assert tab.model.invoice(0).total == 30000
    finally:
        watcher.stop()


def test_an_overpayment_is_refused_in_plain_words_and_nothing_is_saved(qtbot, services, runner):
    fix_billing_clock(services)
    (patient,) = make_patients(services, 1)
    services.shifts.open(0)
    invoice = services.invoices.issue_now(patient, [LineInput("Dressing", 1, 30000)])
    tab = _tab(qtbot, services, runner)
    tab.table.selectRow(0)
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    qtbot.keyClick(tab.table, Qt.Key.Key_F9)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: any(isinstance(d, PaymentDialog) for d in tab.dialogs))
    dialog = next(d for d in tab.dialogs if isinstance(d, PaymentDialog))
    dialog.method.setCurrentIndex(dialog.method.findData("card"))
    dialog.amount.selectAll()
    type_into(qtbot, dialog.amount, "300.01")
    type_into(qtbot, dialog.reference, "4242")
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    message = dialog.errors.text("amount")
    assert "₹300.01 is more than the ₹300.00 still owed" in message
    assert dialog.payment is None and dialog.amount.text() == "300.01" and dialog.reference.text() == "4242"
    assert services.invoices.get(invoice.id).paid == 0
