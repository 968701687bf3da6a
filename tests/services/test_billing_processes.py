"""Eight desks at once, as separate processes (real desks are separate machines), on both databases:
invoice and receipt numbers stay unique and gap-free, and one invoice paid from every desk at the
same instant is never paid beyond its total."""

from __future__ import annotations

import multiprocessing
import os
import re

from sqlalchemy import select

from hms_desktop.bootstrap import build_services
from hms_desktop.models import Invoice, Payment
from hms_desktop.services.billing import LineInput
from hms_desktop.services.errors import ConflictError, ValidationError
from tests.conftest import STAFF_PASSWORD, add_staff
from tests.services.conftest import make_patients

DESKS = 8
EACH = 5


def _issuing_desk(url: str, username: str, patient_id: int, barrier, results) -> None:  # noqa: ANN001
    svc = build_services(url)
    try:
        svc.auth.sign_in(username, STAFF_PASSWORD)
        svc.shifts.open(0)
        barrier.wait(timeout=60)
        done = []
        for i in range(EACH):
            draft = svc.invoices.start(patient_id)
            draft = svc.invoices.save_draft(draft.id, draft.version, [LineInput(f"Item {i}", 1, 1000 + i)])
            invoice = svc.invoices.issue(draft.id, draft.version)
            receipt = svc.payments.pay(invoice.id, "cash", invoice.total)
            done.append((invoice.number, receipt.receipt_number))
        results.put(("ok", done))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))
    finally:
        svc.close()


class DeskFault(RuntimeError):
    """A desk failing after it took its number (power cut, crash): its transaction rolls back."""


def _faulty_issuing_desk(url: str, username: str, patient_id: int, barrier, results) -> None:  # noqa: ANN001
    """Issues EACH invoices in one step; every third attempt fails after the number is taken, while
    the counter row is locked, so the number must go back for the next desk."""
    from hms_desktop.services.billing import numbering, one_step

    attempts = [0]

    def then_maybe_fail(take, number_of):  # noqa: ANN001, ANN202
        def taking(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            taken = take(*args, **kwargs)
            attempts[0] += 1
            if attempts[0] % 3 == 0:
                raise DeskFault(f"{username} failed holding {number_of(taken)}")
            return taken
        return taking

    # Where the number is taken: in its own statement on SQLite, with the rows on PostgreSQL.
    numbering.number_row = then_maybe_fail(numbering.number_row, lambda n: n)  # this desk's process only
    one_step.write_issued = then_maybe_fail(one_step.write_issued, lambda w: w.number)
    svc = build_services(url)
    try:
        svc.auth.sign_in(username, STAFF_PASSWORD)
        barrier.wait(timeout=60)
        done, failed = [], 0
        while len(done) < EACH:
            try:
                done.append(svc.invoices.issue_now(patient_id, [LineInput("Visit", 1, 1500)]).number)
            except DeskFault:
                failed += 1
        results.put(("ok", (done, failed)))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))
    finally:
        svc.close()


def _paying_desk(url: str, username: str, invoice_id: int, amount: int, barrier, results) -> None:  # noqa: ANN001
    svc = build_services(url)
    try:
        svc.auth.sign_in(username, STAFF_PASSWORD)
        svc.shifts.open(0)
        barrier.wait(timeout=60)
        try:
            receipt = svc.payments.pay(invoice_id, "cash", amount)
            results.put(("paid", receipt.receipt_number))
        except (ValidationError, ConflictError) as exc:
            results.put(("refused", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(exc)))
    finally:
        svc.close()


def _desks(services) -> list[str]:
    names = [f"cashier{i}" for i in range(DESKS)]
    for name in names:
        add_staff(services, name, "receptionist")
    return names


def _run(target, args_per_desk) -> list[tuple[str, object]]:
    os.environ.setdefault("HMS_BCRYPT_ROUNDS", "4")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(args_per_desk))
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for args in args_per_desk]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return outcomes


def _serials(numbers: list[str], series: str) -> list[int]:
    found = [re.fullmatch(rf"{series}-(\d{{4}})-(\d{{6}})", n) for n in numbers]
    assert all(found), numbers
    assert len({m.group(1) for m in found}) == 1  # one year
    return sorted(int(m.group(2)) for m in found)


def test_eight_desks_issuing_at_once_get_unique_gap_free_numbers(services):
    url = services.db.url.render_as_string(hide_password=False)
    names = _desks(services)
    patient = make_patients(services, 1)[0]
    outcomes = _run(_issuing_desk, [(url, name, patient) for name in names])
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    pairs = [pair for _, done in outcomes for pair in done]
    total = DESKS * EACH
    assert _serials([inv for inv, _ in pairs], "INV") == list(range(1, total + 1))
    assert _serials([rct for _, rct in pairs], "RCT") == list(range(1, total + 1))
    with services.db.read() as s:
        stored = s.scalars(select(Invoice.number)).all()
        receipts = s.scalars(select(Payment.receipt_number)).all()
    assert sorted(stored) == sorted(inv for inv, _ in pairs)
    assert sorted(receipts) == sorted(rct for _, rct in pairs)


def test_eight_desks_paying_one_invoice_at_once_never_pay_more_than_its_total(services):
    url = services.db.url.render_as_string(hide_password=False)
    names = _desks(services)
    patient = make_patients(services, 1)[0]
    draft = services.invoices.start(patient)
    draft = services.invoices.save_draft(draft.id, draft.version, [LineInput("Surgery", 1, 100000)])
    invoice = services.invoices.issue(draft.id, draft.version)
    # Each desk tries to take 300.00 of a 1,000.00 invoice: three fit, the others must be refused.
    outcomes = _run(_paying_desk, [(url, name, invoice.id, 30000) for name in names])
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["paid"] * 3 + ["refused"] * 5, outcomes
    after = services.invoices.get(invoice.id)
    assert after.paid == 90000 and after.balance == 10000 and after.state == "partly_paid"
    assert len(after.payments) == 3
    assert _serials([p.receipt_number for p in after.payments], "RCT") == [1, 2, 3]


def test_numbers_stay_gap_free_when_desks_fail_holding_a_number(services):
    url = services.db.url.render_as_string(hide_password=False)
    names = _desks(services)
    patient = make_patients(services, 1)[0]
    outcomes = _run(_faulty_issuing_desk, [(url, name, patient) for name in names])
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    numbers = [n for _, (done, _) in outcomes for n in done]
    assert sum(failed for _, (_, failed) in outcomes) >= DESKS  # each desk failed at least once
    assert _serials(numbers, "INV") == list(range(1, DESKS * EACH + 1))
    with services.db.read() as s:
        stored = s.scalars(select(Invoice.number).where(Invoice.number.is_not(None))).all()
    assert sorted(stored) == sorted(numbers)  # nothing of a failed attempt was kept
    assert services.audit.verify_chain().ok
