"""staff notifications: each staff member's bell (bookings, arrivals, follow-ups, failed messages)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'staff_notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('source_key', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('detail', sa.String(length=500), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=True),
        sa.Column('patient_id', sa.Integer(), nullable=True),
        sa.Column('outbox_id', sa.Integer(), nullable=True),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['staff_accounts.id'], name=op.f('fk_staff_notifications_user_id_staff_accounts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notifications')),
        sa.UniqueConstraint('user_id', 'source_key', name=op.f('uq_staff_notifications_user_source')),
    )
    op.create_index('ix_staff_notifications_user_id', 'staff_notifications', ['user_id', 'id'], unique=False)
    op.create_table(
        'notification_cursors',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_notification_cursors')),
    )


def downgrade() -> None:
    op.drop_table('notification_cursors')
    op.drop_index('ix_staff_notifications_user_id', table_name='staff_notifications')
    op.drop_table('staff_notifications')
