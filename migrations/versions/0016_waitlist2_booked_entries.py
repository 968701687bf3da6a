"""a waiting list entry closed by a booking names the appointment

Revision ID: 0016_waitlist2
Revises: 0015_waitlist
Create Date: 2026-12-04 18:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_waitlist2'
down_revision: str | None = '0015_waitlist'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_appointment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_waiting_list_booked_appointment_id_appointments'),
                                    'appointments', ['booked_appointment_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_waiting_list_booked_appointment_id_appointments'), type_='foreignkey')
        batch_op.drop_column('booked_appointment_id')
