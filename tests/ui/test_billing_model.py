"""The Billing tab's lazily fetched invoice model: pages, generations, and Qt's model tester."""

from __future__ import annotations

from datetime import date

from hms_desktop.services.billing import InvoicePage, InvoiceRow
from hms_desktop.ui.billing.invoice_table_model import (
    BALANCE,
    NUMBER,
    PATIENT,
    STATE,
    TOTAL,
    InvoiceRowRole,
    InvoiceTableModel,
)


def _row(invoice_id: int, **overrides) -> InvoiceRow:
    values = dict(id=invoice_id, number=f"INV-2030-{invoice_id:06d}", state="issued", local_day=date(2030, 1, 5),
                  patient_id=1, patient_name="Zoë Ødegård", patient_mrn="100004", doctor_name="Dr Priya Nair",
                  payer_name="", total=50000, kept=0, balance=50000, issued_by="Ada Admin")
    values.update(overrides)
    return InvoiceRow(**values)


def test_pages_are_fetched_on_demand_and_stale_pages_dropped(qtmodeltester):
    model = InvoiceTableModel(money=lambda minor: f"₹{minor / 100:,.2f}")
    wanted: list = []
    model.more_wanted.connect(wanted.append)
    generation = model.start()
    assert not model.canFetchMore()  # the first page is on its way
    assert model.append_page(generation, InvoicePage((_row(9), _row(8, number=None, state="draft")),
                                                     (date(2030, 1, 5), 8)))
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()  # asked once only while the page is on its way
    assert wanted == [(date(2030, 1, 5), 8)]
    qtmodeltester.check(model)
    assert model.index(0, NUMBER).data() == "INV-2030-000009"
    assert model.index(1, NUMBER).data() == "Draft"
    assert model.index(0, PATIENT).data() == "Zoë Ødegård"
    assert model.index(0, TOTAL).data() == "₹500.00"
    assert model.index(1, STATE).data() == "Draft"
    assert model.index(0, BALANCE).data(InvoiceRowRole).id == 9

    assert not model.append_page(generation - 1, InvoicePage((_row(1),), None))  # an older query's page
    assert model.append_page(generation, InvoicePage((_row(7, state="paid", kept=50000, balance=0),), None))
    assert model.rowCount() == 3 and model.index(2, STATE).data() == "Paid"
    assert not model.canFetchMore()  # no cursor: that was the last page
    qtmodeltester.check(model)

    assert model.replace_row(_row(9, state="partly_paid", kept=20000, balance=30000))
    assert model.index(0, BALANCE).data() == "₹300.00"
    model.start()
    assert model.rowCount() == 0
    qtmodeltester.check(model)
