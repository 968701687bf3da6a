"""Billing on a real SQLite file and a real PostgreSQL database: invoices from visits, drafts and
issuing, discounts within and beyond a role's limit, payments with change, overpayment refused,
advances, refunds, credit notes, void, shifts, numbers, printed documents and the journal."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hms_desktop.bootstrap import Services
from hms_desktop.services.billing import InvoiceFilter, LineInput
from hms_desktop.services.documents import Paper
from hms_desktop.services.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from hms_desktop.services.settings import ClinicSettings
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk
from tests.documents.pdf_text import text as pdf_text
from tests.services.conftest import NOW, TODAY, at, fix_clock, make_doctor, make_patients


def fix_billing_clock(svc: Services, now: datetime = NOW) -> None:
    fix_clock(svc, now)
    for name in ("invoices", "payments", "shifts", "billing_documents"):
        getattr(svc, name).clock = lambda: now


def visit(svc: Services, patient_id: int, doctor_id: int, hour: int, *, day: date = TODAY, status: str = "completed"):
    appointment = svc.scheduling.book(patient_id, doctor_id, at(hour, day=day))
    visits = svc.visits
    visits.check_in(appointment.id)
    if status == "completed":
        visits.start_visit(appointment.id)
        visits.complete(appointment.id)
    return appointment


@pytest.fixture
def desk(services: Services):
    fix_billing_clock(services)
    doctor = make_doctor(services)  # consultation fee 500.00
    patients = make_patients(services, 3)
    services.shifts.open(100000)  # a float of 1,000.00
    return services, doctor, patients


def test_bill_a_completed_visit_take_cash_with_change(desk):
    svc, doctor, (patient, *_) = desk
    appointment = visit(svc, patient, doctor.id, 9)
    draft = svc.invoices.start(patient, appointment_id=appointment.id)
    assert draft.is_draft and draft.number is None
    assert [(ln.description, ln.unit_price, ln.total) for ln in draft.lines] == [
        ("Consultation: Dr Priya Nair", 50000, 50000)]
    issued = svc.invoices.issue(draft.id, draft.version)
    assert issued.number == "INV-2030-000001" and issued.state == "issued" and issued.balance == 50000
    payment = svc.payments.pay(issued.id, "cash", 50000, tendered=100000)
    assert (payment.receipt_number, payment.change) == ("RCT-2030-000001", 50000)
    paid = svc.invoices.get(issued.id)
    assert paid.state == "paid" and paid.balance == 0 and paid.paid == 50000


def test_a_payment_larger_than_the_balance_is_refused_and_nothing_is_saved(desk):
    svc, doctor, (patient, *_) = desk
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Dressing", 1, 30000)]))
    with pytest.raises(ValidationError) as refused:
        svc.payments.pay(invoice.id, "card", 30001, reference="4242")
    assert "more than the ₹300.00 still owed" in refused.value.fields["amount"]
    assert svc.invoices.get(invoice.id).paid == 0
    part = svc.payments.pay(invoice.id, "upi", 10000, reference="UPI-889911")
    assert svc.invoices.get(invoice.id).state == "partly_paid" and part.amount == 10000
    with pytest.raises(ValidationError):
        svc.payments.pay(invoice.id, "cash", 20001)
    svc.payments.pay(invoice.id, "cash", 20000)
    assert svc.invoices.get(invoice.id).state == "paid"


def _draft(svc: Services, patient: int, lines: list[LineInput]):
    draft = svc.invoices.start(patient)
    draft = svc.invoices.save_draft(draft.id, draft.version, lines)
    return draft.id, draft.version


def test_discount_within_and_beyond_the_role_limit(desk):
    svc, doctor, (patient, *_) = desk
    add_staff(svc, "rita", "receptionist")
    rita = second_desk(svc, "rita", STAFF_PASSWORD)
    try:
        fix_billing_clock(rita)
        draft = rita.invoices.start(patient)
        with pytest.raises(ValidationError) as too_much:
            rita.invoices.save_draft(draft.id, draft.version, [LineInput("X-ray", 1, 100000, discount_bp=1500,
                                                                         discount_reason="staff family")])
        assert "more than your limit of 10 %" in too_much.value.fields["line 1"]
        with pytest.raises(ValidationError) as no_reason:
            rita.invoices.save_draft(draft.id, draft.version, [LineInput("X-ray", 1, 100000, discount_bp=1000)])
        assert "Say why" in no_reason.value.fields["line 1"]
        saved = rita.invoices.save_draft(draft.id, draft.version, [
            LineInput("X-ray", 1, 100000, discount_bp=1000, discount_reason="senior citizen")])
        assert (saved.discount, saved.total) == (10000, 90000)
        # The admin may give more.
        bigger = svc.invoices.save_draft(saved.id, saved.version, [
            LineInput("X-ray", 1, 100000, discount_minor=50000, discount_reason="hardship")])
        assert bigger.total == 50000
        with pytest.raises(PermissionDenied):
            rita.invoices.void(bigger.id, bigger.version, "nope")
    finally:
        rita.close()


def test_tax_exclusive_and_inclusive_rounding(desk):
    svc, doctor, (patient, *_) = desk
    lines = [LineInput("Syringe", 3, 333, tax_rate_bp=1200), LineInput("Procedure", 1, 99999, tax_rate_bp=1800)]
    exclusive = svc.invoices.get(_draft(svc, patient, lines)[0])
    # 999 * 12 % = 119.88 -> 120 ; 99999 * 18 % = 17999.82 -> 18000
    assert [ln.tax for ln in exclusive.lines] == [120, 18000]
    assert exclusive.total == sum(ln.total for ln in exclusive.lines) == 999 + 120 + 99999 + 18000
    svc.settings.update(ClinicSettings(tax_inclusive_prices=True))
    inclusive = svc.invoices.get(_draft(svc, patient, lines)[0])
    assert inclusive.total == 999 + 99999
    assert [ln.net + ln.tax for ln in inclusive.lines] == [999, 99999]
    assert [ln.tax for ln in inclusive.lines] == [107, 15254]  # 999 - round(999/1.12), 99999 - round(99999/1.18)


def test_an_issued_invoice_is_never_edited_credit_note_and_void(desk):
    svc, doctor, (patient, *_) = desk
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Lab panel", 1, 200000)]))
    with pytest.raises(ConflictError):
        svc.invoices.save_draft(invoice.id, invoice.version, [LineInput("Lab panel", 1, 1)])
    with pytest.raises(ConflictError):
        svc.invoices.delete_draft(invoice.id, invoice.version)
    svc.payments.pay(invoice.id, "cash", 50000)
    invoice = svc.invoices.get(invoice.id)
    with pytest.raises(ValidationError) as too_much:
        svc.invoices.credit_note(invoice.id, invoice.version, 150001, "test cancelled")
    assert "At most ₹1,500.00 can be credited" in too_much.value.fields["amount"]
    credited = svc.invoices.credit_note(invoice.id, invoice.version, 150000, "test cancelled")
    assert credited.credit_notes[0].number == "CRN-2030-000001"
    assert credited.state == "paid" and credited.balance == 0
    with pytest.raises(ValidationError) as refund_first:
        svc.invoices.void(credited.id, credited.version, "wrong patient")
    assert "refund it first" in refund_first.value.fields["state"]
    refund = svc.payments.refund(credited.payments[0].id, 50000, "wrong patient")
    assert refund.number == "RFD-2030-000001"
    now = svc.invoices.get(invoice.id)
    voided = svc.invoices.void(now.id, now.version, "wrong patient")
    assert voided.state == "void" and voided.number == invoice.number and voided.balance == 0


def test_refund_never_more_than_paid_and_shows_on_the_closure(desk):
    svc, doctor, (patient, *_) = desk
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Physiotherapy", 2, 40000)]))
    payment = svc.payments.pay(invoice.id, "cash", 80000, tendered=80000)
    with pytest.raises(ValidationError) as refused:
        svc.payments.refund(payment.id, 80001, "one session missed")
    assert "At most ₹800.00" in refused.value.fields["amount"]
    svc.payments.refund(payment.id, 40000, "one session missed")
    assert svc.invoices.get(invoice.id).state == "partly_paid"
    shift = svc.shifts.current()
    assert shift is not None and shift.expected["cash"] == 100000 + 80000 - 40000


def test_advance_held_as_credit_and_applied_later(desk):
    svc, doctor, (patient, *_) = desk
    svc.payments.advance(patient, "cash", 100000, tendered=100000)
    assert svc.invoices.balance_for(patient).credit == 100000
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Scan", 1, 60000)]))
    assert svc.invoices.balance_for(patient).owed == 60000
    with pytest.raises(ValidationError):
        svc.payments.pay(invoice.id, "credit", 70000)
    svc.payments.pay(invoice.id, "credit", 60000)
    balance = svc.invoices.balance_for(patient)
    assert (balance.owed, balance.credit) == (0, 40000)
    # What was used cannot be refunded as well.
    advance = svc.payments.advances(patient)[0]
    with pytest.raises(ValidationError):
        svc.payments.refund(advance.id, 40001, "leaving town")
    svc.payments.refund(advance.id, 40000, "leaving town")
    assert svc.invoices.balance_for(patient).credit == 0


def test_payer_share_tracked_apart_from_the_patients(desk):
    svc, doctor, (patient, *_) = desk
    payer = svc.price_list.add_payer("Star Health", "insurer")
    draft = svc.invoices.start(patient, payer_id=payer.id, claim_reference="CLM-77")
    draft = svc.invoices.save_draft(draft.id, draft.version, [LineInput("Surgery", 1, 1000000)],
                                    payer_id=payer.id, claim_reference="CLM-77", payer_share=800000)
    invoice = svc.invoices.issue(draft.id, draft.version)
    assert (invoice.patient_balance, invoice.payer_balance) == (200000, 800000)
    with pytest.raises(ValidationError):
        svc.payments.pay(invoice.id, "cash", 200001)
    svc.payments.pay(invoice.id, "cash", 200000)
    assert svc.invoices.balance_for(patient).owed == 0
    svc.payments.pay(invoice.id, "payer", 800000, reference="")
    assert svc.invoices.get(invoice.id).state == "paid"


def test_free_follow_up_within_the_clinics_days(desk):
    svc, doctor, (patient, *_) = desk
    first = visit(svc, patient, doctor.id, 9)
    invoice = svc.invoices.start(patient, appointment_id=first.id)
    svc.invoices.issue(invoice.id, invoice.version)
    follow_up = visit(svc, patient, doctor.id, 10)
    draft = svc.invoices.start(patient, appointment_id=follow_up.id)
    line = draft.lines[0]
    assert line.total == 0 and "Free follow-up: within 7 days" in line.note
    # Only one free follow-up; the admin may turn the rule off.
    svc.invoices.issue(draft.id, draft.version)
    third = visit(svc, patient, doctor.id, 11)
    assert svc.invoices.start(patient, appointment_id=third.id).lines[0].total == 50000
    svc.settings.update(ClinicSettings(free_follow_up_days=0))
    fourth = visit(svc, patient, doctor.id, 16)
    assert svc.invoices.start(patient, appointment_id=fourth.id).lines[0].total == 50000


def test_a_visit_is_billed_once(desk):
    svc, doctor, (patient, *_) = desk
    appointment = visit(svc, patient, doctor.id, 9, status="checked_in")
    svc.invoices.start(patient, appointment_id=appointment.id)
    with pytest.raises(ConflictError):
        svc.invoices.start(patient, appointment_id=appointment.id)
    booked = svc.scheduling.book(patient, doctor.id, at(11))
    with pytest.raises(ValidationError):
        svc.invoices.start(patient, appointment_id=booked.id)


def test_payments_need_an_open_shift_and_a_closed_shift_takes_nothing(desk):
    svc, doctor, (patient, *_) = desk
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Dressing", 1, 25000)]))
    svc.payments.pay(invoice.id, "cash", 10000, tendered=20000)
    svc.payments.pay(invoice.id, "card", 5000, reference="4242")
    shift = svc.shifts.current()
    assert shift.expected["cash"] == 110000 and shift.expected["card"] == 5000
    with pytest.raises(ValidationError) as short:
        svc.shifts.close(shift.id, shift.version, {"cash": 109000, "card": 5000})
    assert "₹10.00 short: say why" in short.value.fields["reason"]
    with pytest.raises(ValidationError):
        svc.shifts.close(shift.id, shift.version, {"cash": 109000, "card": 5000}, reason="miscount",
                         denominations=[(50000, 2)])
    closed = svc.shifts.close(shift.id, shift.version, {"cash": 109000, "card": 5000}, reason="miscount",
                              denominations=[(50000, 2), (1000, 9)])
    assert closed.state == "closed" and closed.over_short == -1000
    with pytest.raises(ValidationError) as no_shift:
        svc.payments.pay(invoice.id, "cash", 10000)
    assert "Open your cashier shift" in no_shift.value.fields["shift"]
    reopened = svc.shifts.reopen(closed.id, closed.version, "count again")
    assert reopened.is_open and reopened.reopened_count == 1
    actions = [e.action for e in svc.audit.recent()]
    assert "shift.reopened" in actions and "shift.closed" in actions


def test_receipt_and_invoice_pdfs_archived_then_copies(desk):
    svc, doctor, _ = desk
    names = [("Zoë", "Ødegård"), ("芳", "王"), ("محمد", "علي")]
    from hms_desktop.services.patients import PatientInput

    for given, family in names:
        patient = svc.patients.register(PatientInput(given_name=given, family_name=family,
                                                     date_of_birth=date(1990, 5, 5))).id
        invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Consultation", 1, 50000),
                                                            LineInput("ECG", 1, 35050, tax_rate_bp=1800)]))
        payment = svc.payments.pay(invoice.id, "cash", 50000, tendered=60000)
        original = svc.billing_documents.receipt_pdf(payment.receipt_number, Paper.ROLL_80MM)
        text = pdf_text(original.pdf)
        assert payment.receipt_number in text and invoice.number in text and "COPY" not in text
        assert family in text or family[::-1] in text
        again = svc.billing_documents.receipt_pdf(payment.receipt_number, Paper.ROLL_80MM)
        assert again.copy and again.sha256 == original.sha256 and "COPY" in pdf_text(again.pdf)
        a4 = svc.billing_documents.invoice_pdf(invoice.number)
        text = pdf_text(a4.pdf)
        assert invoice.number in text and "ECG" in text and "COPY" not in text
        assert "₹913.59" in text.replace(" ", "") or "913.59" in text  # 500 + 350.50 + 63.09 tax
        # The tax summary has one band, 18 % on the ECG; the untaxed consultation is not listed.
        summary = text[text.index("Taxable value"):]
        assert "18" in summary and "350.50" in summary and "63.09" in summary and "0%" not in summary.replace(" ", "")
    assert any(e.action == "document.reprinted" for e in svc.audit.recent())


def test_list_filters_search_and_totals(desk):
    svc, doctor, patients = desk
    ids = []
    for i, patient in enumerate(patients):
        draft_id, version = _draft(svc, patient, [LineInput("Item", 1, 10000 * (i + 1))])
        ids.append(svc.invoices.issue(draft_id, version))
    svc.payments.pay(ids[0].id, "cash", 10000)
    page = svc.invoices.page(InvoiceFilter(), limit=2)
    assert [r.number for r in page.rows] == [ids[2].number, ids[1].number] and page.next_after is not None
    rest = svc.invoices.page(InvoiceFilter(), after=page.next_after, limit=2)
    assert [r.number for r in rest.rows] == [ids[0].number] and rest.next_after is None
    assert [r.number for r in svc.invoices.page(InvoiceFilter(text="2")).rows] == [ids[1].number]
    assert [r.number for r in svc.invoices.page(InvoiceFilter(text="RCT-2030-000001")).rows] == [ids[0].number]
    assert [r.number for r in svc.invoices.page(InvoiceFilter(states=("paid",))).rows] == [ids[0].number]
    patient = svc.patients.get(patients[1])
    by_name = svc.invoices.page(InvoiceFilter(text=patient.family_name[:4])).rows
    assert ids[1].number in [r.number for r in by_name]
    totals = svc.invoices.totals(InvoiceFilter())
    assert (totals.count, totals.total, totals.kept, totals.balance) == (3, 60000, 10000, 50000)


def test_journal_balances_and_reconciles_with_the_shift(desk):
    svc, doctor, (patient, *_) = desk
    invoice = svc.invoices.issue(*_draft(svc, patient, [LineInput("Scan", 1, 100000, tax_rate_bp=500)]))
    payment = svc.payments.pay(invoice.id, "cash", 105000, tendered=110000)
    svc.payments.refund(payment.id, 5000, "overcharged")
    rows = svc.journal.rows(TODAY, TODAY)
    assert sum(r.debit for r in rows) == sum(r.credit for r in rows)
    by_document: dict[str, int] = {}
    for r in rows:
        by_document[r.document] = by_document.get(r.document, 0) + r.debit - r.credit
    assert set(by_document.values()) == {0}
    cash = sum(r.debit - r.credit for r in rows if r.account == "Cash")
    shift = svc.shifts.current()
    assert cash == shift.expected["cash"] - shift.opening_float == 100000
    csv_text = svc.journal.export_csv(TODAY, TODAY)
    assert csv_text.splitlines()[0] == "date,document,type,party,account,debit,credit,tax"
    assert f"{invoice.number},invoice" in csv_text and "1050.00" in csv_text


def test_another_desk_edit_of_a_draft_is_a_conflict(desk):
    svc, doctor, (patient, *_) = desk
    draft_id, version = _draft(svc, patient, [LineInput("A", 1, 100)])
    other = second_desk(svc)
    try:
        other.invoices.save_draft(draft_id, version, [LineInput("B", 1, 200)])
        with pytest.raises(ConflictError):
            svc.invoices.save_draft(draft_id, version, [LineInput("C", 1, 300)])
        assert [ln.description for ln in svc.invoices.get(draft_id).lines] == ["B"]
    finally:
        other.close()


def test_issue_now_bills_a_visit_in_one_step_with_the_same_checks(desk):
    svc, doctor, (patient, *_) = desk
    appointment = visit(svc, patient, doctor.id, 9)
    invoice = svc.invoices.issue_now(patient, [LineInput("ECG", 1, 30000, tax_rate_bp=1800)],
                                     appointment_id=appointment.id)
    assert invoice.number == "INV-2030-000001" and invoice.state == "issued"
    assert [ln.position for ln in invoice.lines] == [1, 2]
    assert invoice.total == 50000 + 30000 + 5400 == sum(ln.total for ln in invoice.lines)
    with pytest.raises(ConflictError):
        svc.invoices.issue_now(patient, [], appointment_id=appointment.id)
    with pytest.raises(ValidationError):
        svc.invoices.issue_now(patient, [])
    # A failed attempt takes no number: the next invoice is 000002.
    assert svc.invoices.issue_now(patient, [LineInput("Dressing", 1, 100)]).number == "INV-2030-000002"


def test_issue_now_returns_the_invoice_exactly_as_stored_and_audits_it_in_the_chain(desk):
    svc, _doctor, (patient, *_) = desk
    payer = svc.price_list.add_payer("Star Health")
    lines = [LineInput("ECG", 2, 30000, tax_rate_bp=1800, code="ECG", kind="procedure"),
             LineInput("Dressing", 1, 1999, discount_bp=1000, discount_reason="Staff family", note="ignored"),
             LineInput("Syringe", 3, 0)]
    made = svc.invoices.issue_now(patient, lines, payer_id=payer.id, payer_share=20000, claim_reference="CL-9",
                                  notes="Bring the report")
    stored = svc.invoices.get(made.id)
    assert made == stored  # every field, every line (ids and figures), as another desk would read it
    assert made.payer_name == "Star Health" and made.issued_by and made.patient_mrn
    assert made.total == sum(ln.total for ln in made.lines) and made.state == "issued" and made.version == 2
    entry = svc.audit_log.page(entity_type="invoice", entity_id=str(made.id))[0]
    assert entry.action_code == "invoice.issued" and made.number in entry.summary
    assert svc.audit.verify_chain().ok
    # A free invoice is paid as soon as it is issued.
    assert svc.invoices.issue_now(patient, [LineInput("Leaflet", 1, 0)]).state == "paid"


def test_issue_now_for_a_patient_who_is_gone_takes_no_number(desk):
    svc, _doctor, (patient, *_) = desk
    first = svc.invoices.issue_now(patient, [LineInput("Visit", 1, 100)])
    with pytest.raises(NotFound, match="no longer exists"):
        svc.invoices.issue_now(10**6, [LineInput("Visit", 1, 100)])
    assert svc.invoices.issue_now(patient, [LineInput("Visit", 1, 100)]).number == first.number[:-6] + "000002"
    assert svc.audit.verify_chain().ok


def test_several_states_page_newest_first_without_repeats(desk):
    svc, doctor, patients = desk
    made = []
    for i in range(7):
        draft_id, version = _draft(svc, patients[i % 3], [LineInput("Item", 1, 1000 + i)])
        invoice = svc.invoices.issue(draft_id, version)
        if i % 2:
            svc.payments.pay(invoice.id, "cash", 500)
        made.append(invoice.number)
    svc.invoices.start(patients[0])  # a draft, not asked for
    wanted = InvoiceFilter(states=("issued", "partly_paid"))
    seen, after = [], None
    while True:
        page = svc.invoices.page(wanted, after=after, limit=3)
        seen += [r.number for r in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == list(reversed(made))
