"""phone numbers stored in E.164, read with the clinic's country as the default region

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02 13:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000


def _region(conn: sa.Connection) -> str:
    settings = sa.table("clinic_settings", sa.column("key", sa.String), sa.column("value", sa.JSON))
    value = conn.execute(sa.select(settings.c.value).where(settings.c.key == "country")).scalar()
    return value if isinstance(value, str) and value else "IN"


def _e164(raw: str, region: str) -> str:
    """The number in E.164; a value that cannot be read as a possible number is kept as typed."""
    import phonenumbers

    raw = (raw or "").strip()
    if not raw:
        return raw
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    if phonenumbers.is_possible_number_with_reason(number) != phonenumbers.ValidationResult.IS_POSSIBLE:
        return raw
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())[:20]


def upgrade() -> None:
    conn = op.get_bind()
    region = _region(conn)
    patients = sa.table(
        "patients", sa.column("id", sa.Integer), sa.column("phone", sa.String),
        sa.column("emergency_contact_phone", sa.String), sa.column("phone_digits", sa.String),
        sa.column("phone_digits_rev", sa.String),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(patients.c.id, patients.c.phone, patients.c.emergency_contact_phone)
            .where(patients.c.id > last).order_by(patients.c.id).limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        changed = []
        for row in rows:
            phone, emergency = _e164(row.phone, region), _e164(row.emergency_contact_phone, region)
            if (phone, emergency) != (row.phone, row.emergency_contact_phone):
                digits = _digits(phone)
                changed.append({"pid": row.id, "phone": phone, "emergency": emergency, "digits": digits,
                                "rev": digits[::-1]})
        if changed:
            conn.execute(
                patients.update().where(patients.c.id == sa.bindparam("pid")).values(
                    phone=sa.bindparam("phone"), emergency_contact_phone=sa.bindparam("emergency"),
                    phone_digits=sa.bindparam("digits"), phone_digits_rev=sa.bindparam("rev"),
                ),
                changed,
            )
    doctors = sa.table("doctors", sa.column("id", sa.Integer), sa.column("phone", sa.String))
    changed = [
        {"did": row.id, "phone": _e164(row.phone, region)}
        for row in conn.execute(sa.select(doctors.c.id, doctors.c.phone))
        if _e164(row.phone, region) != row.phone
    ]
    if changed:
        conn.execute(
            doctors.update().where(doctors.c.id == sa.bindparam("did")).values(phone=sa.bindparam("phone")), changed
        )


def downgrade() -> None:
    # E.164 is a valid way to write every number stored before: nothing to undo.
    pass
