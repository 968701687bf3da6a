"""reports: appointments by the clinic's day (the dashboard's today, every report's period)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_day_doctor_status', ['local_day', 'doctor_id', 'status', 'kind'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_day_doctor_status')
