"""the audit log's hash chains: writer, place, previous hash and own hash on every row, the rows already
there chained in id order

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 13:45:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('writer', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('batch', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_audit_log_chain', ['writer', 'chain_seq'], unique=True)
        batch_op.create_index(
            'ix_audit_log_unsealed', ['batch'], unique=False,
            sqlite_where=sa.text('chain_seq IS NULL'), postgresql_where=sa.text('chain_seq IS NULL'),
        )
    # The rows written before the chain existed join it in the order they were written.
    from hms_desktop.services.audit_chain import seal_all_unsealed

    seal_all_unsealed(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_unsealed')
        batch_op.drop_index('ix_audit_log_chain')
        batch_op.drop_column('batch')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')
        batch_op.drop_column('writer')
