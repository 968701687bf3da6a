"""patient name prefixes: one- and two-letter searches read their first page off an index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 15:30:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _binary(length: int) -> sa.types.TypeEngine:
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('patient_name_prefixes',
    sa.Column('prefix', _binary(2), nullable=False),
    sa.Column('sort_name', _binary(220), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_name_prefixes_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('prefix', 'sort_name', 'patient_id', name=op.f('pk_patient_name_prefixes'))
    )
    with op.batch_alter_table('patient_name_prefixes', schema=None) as batch_op:
        batch_op.create_index('ix_patient_name_prefixes_patient_id', ['patient_id'], unique=False)
    # The patients already registered: their tokens' first one and two letters.
    for length in (1, 2):
        op.execute(
            "INSERT INTO patient_name_prefixes (prefix, sort_name, patient_id) "
            f"SELECT DISTINCT substr(t.token, 1, {length}), p.sort_name, p.id "
            "FROM patient_name_tokens t JOIN patients p ON p.id = t.patient_id "
            f"WHERE length(t.token) >= {length}"
        )


def downgrade() -> None:
    with op.batch_alter_table('patient_name_prefixes', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_name_prefixes_patient_id')
    op.drop_table('patient_name_prefixes')
