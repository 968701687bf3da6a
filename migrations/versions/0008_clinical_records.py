"""clinical records: visits, vitals, diagnoses, prescriptions, addenda and patient allergies; a
doctor's registration number

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:23:47.968410
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hms_desktop.models.base

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('doctors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_number', sa.String(length=60), server_default='', nullable=False))
    op.create_table('patient_allergies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('substance', sa.String(length=200), nullable=False),
    sa.Column('reaction', sa.String(length=300), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_allergies_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_accounts.id'], name=op.f('fk_patient_allergies_recorded_by_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_allergies'))
    )
    with op.batch_alter_table('patient_allergies', schema=None) as batch_op:
        batch_op.create_index('ix_patient_allergies_patient_id', ['patient_id'], unique=False)

    op.create_table('clinical_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('doctor_id', sa.Integer(), nullable=False),
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('complaint', sa.Text(), nullable=False),
    sa.Column('examination', sa.Text(), nullable=False),
    sa.Column('advice', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('started_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(status = 'signed') = (signed_at IS NOT NULL)", name=op.f('ck_clinical_visits_signed_when')),
    sa.CheckConstraint("status IN ('draft', 'signed')", name=op.f('ck_clinical_visits_status')),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointments.id'], name=op.f('fk_clinical_visits_appointment_id_appointments')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_accounts.id'], name=op.f('fk_clinical_visits_created_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['doctor_id'], ['doctors.id'], name=op.f('fk_clinical_visits_doctor_id_doctors')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_clinical_visits_patient_id_patients')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['staff_accounts.id'], name=op.f('fk_clinical_visits_signed_by_id_staff_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_visits')),
    sa.UniqueConstraint('appointment_id', name=op.f('uq_clinical_visits_appointment_id'))
    )
    with op.batch_alter_table('clinical_visits', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_visits_doctor_started', ['doctor_id', 'started_at'], unique=False)
        batch_op.create_index('ix_clinical_visits_patient_started', ['patient_id', 'started_at'], unique=False)

    op.create_table('clinical_addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['staff_accounts.id'], name=op.f('fk_clinical_addenda_author_id_staff_accounts')),
    sa.ForeignKeyConstraint(['visit_id'], ['clinical_visits.id'], name=op.f('fk_clinical_addenda_visit_id_clinical_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_addenda'))
    )
    with op.batch_alter_table('clinical_addenda', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_addenda_visit_id', ['visit_id', 'id'], unique=False)

    op.create_table('clinical_diagnoses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('icd10_code', sa.String(length=10), nullable=False),
    sa.Column('created_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['clinical_visits.id'], name=op.f('fk_clinical_diagnoses_visit_id_clinical_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_diagnoses'))
    )
    with op.batch_alter_table('clinical_diagnoses', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_diagnoses_visit_id', ['visit_id', 'id'], unique=False)

    op.create_table('clinical_prescriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('medicine', sa.String(length=200), nullable=False),
    sa.Column('strength', sa.String(length=60), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('dose', sa.String(length=60), nullable=False),
    sa.Column('frequency', sa.String(length=60), nullable=False),
    sa.Column('route', sa.String(length=40), nullable=False),
    sa.Column('duration', sa.String(length=60), nullable=False),
    sa.Column('quantity', sa.String(length=40), nullable=False),
    sa.Column('instructions', sa.String(length=500), nullable=False),
    sa.Column('allergy_override', sa.String(length=200), nullable=False),
    sa.Column('created_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['clinical_visits.id'], name=op.f('fk_clinical_prescriptions_visit_id_clinical_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_prescriptions'))
    )
    with op.batch_alter_table('clinical_prescriptions', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_prescriptions_visit_id', ['visit_id', 'id'], unique=False)

    op.create_table('clinical_vitals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('taken_at', hms_desktop.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=True),
    sa.Column('temperature_c', sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True),
    sa.Column('pulse_bpm', sa.Integer(), nullable=True),
    sa.Column('systolic_mmhg', sa.Integer(), nullable=True),
    sa.Column('diastolic_mmhg', sa.Integer(), nullable=True),
    sa.Column('respiratory_rate', sa.Integer(), nullable=True),
    sa.Column('spo2_percent', sa.Integer(), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=5, scale=1, asdecimal=False), nullable=True),
    sa.Column('height_cm', sa.Numeric(precision=4, scale=1, asdecimal=False), nullable=True),
    sa.ForeignKeyConstraint(['taken_by_id'], ['staff_accounts.id'], name=op.f('fk_clinical_vitals_taken_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['visit_id'], ['clinical_visits.id'], name=op.f('fk_clinical_vitals_visit_id_clinical_visits'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_vitals'))
    )
    with op.batch_alter_table('clinical_vitals', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_vitals_visit_id', ['visit_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('clinical_vitals', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_vitals_visit_id')

    op.drop_table('clinical_vitals')
    with op.batch_alter_table('clinical_prescriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_prescriptions_visit_id')

    op.drop_table('clinical_prescriptions')
    with op.batch_alter_table('clinical_diagnoses', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_diagnoses_visit_id')

    op.drop_table('clinical_diagnoses')
    with op.batch_alter_table('clinical_addenda', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_addenda_visit_id')

    op.drop_table('clinical_addenda')
    with op.batch_alter_table('clinical_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_visits_patient_started')
        batch_op.drop_index('ix_clinical_visits_doctor_started')

    op.drop_table('clinical_visits')
    with op.batch_alter_table('patient_allergies', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_allergies_patient_id')

    op.drop_table('patient_allergies')
    # Not recreated: SQLite (3.35+) drops a column in place, and recreating "doctors" would trip the
    # foreign keys that point at it from appointments and the rest.
    with op.batch_alter_table('doctors', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('registration_number')
