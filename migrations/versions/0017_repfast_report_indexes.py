"""reports at a year of a busy clinic: covering indexes the report queries group along

Every report's figures are grouped along an index that holds all they read, in the order they
are grouped by, so the database streams one index in order and never sorts a million rows or
visits the table (measured with bench/reports.py at 1,000,000 appointments and payments):

- appointments: (patient_id, local_day, status, doctor_id): "was this patient seen in the period"
  answered per patient by one index probe (the patient reports), not by collecting a year of visits.
- invoices: (local_day, state, doctor_id, payer_id, and the amounts the revenue reports sum).
- payments: (local_day, method, received_by_id, amount) replaces (local_day), its prefix.
- SQLite only (hx_ indexes, kept out of ``alembic check`` like the ex_ constraints): the whole
  minutes waited (per doctor, and per UTC quarter hour of arrival) and the minutes booked (per
  doctor) as index expressions, so the waiting-time histograms and utilisation read stored numbers
  in the order they are grouped by, instead of parsing two timestamps per visit and sorting. SQLite
  uses such an index only for a query whose expression is written the same way
  (services/reports/sql_time.py writes both). PostgreSQL cannot index them (turning a timestamptz
  into seconds is not IMMUTABLE there); it gets hx_appointments_visits instead, the visits' two
  times by day and doctor (partial: visits only), which it reads without the table.

Revision ID: 0017_repfast
Revises: 0016_attach
Create Date: 2026-12-04 18:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0017_repfast'
down_revision: str | None = '0016_attach'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written exactly as services/reports/sql_time.py compiles them for SQLite (SQLite matches an
# indexed expression to a query's by its form; tests/services/test_report_plans.py checks it).
_SECONDS = "CAST(strftime('%s', {}) AS INTEGER)"
WAITED = f"({_SECONDS.format('called_at')} - {_SECONDS.format('arrived_at')}) / 60"
BOOKED = f"({_SECONDS.format('ends_at')} - {_SECONDS.format('starts_at')}) / 60"
QUARTER = f"{_SECONDS.format('arrived_at')} % 86400 / 900"
VISITED = "arrived_at IS NOT NULL AND called_at IS NOT NULL AND called_at >= arrived_at"


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_patient_day', ['patient_id', 'local_day', 'status', 'doctor_id'],
                              unique=False)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_day_figures', ['local_day', 'state', 'doctor_id', 'payer_id', 'total',
                                                          'discount', 'credited', 'paid', 'refunded', 'payer_share',
                                                          'payer_paid'], unique=False)
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_day')
        batch_op.create_index('ix_payments_day_figures', ['local_day', 'method', 'received_by_id', 'amount'],
                              unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX hx_appointments_visits ON appointments (local_day, doctor_id, arrived_at, called_at) "
                   f"WHERE {VISITED}")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f"CREATE INDEX hx_appointments_doctor_waited ON appointments (doctor_id, ({WAITED}), local_day) "
                   f"WHERE {VISITED}")
        op.execute(f"CREATE INDEX hx_appointments_quarter_waited ON appointments (({QUARTER}), ({WAITED}), local_day, "
                   f"arrived_at, doctor_id) WHERE {VISITED}")
        op.execute(f"CREATE INDEX hx_appointments_doctor_booked ON appointments (doctor_id, local_day, status, "
                   f"({BOOKED}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX hx_appointments_visits")
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP INDEX hx_appointments_doctor_booked")
        op.execute("DROP INDEX hx_appointments_quarter_waited")
        op.execute("DROP INDEX hx_appointments_doctor_waited")
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_day_figures')
        batch_op.create_index('ix_payments_day', ['local_day'], unique=False)
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_day_figures')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_patient_day')
