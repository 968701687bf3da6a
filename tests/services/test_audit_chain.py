"""The audit log's hash chain: intact after ordinary work (bookings included), and a row changed,
removed or inserted with plain SQL is reported at that row, on both databases; eight processes
writing at once on PostgreSQL leave one valid chain."""

from __future__ import annotations

import multiprocessing
from datetime import date

import pytest
from sqlalchemy import text

from hms_desktop.bootstrap import build_services
from hms_desktop.services.patients import PatientInput
from tests.conftest import ADMIN_PASSWORD, second_desk
from tests.services.conftest import at, make_patients


def _rows(svc, sql: str, **params):
    with svc.db.engine.begin() as conn:
        return conn.execute(text(sql), params).all()


def _exec(svc, sql: str, **params) -> None:
    with svc.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _audited(svc) -> list[int]:
    return [r.id for r in _rows(svc, "SELECT id FROM audit_log ORDER BY writer, chain_seq")]


def test_ordinary_work_leaves_an_intact_chain(clinic):
    svc = clinic.svc
    svc.scheduling.book(clinic.patients[0], clinic.doctor.id, at(10), reason="check-up")
    svc.audit.recent()
    check = svc.audit.verify_chain()
    assert check.ok, check.problem
    count = _rows(svc, "SELECT count(*) AS n FROM audit_log")[0].n
    assert check.rows_checked == count - 1 >= 8  # all but the seal row the check wrote after
    assert check.writers == 1
    # Every row is in this desk's chain at consecutive places; the booking's row (written by its
    # own one-statement insert) is among them.
    seqs = [r.chain_seq for r in _rows(svc, "SELECT chain_seq FROM audit_log ORDER BY chain_seq")]
    assert seqs == list(range(1, count + 1))
    # The check sealed the chain as it stood.
    seal = _rows(svc, "SELECT changes FROM audit_log WHERE action = 'audit.sealed'")
    assert len(seal) == 1
    assert _rows(svc, "SELECT chain_seq FROM audit_log WHERE action = 'appointment.booked'")[0].chain_seq is not None
    assert "intact" in check.message


