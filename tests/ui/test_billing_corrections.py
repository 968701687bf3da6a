"""What the billing services already do, now driven through the Billing screens with real clicks and
keys on both databases: a receptionist's discount beyond their limit refused in words; a credit note
and a void from the corrections dialogs; an advance taken from the tab and applied to a later
invoice; a reprinted receipt says COPY; the 80 mm receipt saved through the one print path."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit

from hms_desktop.services.billing import LineInput
from hms_desktop.ui.billing.billing_tab import BillingTab
from hms_desktop.ui.billing.corrections import CreditNoteDialog, VoidDialog
from hms_desktop.ui.billing.invoice_dialog import InvoiceDialog
from hms_desktop.ui.billing.patient_picker import PatientPicker
from hms_desktop.ui.billing.payment_dialog import PaymentDialog
from hms_desktop.ui.billing.receipt_dialog import ReceiptChooser
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.documents.pdf_text import page_sizes
from tests.documents.pdf_text import text as pdf_text
from tests.services.conftest import make_patients
from tests.services.test_billing import fix_billing_clock
from tests.ui.widget_helpers import open_dialog, type_into

MM = 72 / 25.4


@pytest.fixture
def tab(qtbot, services, runner) -> BillingTab:
    fix_billing_clock(services)
    services.shifts.open(0)
    tab = BillingTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.resize(1200, 640)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    qtbot.keyClick(tab.all_dates, Qt.Key.Key_Space)  # the fixed clock's day is not this month
    wait_idle(qtbot, runner)
    return tab


def _select_number(qtbot, tab: BillingTab, number: str) -> None:
    qtbot.waitUntil(lambda: any(tab.model.invoice(r).number == number for r in range(tab.model.rowCount())))
    row = next(r for r in range(tab.model.rowCount()) if tab.model.invoice(r).number == number)
    index = tab.table.model().index(row, 1)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=tab.table.visualRect(index).center())
    assert tab.selected().number == number


def _save_pdf(qtbot, owner, printout_of, tmp_path: Path, name: str) -> bytes:
    """Drive the Save as PDF file dialog under ``owner``; the PDF's bytes as written."""
    file_dialog = open_dialog(qtbot, owner, QFileDialog)
    name_box = file_dialog.findChild(QLineEdit, "fileNameEdit")
    name_box.selectAll()  # a path of this test's own: the documents folder outlives one test
    qtbot.keyClicks(name_box, str(tmp_path / name))
    with qtbot.waitSignal(printout_of().saved, timeout=10_000) as saved:
        qtbot.keyClick(name_box, Qt.Key.Key_Return)
    return Path(saved.args[0]).read_bytes()


def test_a_receptionists_discount_beyond_their_limit_is_refused_in_words(qtbot, services, runner):
    fix_billing_clock(services)
    services.price_list.add_item("LAB-CBC", "Complete blood count", "lab", 35000)
    (patient,) = make_patients(services, 1)
    add_staff(services, "desk1", "receptionist")
    desk = second_desk(services, "desk1", STAFF_PASSWORD)
    desk.auth.change_own_password(STAFF_PASSWORD, "Desk-own-pass-1")
    fix_billing_clock(desk)
    try:
        dialog = InvoiceDialog.for_patient(desk, runner, patient)
        qtbot.addWidget(dialog)
        dialog.show()
        wait_idle(qtbot, runner)
        qtbot.waitUntil(lambda: dialog.record is not None and dialog.item.count() == 1)
        type_into(qtbot, dialog.item.lineEdit(), "LAB-CBC")
        dialog.discount_kind.setFocus()
        qtbot.keyClick(dialog.discount_kind, Qt.Key.Key_Down)  # "Discount %"
        assert dialog.discount_value.isVisible()
        type_into(qtbot, dialog.discount_value, "15")
        type_into(qtbot, dialog.discount_reason, "Staff family")
        qtbot.keyClick(dialog.discount_reason, Qt.Key.Key_Return)
        wait_idle(qtbot, runner)
        message = dialog.errors.text("lines")
        assert "A discount of 15 % is more than your limit of 10 %" in message
        assert dialog.lines.rowCount() == 0 and desk.invoices.get(dialog.record.id).lines == ()
        assert dialog.discount_value.text() == "15" and dialog.discount_reason.text() == "Staff family"

        dialog.discount_value.selectAll()
        type_into(qtbot, dialog.discount_value, "10")  # within the limit: the line goes in
        qtbot.keyClick(dialog.discount_value, Qt.Key.Key_Return)
        wait_idle(qtbot, runner)
        qtbot.waitUntil(lambda: dialog.lines.rowCount() == 1)
        (line,) = desk.invoices.get(dialog.record.id).lines
        assert (line.discount_bp, line.discount, line.discount_reason) == (1000, 3500, "Staff family")
        assert dialog.errors.text("lines") == ""
        wait_idle(qtbot, runner)
    finally:
        desk.close()


