"""initial schema: staff, patients, audit log, settings

Revision ID: 0001
Revises:
Create Date: 2026-11-23 04:24:05.373095
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hms_desktop.models.base

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clinic_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_clinic_settings'))
    )
    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_signins', sa.Integer(), nullable=False),
    sa.Column('locked_until', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_signin_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_accounts')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_accounts_username'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('workstation', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff_accounts.id'], name=op.f('fk_audit_log_actor_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('patients',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mrn', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('sex', sa.String(length=16), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('dob_estimated', sa.Boolean(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('phone_digits', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('phone_digits_rev', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('address', sa.String(length=500), nullable=False),
    sa.Column('blood_group', sa.String(length=8), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=False),
    sa.Column('emergency_contact_name', sa.String(length=200), nullable=False),
    sa.Column('emergency_contact_phone', sa.String(length=32), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('sort_name', sa.String(length=220).with_variant(sa.String(length=220, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name_key', sa.String(length=220).with_variant(sa.String(length=220, collation='C'), 'postgresql'), nullable=False),
    sa.Column('archived', sa.Boolean(), nullable=False),
    sa.Column('archived_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_accounts.id'], name=op.f('fk_patients_created_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_accounts.id'], name=op.f('fk_patients_updated_by_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patients')),
    sa.UniqueConstraint('mrn', name=op.f('uq_patients_mrn'))
    )
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.create_index('ix_patients_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_patients_dob_id', ['date_of_birth', 'id'], unique=False)
        batch_op.create_index('ix_patients_name_key_dob', ['name_key', 'date_of_birth'], unique=False)
        batch_op.create_index('ix_patients_phone_digits', ['phone_digits'], unique=False)
        batch_op.create_index('ix_patients_phone_digits_rev', ['phone_digits_rev'], unique=False)
        batch_op.create_index('ix_patients_sort_name_id', ['sort_name', 'id'], unique=False)

    op.create_table('patient_name_tokens',
    sa.Column('token', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_name_tokens_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token', 'patient_id', name=op.f('pk_patient_name_tokens'))
    )
    with op.batch_alter_table('patient_name_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_patient_name_tokens_patient_id', ['patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patient_name_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_name_tokens_patient_id')

    op.drop_table('patient_name_tokens')
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.drop_index('ix_patients_sort_name_id')
        batch_op.drop_index('ix_patients_phone_digits_rev')
        batch_op.drop_index('ix_patients_phone_digits')
        batch_op.drop_index('ix_patients_name_key_dob')
        batch_op.drop_index('ix_patients_dob_id')
        batch_op.drop_index('ix_patients_created_id')

    op.drop_table('patients')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity')
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('audit_log')
    op.drop_table('staff_accounts')
    op.drop_table('clinic_settings')
