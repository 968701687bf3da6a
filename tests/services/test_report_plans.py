"""The reports read the indexes migration 0017_repfast made for them (a year of a busy clinic depends on it:
bench/reports.py). On SQLite the planner is asked, for the statements the reports really send, which
index each one reads; on PostgreSQL, which chooses well unaided, the indexes are there and the
SQLite-only expression indexes are not. The figures themselves are checked in test_report_figures.py."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from tests.services.test_report_figures import MON, SAT, build

# report -> (a table the statement reads, the index SQLite must read it through)
EXPECTED = {
    "waiting-by-doctor": [("appointments", "hx_appointments_doctor_waited")],
    "waiting-by-hour": [("appointments", "hx_appointments_quarter_waited")],
    "utilisation": [("appointments", "hx_appointments_doctor_booked")],
    "revenue": [("invoices", "ix_invoices_day_figures"), ("payments", "ix_payments_day_figures")],
    "revenue-by-doctor": [("invoices", "ix_invoices_day_figures")],
    "revenue-by-payer": [("invoices", "ix_invoices_day_figures")],
    "revenue-by-method": [("payments", "ix_payments_day_figures")],
    "takings": [("payments", "ix_payments_day_figures")],
    "patients-by-age": [("appointments", "ix_appointments_patient_day")],
    "appointments": [("appointments", "ix_appointments_day_doctor_status")],
}
BOTH = {"ix_appointments_patient_day", "ix_appointments_day_doctor_status", "ix_invoices_day_figures",
        "ix_payments_day_figures"}
SQLITE_ONLY = {"hx_appointments_doctor_waited", "hx_appointments_quarter_waited", "hx_appointments_doctor_booked"}


def _statements(svc: Any, name: str) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    event.listen(svc.db.engine, "before_cursor_execute", keep)
    try:
        svc.reports.run(name, SAT, MON)
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", keep)
    return sent


def _index_names(svc: Any) -> set[str]:
    with svc.db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars())
        return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")).scalars())


def test_the_report_indexes_exist(services):
    build(services)
    names = _index_names(services)
    assert BOTH <= names
    if services.db.engine.dialect.name == "sqlite":
        # Made by hand (0017_repfast): a later revision that rebuilds the appointments table in batch mode
        # must make them again, as SQLAlchemy cannot reflect them to copy.
        assert SQLITE_ONLY <= names
    else:
        assert not SQLITE_ONLY & names
        assert "hx_appointments_visits" in names  # the visits' times, for the waiting-time reports
        assert "ix_payments_day" not in names  # the prefix of ix_payments_day_figures, dropped


@pytest.mark.parametrize("report", sorted(EXPECTED))
def test_each_report_reads_its_index(services, report):
    build(services)
    sent = _statements(services, report)
    plans = []
    with services.db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        for statement, parameters in sent:
            cursor = raw.cursor()
            if conn.dialect.name == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                plans.append(" | ".join(str(row[3]) for row in cursor.fetchall()))
            else:
                cursor.execute("EXPLAIN " + statement, parameters)  # runs as sent: the SQL is valid there
                plans.append(" | ".join(str(row[0]) for row in cursor.fetchall()))
    if services.db.engine.dialect.name != "sqlite":
        assert plans  # PostgreSQL's choice depends on its statistics: not pinned here
        return
    for table, index in EXPECTED[report]:
        reading = [p for s, p in zip(sent, plans, strict=True) if f"FROM {table}" in s[0] or f"JOIN {table}" in s[0]
                   or f" {table} " in p]
        assert any(index in p for p in reading), (index, reading)
