"""The cashier's journey through the Billing screens with real keys and clicks, on a SQLite file and
on PostgreSQL: open the shift, bill a completed visit (consultation plus a lab test), take cash with
change, save the receipt as a PDF through the print path and read it back, refund part, and close
the shift with a shortfall."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit

from hms_desktop.services.identity import CurrentUser
from hms_desktop.ui.billing.billing_tab import BillingTab
from hms_desktop.ui.billing.corrections import RefundDialog
from hms_desktop.ui.billing.payment_dialog import PaymentDialog
from hms_desktop.ui.billing.shift_dialog import ShiftDialog
from tests.conftest import wait_idle
from tests.documents.pdf_text import text as pdf_text
from tests.services.conftest import make_doctor, make_patients
from tests.services.test_billing import fix_billing_clock, visit
from tests.ui.widget_helpers import open_dialog, type_into


@pytest.fixture
def counter(qtbot, services, runner):
    fix_billing_clock(services)
    doctor = make_doctor(services)  # consultation 500.00
    (patient,) = make_patients(services, 1)
    services.price_list.add_item("LAB-CBC", "Complete blood count", "lab", 35000)
    appointment = visit(services, patient, doctor.id, 9)
    user: CurrentUser = services.auth.current
    tab = BillingTab(services, runner, user)
    qtbot.addWidget(tab)
    tab.resize(1200, 640)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    qtbot.keyClick(tab.all_dates, Qt.Key.Key_Space)  # the fixed clock's day is not this month
    wait_idle(qtbot, runner)
    return tab, services, runner, patient, appointment


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)


def test_from_counter_to_receipt_refund_and_a_short_closure(qtbot, counter, tmp_path):
    tab, services, runner, patient, appointment = counter
    assert tab.model.rowCount() == 0

    # Open the shift with a float of 1,000.00, from the keyboard.
    assert "not open" in tab.shift_label.text()
    press(qtbot, tab, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    shift = open_dialog(qtbot, tab, ShiftDialog)
    type_into(qtbot, shift.float_field, "1000")
    press(qtbot, shift.float_field, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: "open since" in tab.shift_label.text())

    # Bill the visit (the one click other screens offer): the consultation is the first line.
    invoice = tab.bill_visit(patient, appointment.id)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: invoice.record is not None and invoice.lines.rowCount() == 1)
    assert invoice.lines.item(0, 0).text() == "Consultation: Dr Priya Nair"
    assert invoice.item.hasFocus()
    # A lab test typed by its code, two of them, Enter adds the line.
    type_into(qtbot, invoice.item.lineEdit(), "LAB-CBC")
    press(qtbot, invoice.item.lineEdit(), Qt.Key.Key_Tab)
    type_into(qtbot, invoice.quantity.lineEdit(), "\b2")
    invoice.quantity.lineEdit().selectAll()
    qtbot.keyClicks(invoice.quantity.lineEdit(), "2")
    press(qtbot, invoice.quantity.lineEdit(), Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: invoice.lines.rowCount() == 2)
    assert invoice.lines.item(1, 1).text() == "2"
    assert "Total ₹1,200.00" in invoice.totals.text()

    # Ctrl+Enter issues it (a number from the database) and opens the payment, amount filled in.
    press(qtbot, invoice, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, runner)
    payment = open_dialog(qtbot, invoice, PaymentDialog)
    assert invoice.record.number == "INV-2030-000001"
    assert payment.amount.text() == "1,200.00" and payment.method.currentData() == "cash"
    press(qtbot, payment.amount, Qt.Key.Key_Tab)
    assert payment.tendered.hasFocus()
    type_into(qtbot, payment.tendered, "2000")
    assert payment.change.text() == "₹800.00"
    press(qtbot, payment.tendered, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: payment.payment is not None)
    assert payment.payment.receipt_number == "RCT-2030-000001" and payment.payment.change == 80000
    assert "Give ₹800.00 change" in payment.banner.text()
    qtbot.waitUntil(lambda: invoice.record.state == "paid")

    # The receipt, saved as a PDF through the print path, reads back with its numbers.
    qtbot.mouseClick(payment.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    file_dialog = open_dialog(qtbot, payment, QFileDialog)
    name_box = file_dialog.findChild(QLineEdit, "fileNameEdit")
    assert name_box.text() == "RCT-2030-000001.pdf"
    name_box.selectAll()  # a name of this test's own: the documents folder outlives one test
    qtbot.keyClicks(name_box, f"RCT-2030-000001 {tmp_path.name}")
    with qtbot.waitSignal(payment.printout.saved, timeout=10_000) as saved:
        press(qtbot, name_box, Qt.Key.Key_Return)
    assert saved.args[0].name == f"RCT-2030-000001 {tmp_path.name}.pdf"
    receipt = pdf_text(saved.args[0].read_bytes())
    for expected in ("RCT-2030-000001", "INV-2030-000001", "Pat", "1,200.00", "800.00"):
        assert expected in receipt
    assert "COPY" not in receipt
    qtbot.mouseClick(payment.close_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(invoice.close_button, Qt.MouseButton.LeftButton)

    # The list shows it paid; refund 200.00 of it with a reason.
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and tab.model.invoice(0).state == "paid")
    qtbot.waitUntil(lambda: "total ₹1,200.00 · paid ₹1,200.00 · still owed ₹0.00" in tab.totals.text())
    tab.table.setFocus()
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.refund_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    refund = open_dialog(qtbot, tab, RefundDialog)
    assert refund.amount.text() == "1,200.00"
    refund.amount.selectAll()
    type_into(qtbot, refund.amount, "200")
    press(qtbot, refund.amount, Qt.Key.Key_Tab)
    press(qtbot, refund.ok, Qt.Key.Key_Return)  # no reason: refused in plain words, nothing lost
    wait_idle(qtbot, runner)
    assert refund.isVisible() and "Say why" in refund.errors.text("reason")
    assert refund.amount.text() == "200"
    type_into(qtbot, refund.reason, "Lab test not done")
    press(qtbot, refund.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1 and tab.model.invoice(0).state == "partly_paid")
    assert services.invoices.get(tab.model.invoice(0).id).refunded == 20000

    # Close the shift: cash expected is the float + 1,200 - 200 = 2,000.00; 1,950.00 counted.
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)
    tab.table.setFocus()
    press(qtbot, tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    wait_idle(qtbot, runner)
    closing = open_dialog(qtbot, tab, ShiftDialog)
    assert closing.expected_labels["cash"].text() == "₹2,000.00"
    type_into(qtbot, closing.counted["cash"], "1950")
    assert closing.difference.text() == "Counted ₹1,950.00: ₹50.00 short"
    press(qtbot, closing.counted["cash"], Qt.Key.Key_Return)  # no reason yet: refused
    wait_idle(qtbot, runner)
    assert "short: say why" in closing.errors.text("reason")
    type_into(qtbot, closing.reason, "Change given twice")
    press(qtbot, closing.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: closing.closed is not None)
    assert closing.closed.over_short == -5000 and "₹50.00 short" in closing.banner.text()
    qtbot.waitUntil(lambda: "not open" in tab.shift_label.text())
