"""the clinic formulary, and each patient's primary doctor

Revision ID: 0019_formulary
Revises: 0018_waitlist2
Create Date: 2026-12-04 18:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0019_formulary'
down_revision: str | None = '0018_waitlist2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('formulary_medicines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=320), nullable=False),
    sa.Column('strength', sa.String(length=60), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('route', sa.String(length=40), nullable=False),
    sa.Column('dose', sa.String(length=60), nullable=False),
    sa.Column('frequency', sa.String(length=60), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_formulary_medicines')),
    sa.UniqueConstraint('name_key', name='uq_formulary_medicines_name_key'),
    )
    with op.batch_alter_table('formulary_medicines', schema=None) as batch_op:
        batch_op.create_index('ix_formulary_medicines_active', ['active', 'name'], unique=False)
    # Plain ALTER TABLE, not a batch: recreating patients on SQLite trips the many keys pointing at it.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE patients ADD COLUMN primary_doctor_id INTEGER '
                   'CONSTRAINT fk_patients_primary_doctor_id_doctors REFERENCES doctors (id)')
    else:
        op.add_column('patients', sa.Column('primary_doctor_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_patients_primary_doctor_id_doctors'), 'patients', 'doctors',
                              ['primary_doctor_id'], ['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE patients DROP COLUMN primary_doctor_id')  # SQLite 3.35+, no table copy
    else:
        op.drop_constraint(op.f('fk_patients_primary_doctor_id_doctors'), 'patients', type_='foreignkey')
        op.drop_column('patients', 'primary_doctor_id')
    with op.batch_alter_table('formulary_medicines', schema=None) as batch_op:
        batch_op.drop_index('ix_formulary_medicines_active')
    op.drop_table('formulary_medicines')