def test_a_changed_row_is_reported_at_that_row(clinic):
    svc = clinic.svc
    ids = _audited(svc)
    victim = ids[len(ids) // 2]
    _exec(svc, "UPDATE audit_log SET summary = 'nothing to see' WHERE id = :id", id=victim)
    check = svc.audit.verify_chain()
    assert not check.ok
    assert check.row_id == victim
    assert "changed" in check.problem
    assert check.rows_checked == ids.index(victim)


def test_a_changed_time_or_actor_is_reported_too(clinic):
    svc = clinic.svc
    victim = _audited(svc)[2]
    _exec(svc, "UPDATE audit_log SET actor_name = 'someone else' WHERE id = :id", id=victim)
    check = svc.audit.verify_chain()
    assert (check.ok, check.row_id) == (False, victim)


def test_a_row_changed_and_rehashed_breaks_the_next_link(clinic):
    svc = clinic.svc
    ids = _audited(svc)
    victim, following = ids[3], ids[4]
    _exec(svc, "UPDATE audit_log SET summary = 'x', row_hash = :h WHERE id = :id", id=victim, h="f" * 64)
    check = svc.audit.verify_chain()
    assert not check.ok
    # Its stored hash no longer matches its content: reported at the row itself.
    assert check.row_id == victim
    # Had the attacker also recomputed the hash, the next row's link names the spot.
    from hms_desktop.services.audit_chain import row_hash

    row = _rows(svc, "SELECT * FROM audit_log WHERE id = :id", id=victim)[0]
    with svc.db.read() as session:
        from sqlalchemy import select

        from hms_desktop.models import AuditEntry

        entry = session.scalars(select(AuditEntry).where(AuditEntry.id == victim)).one()
        fixed = row_hash(row.writer, row.chain_seq, row.prev_hash, entry)
    _exec(svc, "UPDATE audit_log SET row_hash = :h WHERE id = :id", id=victim, h=fixed)
    check = svc.audit.verify_chain()
    assert (check.ok, check.row_id) == (False, following)
    assert "does not follow" in check.problem


def test_a_removed_row_is_reported_where_it_was(clinic):
    svc = clinic.svc
    ids = _audited(svc)
    victim, following = ids[5], ids[6]
    _exec(svc, "DELETE FROM audit_log WHERE id = :id", id=victim)
    check = svc.audit.verify_chain()
    assert not check.ok
    assert check.row_id == following
    assert "removed" in check.problem and "place 6" in check.problem


def test_a_row_inserted_with_sql_is_reported_at_that_row(clinic):
    svc = clinic.svc
    _exec(
        svc,
        "INSERT INTO audit_log (at, actor_name, workstation, action, entity_type, entity_id, summary) "
        "VALUES (:at, 'mallory', 'x', 'patient.changed', 'patient', '1', 'forged')",
        at=at(9),
    )
    forged = _rows(svc, "SELECT id FROM audit_log WHERE actor_name = 'mallory'")[0].id
    check = svc.audit.verify_chain()
    assert (check.ok, check.row_id) == (False, forged)
    assert "inserted directly" in check.problem
    # The next desk's write does not adopt the forged row into the chain.
    make_patients(svc, 1, prefix="After")
    assert _rows(svc, "SELECT chain_seq FROM audit_log WHERE id = :id", id=forged)[0].chain_seq is None
    assert svc.audit.verify_chain().row_id == forged


def test_a_row_inserted_into_the_chain_out_of_order_is_reported(clinic):
    svc = clinic.svc
    last = _rows(svc, "SELECT writer, chain_seq, row_hash FROM audit_log ORDER BY chain_seq DESC LIMIT 1")[0]
    # Moves the last row one place on and puts a forged row in its old place.
    _exec(svc, "UPDATE audit_log SET chain_seq = :s WHERE chain_seq = :old", s=last.chain_seq + 1, old=last.chain_seq)
    _exec(
        svc,
        "INSERT INTO audit_log (at, actor_name, workstation, action, entity_type, entity_id, summary, writer, "
        "chain_seq, prev_hash, row_hash) VALUES (:at, 'mallory', 'x', 'x', '', '', 'forged', :w, :s, :p, :h)",
        at=at(9), w=last.writer, s=last.chain_seq, p="0" * 64, h="0" * 64,
    )
    forged = _rows(svc, "SELECT id FROM audit_log WHERE actor_name = 'mallory'")[0].id
    check = svc.audit.verify_chain()
    assert (check.ok, check.row_id) == (False, forged)


def test_rows_cut_from_the_end_of_another_desks_chain_are_found_after_a_seal(clinic):
    svc = clinic.svc
    other = second_desk(svc)
    try:
        make_patients(other, 3, prefix="Other")
        assert svc.audit.verify_chain().ok  # seals every chain as it stands
        last = _rows(other, "SELECT id FROM audit_log WHERE writer = :w ORDER BY chain_seq DESC LIMIT 1",
                     w=other.units.writer)[0].id
        _exec(svc, "DELETE FROM audit_log WHERE id = :id", id=last)
        check = svc.audit.verify_chain()
        assert not check.ok
        assert "removed from the end" in check.problem
        seal_id = _rows(svc, "SELECT id FROM audit_log WHERE action = 'audit.sealed'")[0].id
        assert check.row_id == seal_id
    finally:
        other.close()


def test_migration_chains_the_rows_written_before_it(db_url):
    """Rows written before revision 0007 join the chain in id order when it runs."""
    from alembic import command

    from hms_desktop.services import migrations

    svc = build_services(db_url)
    try:
        svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        make_patients(svc, 3)
        config = migrations.alembic_config(svc.db)
        command.downgrade(config, "0006")
        _exec(svc, "INSERT INTO audit_log (at, actor_name, workstation, action, entity_type, entity_id, summary) "
                   "VALUES (:at, 'old', 'x', 'old.row', '', '', 'before the chain')", at=at(8))
        command.upgrade(config, "head")
        check = svc.audit.verify_chain()
        assert check.ok, check.problem
        assert check.rows_checked == _rows(svc, "SELECT count(*) AS n FROM audit_log")[0].n - 1  # the seal
    finally:
        svc.close()


def _write_audit_rows(url: str, desk: int, count: int, start, queue) -> None:
    try:
        svc = build_services(url)
        svc.auth.sign_in("admin", ADMIN_PASSWORD)
        start.wait(60)
        for i in range(count):
            svc.patients.register(PatientInput(given_name=f"Desk{desk}", family_name=f"Row{i}",
                                               date_of_birth=date(1990, 1, 1)))
        svc.close()
        queue.put(("ok", desk))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        queue.put(("error", f"desk {desk}: {exc!r}"))


@pytest.mark.postgres
def test_eight_processes_writing_at_once_leave_a_valid_chain(pg_url):
    svc = build_services(pg_url)
    svc.staff.create_first_admin("admin", "Ada Admin", ADMIN_PASSWORD)
    svc.auth.sign_in("admin", ADMIN_PASSWORD)
    before = _rows(svc, "SELECT count(*) AS n FROM audit_log")[0].n
    ctx = multiprocessing.get_context("spawn")
    start, queue = ctx.Barrier(8), ctx.Queue()  # all signed in before any writes
    per_desk = 25
    procs = [ctx.Process(target=_write_audit_rows, args=(pg_url, d, per_desk, start, queue)) for d in range(8)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
    assert all(kind == "ok" for kind, _ in results), results
    check = svc.audit.verify_chain()
    assert check.ok, check.problem
    # register() writes one audit row per patient; signing in writes one per desk.
    total = _rows(svc, "SELECT count(*) AS n FROM audit_log")[0].n
    assert total >= before + 8 * per_desk
    assert check.rows_checked == total - 1  # all but the seal row written after the check
    # The writers really overlapped: rows of different desks interleave in the chain.
    # Each process wrote its own chain, and the writers overlapped in time.
    assert check.writers >= 9
    spans = _rows(svc, "SELECT writer, min(id) AS lo, max(id) AS hi FROM audit_log WHERE action = 'patient.created' "
                       "GROUP BY writer")
    assert len(spans) == 8
    assert max(s.lo for s in spans) < min(s.hi for s in spans)
    svc.close()


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_chains_checked_side_by_side_find_the_same_first_break(clinic, monkeypatch, processes):
    """Four desks' chains split over two workers (each its own connection): a break in the last
    chain is still found, a break in an earlier chain wins over it (the first broken link, as a
    walk one chain after another reports it), and rows cut from a chain's end still show."""
    from hms_desktop.services import audit_chain

    monkeypatch.setattr(audit_chain, "PARALLEL_FROM", 0)
    svc = clinic.svc
    desks = [second_desk(svc) for _ in range(3)]
    try:
        for n, desk in enumerate(desks):
            make_patients(desk, 4 + n, prefix=f"Desk{n}")

        def both():
            one = svc.audit.verify_chain(workers=1)
            two = svc.audit.verify_chain(workers=2, processes=processes)
            return one, two

        one, two = both()
        assert one.ok and two.ok, (one.problem, two.problem)
        # The second check also sees the seal row the first wrote.
        assert (two.rows_checked, two.writers) == (one.rows_checked + 1, one.writers) and two.writers >= 4
        chains = _rows(svc, "SELECT writer, min(id) AS first, max(id) AS last FROM audit_log "
                            "GROUP BY writer ORDER BY writer")
        first_chain, last_chain = chains[0], chains[-1]
        _exec(svc, "UPDATE audit_log SET summary = 'later' WHERE id = :id", id=last_chain.last)
        one, two = both()
        assert (one.row_id, two.row_id) == (last_chain.last, last_chain.last)
        assert two.rows_checked == one.rows_checked and "changed after it was written" in two.problem
        _exec(svc, "UPDATE audit_log SET summary = 'earlier' WHERE id = :id", id=first_chain.first)
        one, two = both()
        assert (one.row_id, two.row_id) == (first_chain.first, first_chain.first)
        assert two.rows_checked == one.rows_checked == 0
    finally:
        for desk in desks:
            desk.close()


def test_rows_cut_from_a_chain_end_show_when_checked_side_by_side(clinic, monkeypatch):
    from hms_desktop.services import audit_chain

    monkeypatch.setattr(audit_chain, "PARALLEL_FROM", 0)
    svc = clinic.svc
    desks = [second_desk(svc) for _ in range(2)]
    try:
        for desk in desks:
            make_patients(desk, 3, prefix="Cut")
        assert svc.audit.verify_chain(workers=2).ok  # seals every chain as it stands
        last = _rows(svc, "SELECT id FROM audit_log WHERE writer = :w ORDER BY chain_seq DESC LIMIT 1",
                     w=desks[1].units.writer)[0].id
        _exec(svc, "DELETE FROM audit_log WHERE id = :id", id=last)
        check = svc.audit.verify_chain(workers=2, processes=False)
        assert not check.ok and "removed from the end" in check.problem
        assert check.row_id == _rows(svc, "SELECT id FROM audit_log WHERE action = 'audit.sealed'")[0].id
    finally:
        for desk in desks:
            desk.close()
