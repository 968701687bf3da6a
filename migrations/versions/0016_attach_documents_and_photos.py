"""attachments (lab reports, scans, letters: metadata and bytes in two tables) and the patient photo

Revision ID: 0016_attach
Revises: 0015_waitlist
Create Date: 2026-12-04 18:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hms_desktop.models.base import UTCDateTime

revision: str = '0016_attach'
down_revision: str | None = '0015_waitlist'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('patient_photos',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('updated_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_patient_photos_patient_id_patients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['staff_accounts.id'], name=op.f('fk_patient_photos_updated_by_id_staff_accounts')),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_patient_photos'))
    )
    op.create_table('clinical_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_by_name', sa.String(length=200), nullable=False),
    sa.Column('removed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('removal_reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint("content_type IN ('application/pdf', 'image/png', 'image/jpeg')", name=op.f('ck_clinical_attachments_content_type')),
    sa.CheckConstraint("kind IN ('lab_report', 'imaging', 'letter', 'other')", name=op.f('ck_clinical_attachments_kind')),
    sa.CheckConstraint("removed_at IS NULL OR removal_reason <> ''", name=op.f('ck_clinical_attachments_removal_reason')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_clinical_attachments_size')),
    sa.ForeignKeyConstraint(['added_by_id'], ['staff_accounts.id'], name=op.f('fk_clinical_attachments_added_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_clinical_attachments_patient_id_patients')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['staff_accounts.id'], name=op.f('fk_clinical_attachments_removed_by_id_staff_accounts')),
    sa.ForeignKeyConstraint(['visit_id'], ['clinical_visits.id'], name=op.f('fk_clinical_attachments_visit_id_clinical_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinical_attachments'))
    )
    with op.batch_alter_table('clinical_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_clinical_attachments_patient_added', ['patient_id', 'added_at', 'id'], unique=False)
        batch_op.create_index('ix_clinical_attachments_visit_id', ['visit_id', 'id'], unique=False)

    op.create_table('clinical_attachment_blobs',
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['clinical_attachments.id'], name=op.f('fk_clinical_attachment_blobs_attachment_id_clinical_attachments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_clinical_attachment_blobs'))
    )


def downgrade() -> None:
    op.drop_table('clinical_attachment_blobs')
    with op.batch_alter_table('clinical_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_clinical_attachments_visit_id')
        batch_op.drop_index('ix_clinical_attachments_patient_added')

    op.drop_table('clinical_attachments')
    op.drop_table('patient_photos')
