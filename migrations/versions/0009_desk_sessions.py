"""desk sessions: which desks are signed in on this database (for the backup at the last sign-out)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'desk_sessions',
        sa.Column('desk_id', sa.String(length=32), nullable=False),
        sa.Column('workstation', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('desk_id', name=op.f('pk_desk_sessions')),
    )


def downgrade() -> None:
    op.drop_table('desk_sessions')
