"""the waiting list, and the bell's freed-slot items (which doctor, which time)

Revision ID: 0015_waitlist
Revises: 0014
Create Date: 2026-12-04 18:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0015_waitlist'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('waiting_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('doctor_id', sa.Integer(), nullable=True),
    sa.Column('specialty_id', sa.Integer(), nullable=True),
    sa.Column('earliest', sa.Date(), nullable=False),
    sa.Column('latest', sa.Date(), nullable=True),
    sa.Column('part_of_day', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_by_name', sa.String(length=64), nullable=False),
    sa.Column('added_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('doctor_id IS NOT NULL OR specialty_id IS NOT NULL', name=op.f('ck_waiting_list_doctor_or_specialty')),
    sa.ForeignKeyConstraint(['added_by_id'], ['staff_accounts.id'], name=op.f('fk_waiting_list_added_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], name=op.f('fk_waiting_list_doctor_id_doctors')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_waiting_list_patient_id_patients')),
    sa.ForeignKeyConstraint(['specialty_id'], ['specialties.id'], name=op.f('fk_waiting_list_specialty_id_specialties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_list'))
    )
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.create_index('ix_waiting_list_doctor_id', ['doctor_id', 'removed_at'], unique=False)
        batch_op.create_index('ix_waiting_list_specialty_id', ['specialty_id', 'removed_at'], unique=False)
    # Plain ALTER TABLE (nullable columns): no batch copy of a table other rows point at.
    op.add_column('staff_notifications', sa.Column('doctor_id', sa.Integer(), nullable=True))
    op.add_column('staff_notifications', sa.Column('slot_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_notifications', schema=None) as batch_op:
        batch_op.drop_column('slot_at')
        batch_op.drop_column('doctor_id')
    with op.batch_alter_table('waiting_list', schema=None) as batch_op:
        batch_op.drop_index('ix_waiting_list_specialty_id')
        batch_op.drop_index('ix_waiting_list_doctor_id')
    op.drop_table('waiting_list')
