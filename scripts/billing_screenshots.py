"""Render the Billing screens to PNG files for review, at the screen's size.

    QT_QPA_PLATFORM=xcb DISPLAY=:N .venv/bin/python scripts/billing_screenshots.py [shots/]

Builds a throw-away SQLite clinic with demo patients and invoices (issued, partly paid, paid, void),
opens the cashier's shift, and shows the Billing tab, an invoice, the payment dialog (cash with
change) and the shift closure. Also writes the receipt of that payment as receipt.pdf.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402
from screenshot_kit import output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.services.documents import Paper  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.billing.billing_tab import BillingTab  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402


def main() -> None:
    folder = output_folder()
    app = make_application() if QApplication.instance() is None else QApplication.instance()
    services, user = scratch_clinic("hms-billing-shots-")
    services.demo.load_patients(60, seed=7)
    services.shifts.open(200000)
    services.demo_billing.load_invoices(40, seed=7)
    runner = TaskRunner()
    screen = app.primaryScreen().availableGeometry()
    size = f"{screen.width()}x{screen.height()}"
    window = QMainWindow()
    window.setWindowTitle("HMS Clinic — HMS Desktop")
    tab = BillingTab(services, runner, user)
    tab.all_dates.setChecked(True)
    window.setCentralWidget(tab)
    window.setGeometry(screen)
    window.show()
    tab.refresh()
    settle(runner, 800)
    save(window, folder, f"billing_tab_{size}", runner)

    owing = next(tab.model.invoice(r) for r in range(tab.model.rowCount())
                 if tab.model.invoice(r).state == "issued")
    record = services.invoices.get(owing.id)
    invoice = tab.open_invoice(record)
    settle(runner, 500)
    save(invoice, folder, f"invoice_dialog_{size}", runner)
    payment = tab.take_payment(record, invoice_dialog=invoice)
    payment.tendered.setText(f"{(record.patient_balance // 100 // 500 + 1) * 500}")
    settle(runner, 300)
    save(payment, folder, f"payment_dialog_{size}", runner)
    payment.take()
    settle(runner, 800)
    save(payment, folder, f"payment_taken_{size}", runner)
    if payment.payment is not None:
        doc = services.billing_documents.receipt_pdf(payment.payment.receipt_number, Paper.A5)
        (folder / "receipt.pdf").write_bytes(doc.pdf)
        roll = services.billing_documents.receipt_pdf(payment.payment.receipt_number, Paper.ROLL_80MM)
        (folder / "receipt_80mm.pdf").write_bytes(roll.pdf)
    payment.close()
    invoice.close()
    settle(runner, 300)
    tab._load_shift()
    settle(runner, 300)
    shift = tab.shift_dialog()
    settle(runner, 300)
    for method, field in shift.counted.items():
        field.set_value_minor(max(0, shift.shift.expected.get(method, 0) - (5000 if method == "cash" else 0)))
    shift.reason.setText("A 50 note short; recounted twice")
    settle(runner, 300)
    save(shift, folder, f"shift_closure_{size}", runner)
    shift.close()
    runner.shutdown()
    services.close()


if __name__ == "__main__":
    main()
