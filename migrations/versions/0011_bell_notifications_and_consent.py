"""staff notifications: each staff member's bell (bookings, arrivals, follow-ups, failed messages);
patients' message consent (which channels they accept appointment messages by)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Until now an e-mail address on file was taken as agreement to e-mail: existing patients keep that.
    # A plain ADD COLUMN on both databases: a batch copy of patients would trip SQLite's foreign keys.
    op.add_column('patients', sa.Column('message_channels', sa.String(length=32), server_default='email',
                                        nullable=False))
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
        sa.UniqueConstraint('source_key', 'user_id', name=op.f('uq_staff_notifications_source_user')),
    )
    op.create_index('ix_staff_notifications_user_id', 'staff_notifications', ['user_id', 'id'], unique=False)
    op.create_table(
        'notification_cursors',
        sa.Column('source', sa.String(length=32), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('source', name=op.f('pk_notification_cursors')),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE patients DROP COLUMN message_channels')  # SQLite 3.35+, no table copy
    else:
        op.drop_column('patients', 'message_channels')
    op.drop_table('notification_cursors')
    op.drop_index('ix_staff_notifications_user_id', table_name='staff_notifications')
    op.drop_table('staff_notifications')