def test_a_credit_note_and_a_void_from_the_corrections_dialogs(qtbot, tab, services, runner):
    first, second = make_patients(services, 2)
    credited = services.invoices.issue_now(first, [LineInput("Dressing", 1, 30000)])
    voided = services.invoices.issue_now(second, [LineInput("ECG", 1, 45000)])
    tab.reload()
    wait_idle(qtbot, runner)

    _select_number(qtbot, tab, credited.number)
    qtbot.mouseClick(tab.credit_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    note = open_dialog(qtbot, tab, CreditNoteDialog)
    assert note.amount.text() == "300.00"
    note.amount.selectAll()
    type_into(qtbot, note.amount, "100")
    qtbot.keyClick(note.ok, Qt.Key.Key_Return)  # no reason: refused, nothing lost
    wait_idle(qtbot, runner)
    assert note.isVisible() and note.errors.text("reason") and note.amount.text() == "100"
    assert services.invoices.get(credited.id).balance == 30000
    type_into(qtbot, note.reason, "Dressing smaller than charged")
    qtbot.keyClick(note.reason, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    after = services.invoices.get(credited.id)
    assert after.balance == 20000 and after.state != "void"

    _select_number(qtbot, tab, voided.number)
    qtbot.mouseClick(tab.void_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    void = open_dialog(qtbot, tab, VoidDialog)
    assert void.reason.hasFocus()
    type_into(qtbot, void.reason, "Billed to the wrong patient")
    qtbot.mouseClick(void.ok, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: services.invoices.get(voided.id).state == "void")
    qtbot.waitUntil(lambda: any(tab.model.invoice(r).state == "void" for r in range(tab.model.rowCount())))


def test_an_advance_taken_at_the_tab_is_applied_to_a_later_invoice(qtbot, tab, services, runner):
    (patient,) = make_patients(services, 1)
    qtbot.mouseClick(tab.advance_button, Qt.MouseButton.LeftButton)
    picker = open_dialog(qtbot, tab, PatientPicker)
    assert picker.windowTitle() == "Advance: from which patient?"
    type_into(qtbot, picker.search, "Asha")
    qtbot.waitUntil(lambda: picker.results.count() == 1)
    qtbot.keyClick(picker.search, Qt.Key.Key_Return)
    advance = open_dialog(qtbot, tab, PaymentDialog)
    assert advance.invoice is None and "advance" in advance.summary.text()
    assert advance.method.findData("credit") < 0 and advance.method.currentData() == "cash"
    type_into(qtbot, advance.amount, "500")
    qtbot.keyClick(advance.amount, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: advance.payment is not None)
    assert advance.payment.amount == 50000 and advance.payment.receipt_number.startswith("RCT-")
    qtbot.mouseClick(advance.close_button, Qt.MouseButton.LeftButton)

    later = services.invoices.issue_now(patient, [LineInput("Dressing", 1, 30000)])
    tab.reload()
    wait_idle(qtbot, runner)
    _select_number(qtbot, tab, later.number)
    qtbot.mouseClick(tab.pay_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    pay = open_dialog(qtbot, tab, PaymentDialog)
    pay.method.setFocus()
    pay.method.setCurrentIndex(pay.method.findData("credit"))
    assert pay.amount.text() == "300.00"
    qtbot.keyClick(pay.amount, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: pay.payment is not None)
    assert services.invoices.get(later.id).state == "paid"
    (held,) = services.payments.advances(patient)
    assert (held.amount, held.applied) == (50000, 30000)  # 200.00 still held as credit


def test_a_reprinted_receipt_says_copy_and_the_roll_receipt_is_80_mm(qtbot, tab, services, runner, tmp_path):
    (patient,) = make_patients(services, 1)
    invoice = services.invoices.issue_now(patient, [LineInput("Dressing", 1, 30000)])
    tab.reload()
    wait_idle(qtbot, runner)
    _select_number(qtbot, tab, invoice.number)
    qtbot.mouseClick(tab.pay_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    pay = open_dialog(qtbot, tab, PaymentDialog)
    qtbot.keyClick(pay.amount, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: pay.payment is not None)
    number = pay.payment.receipt_number

    # The 80 mm receipt through the print path's Save as PDF: 80 mm wide, the original.
    qtbot.mouseClick(pay.save_roll_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    roll = _save_pdf(qtbot, pay, lambda: pay.printout, tmp_path, "roll.pdf")
    ((width, height),) = page_sizes(roll)
    assert abs(width - 80 * MM) < 1 and height > width
    first_roll = pdf_text(roll)
    assert number in first_roll and invoice.number in first_roll and "COPY" not in first_roll
    qtbot.mouseClick(pay.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    original = pdf_text(_save_pdf(qtbot, pay, lambda: pay.printout, tmp_path, "original.pdf"))
    assert number in original and invoice.number in original and "300.00" in original
    assert "COPY" not in original
    qtbot.mouseClick(pay.close_button, Qt.MouseButton.LeftButton)

    # A reprint from the tab: the same receipt, stamped COPY, read back from the saved file.
    qtbot.waitUntil(lambda: tab.receipt_button.isEnabled())
    qtbot.mouseClick(tab.receipt_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    chooser = open_dialog(qtbot, tab, ReceiptChooser)
    assert chooser.payment.currentData() == number
    qtbot.mouseClick(chooser.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    copy = pdf_text(_save_pdf(qtbot, chooser, lambda: chooser.printout, tmp_path, "copy.pdf"))
    assert "COPY" in copy and number in copy and "300.00" in copy
    qtbot.mouseClick(chooser.save_roll_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    roll_copy = _save_pdf(qtbot, chooser, lambda: chooser.printout, tmp_path, "roll-copy.pdf")
    assert "COPY" in pdf_text(roll_copy) and abs(page_sizes(roll_copy)[0][0] - 80 * MM) < 1
