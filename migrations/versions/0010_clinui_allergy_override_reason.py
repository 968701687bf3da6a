"""clinical prescriptions: why the prescriber went past a recorded allergy

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 15:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('clinical_prescriptions') as batch:
        batch.add_column(sa.Column('allergy_override_reason', sa.String(length=300), nullable=False,
                                   server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('clinical_prescriptions') as batch:
        batch.drop_column('allergy_override_reason')
