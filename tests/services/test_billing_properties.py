"""Properties of invoices made through the real services (a SQLite file and PostgreSQL): whatever
the lines, tax rates, discounts and tax-inclusive setting, the stored invoice adds up, its printed
figures pass the renderer's own checks, and partial payments never take it past its total."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hms_desktop.services.billing import LineInput
from hms_desktop.services.billing.common import terms
from hms_desktop.services.billing.printing import invoice_document
from hms_desktop.services.documents.invoice import check_figures
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.settings import ClinicSettings
from tests.services.conftest import fix_clock, make_patients

RATES = (0, 500, 1200, 1800)
line = st.builds(
    lambda qty, price, rate, pct, by_pct: LineInput(
        "Item", qty, price, rate, discount_bp=pct if by_pct else 0,
        discount_minor=0 if by_pct else (qty * price * pct) // 10_000,
        discount_reason="promotion" if pct else ""),
    st.integers(1, 20), st.integers(0, 5_000_000), st.sampled_from(RATES), st.integers(0, 10_000), st.booleans(),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, min_size=1, max_size=8), inclusive=st.booleans(),
       parts=st.lists(st.integers(1, 10**7), max_size=4))
def test_any_invoice_adds_up_and_is_never_overpaid(services, lines, inclusive, parts):
    fix_clock(services)
    if not hasattr(services, "_prop_ready"):
        services._prop_ready = make_patients(services, 1)[0]
        services.shifts.open(0)
    patient = services._prop_ready
    if services.settings.get().tax_inclusive_prices != inclusive:
        services.settings.update(ClinicSettings(tax_inclusive_prices=inclusive))
    draft = services.invoices.start(patient)
    draft = services.invoices.save_draft(draft.id, draft.version, lines)
    invoice = services.invoices.issue(draft.id, draft.version)
    assert invoice.total == sum(ln.total for ln in invoice.lines)
    assert invoice.subtotal - invoice.discount + sum(ln.tax for ln in invoice.lines if not ln.tax_inclusive) \
        == invoice.total
    for ln in invoice.lines:
        assert ln.total == ln.net + ln.tax and 0 <= ln.discount <= ln.gross
    for amount in parts:
        before = services.invoices.get(invoice.id)
        try:
            services.payments.pay(invoice.id, "cash", amount)
        except ValidationError:
            assert amount > before.balance or before.balance == 0
        else:
            assert amount <= before.balance
    after = services.invoices.get(invoice.id)
    assert 0 <= after.paid <= after.total and after.balance == after.total - after.paid
    with services.db.read() as s:
        check_figures(invoice_document(after, terms(s)))
