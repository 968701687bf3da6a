"""staff password reset by e-mail: each account's address, and the one-time codes (hashed)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: recreating staff_accounts on SQLite trips the many keys pointing at it.
    op.add_column('staff_accounts', sa.Column('email', sa.String(length=320), server_default='', nullable=False))
    op.create_table('password_reset_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('wrong_tries', sa.Integer(), nullable=False),
    sa.Column('ended_at', UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_accounts.id'], name=op.f('fk_password_reset_codes_staff_id_staff_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_codes'))
    )
    with op.batch_alter_table('password_reset_codes', schema=None) as batch_op:
        batch_op.create_index('ix_password_reset_codes_staff_id', ['staff_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('password_reset_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_password_reset_codes_staff_id')
    op.drop_table('password_reset_codes')
    op.drop_column('staff_accounts', 'email')
