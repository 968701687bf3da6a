"""a waiting list entry closed by a booking names the appointment; the indexes a booking uses to
close the patient's entries and to mark the freed-slot bell items its time covers

Revision ID: 0018_waitlist2
Revises: 0017_repfast
Create Date: 2026-12-04 18:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_waitlist2'
down_revision: str | None = '0017_repfast'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_appointment_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_waiting_list_booked_appointment_id_appointments'),
                                    'appointments', ['booked_appointment_id'], ['id'])
        batch_op.create_index('ix_waiting_list_patient_id', ['patient_id', 'removed_at'], unique=False)
    op.create_index('ix_staff_notifications_slot', 'staff_notifications', ['doctor_id', 'slot_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_staff_notifications_slot', table_name='staff_notifications')
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.drop_index('ix_waiting_list_patient_id')
        batch_op.drop_constraint(batch_op.f('fk_waiting_list_booked_appointment_id_appointments'), type_='foreignkey')
        batch_op.drop_column('booked_appointment_id')
