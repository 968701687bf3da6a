"""Billing in one step on PostgreSQL: the invoice, its number, its lines and its audit row in one
statement.

``InvoiceService.issue_now`` is the busiest write of the desk. Everything it decides (the lines'
figures, the totals, the state) is worked out before anything is written; what is left is four
writes that depend on each other only through the new invoice's id and number. Here they are
data-modifying CTEs of one statement: the series' counter is bumped, the invoice inserted with
its number, its lines inserted from arrays, and the audit row written with the number in its
summary, in one round trip instead of four. The counter row stays locked from this statement to
the commit, as with ``numbering.number_row`` (only the audit seal and the commit follow).

SQLite writes the same rows with one statement each (services/billing/invoices.py): its write
lock is the whole database anyway, and a statement there costs no round trip.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ...models import Patient
from .numbering import INVOICE, _ensure_counter

LINE_COLUMNS = (
    ("position", "integer"), ("item_id", "integer"), ("kind", "text"), ("code", "text"), ("description", "text"),
    ("quantity", "integer"), ("unit_price", "bigint"), ("tax_rate_bp", "integer"), ("tax_inclusive", "boolean"),
    ("discount_bp", "integer"), ("discount_minor", "bigint"), ("discount_reason", "text"), ("note", "text"),
    ("gross", "bigint"), ("discount", "bigint"), ("net", "bigint"), ("tax", "bigint"), ("total", "bigint"),
)

INVOICE_COLUMNS = (
    "patient_id", "appointment_id", "doctor_id", "payer_id", "claim_reference", "state", "local_day", "subtotal",
    "discount", "tax", "total", "payer_share", "paid", "payer_paid", "refunded", "credited", "notes",
    "void_reason", "created_at", "created_by_id", "issued_at", "issued_by_id", "version",
)

AUDIT_COLUMNS = ("at", "actor_id", "actor_name", "workstation", "action", "entity_type", "summary", "batch")

# The number as numbering.format_number writes it: the prefix, then at least six digits, never cut.
_NUMBER = ("CASE WHEN length(b.last_value::text) >= 6 THEN :n_prefix || b.last_value::text "
           "ELSE :n_prefix || lpad(b.last_value::text, 6, '0') END")

_STATEMENT = text(f"""
WITH p AS (
    SELECT given_name, family_name, mrn FROM patients WHERE id = CAST(:i_patient_id AS integer)
), bumped AS (
    UPDATE document_counters SET last_value = last_value + 1
    WHERE series = :n_series AND year = :n_year
    RETURNING last_value
), inv AS (
    INSERT INTO invoices (number, {", ".join(INVOICE_COLUMNS)})
    SELECT {_NUMBER}, {", ".join(f"CAST(:i_{c} AS {_cast})" for c, _cast in (
        ("patient_id", "integer"), ("appointment_id", "integer"), ("doctor_id", "integer"),
        ("payer_id", "integer"), ("claim_reference", "text"), ("state", "text"), ("local_day", "date"),
        ("subtotal", "bigint"), ("discount", "bigint"), ("tax", "bigint"), ("total", "bigint"),
        ("payer_share", "bigint"), ("paid", "bigint"), ("payer_paid", "bigint"), ("refunded", "bigint"),
        ("credited", "bigint"), ("notes", "text"), ("void_reason", "text"), ("created_at", "timestamptz"),
        ("created_by_id", "integer"), ("issued_at", "timestamptz"), ("issued_by_id", "integer"),
        ("version", "integer")))}
    FROM bumped b, p
    RETURNING id, number
), lines AS (
    INSERT INTO invoice_lines (invoice_id, {", ".join(c for c, _ in LINE_COLUMNS)})
    SELECT inv.id, v.* FROM inv, unnest({", ".join(f"CAST(:l_{c} AS {t}[])" for c, t in LINE_COLUMNS)}) AS v
    RETURNING id, position
), aud AS (
    INSERT INTO audit_log (entity_id, changes, {", ".join(AUDIT_COLUMNS)})
    SELECT inv.id::text,
           json_build_object('number', json_build_array(NULL, inv.number),
                             'state', json_build_array(NULL, CAST(:i_state AS text)),
                             'patient_id', json_build_array(NULL, CAST(:i_patient_id AS integer)),
                             'appointment_id', json_build_array(NULL, CAST(:i_appointment_id AS integer)),
                             'total', json_build_array(NULL, CAST(:i_total AS bigint))),
           CAST(:a_at AS timestamptz), CAST(:a_actor_id AS integer), CAST(:a_actor_name AS text),
           CAST(:a_workstation AS text), CAST(:a_action AS text), CAST(:a_entity_type AS text),
           CAST(:a_head AS text) || inv.number || CAST(:a_tail AS text), CAST(:a_batch AS text)
    FROM inv
    RETURNING id
)
SELECT inv.id, inv.number, (SELECT array_agg(lines.id ORDER BY lines.position) FROM lines) AS line_ids,
       (SELECT aud.id FROM aud) AS audit_id, p.given_name, p.family_name, p.mrn
FROM inv, p
""")


class Written(NamedTuple):
    invoice_id: int
    number: str
    line_ids: list[int]
    audit_id: int
    patient_name: str
    patient_mrn: str


def write_issued(session: Session, year: int, invoice: dict[str, Any], lines: list[dict[str, Any]],
                 audit_row: dict[str, Any], summary: tuple[str, str]) -> Written | None:
    """Number and write the issued ``invoice`` (its columns but the number), its ``lines`` (their
    columns but the invoice) and its audit row (``audit_row``'s columns; the summary is
    ``summary[0] + number + summary[1]`` and the changes record the number, state, patient,
    visit and total) in the caller's transaction. None if the patient no longer exists (the
    caller raises, and the rollback gives the number back)."""
    params: dict[str, Any] = {"n_series": INVOICE, "n_year": year, "n_prefix": f"{INVOICE}-{year}-"}
    params.update({f"i_{name}": invoice[name] for name in INVOICE_COLUMNS})
    params.update({f"l_{name}": [line[name] for line in lines] for name, _ in LINE_COLUMNS})
    params.update({f"a_{name}": audit_row[name] for name in AUDIT_COLUMNS if name != "summary"})
    params["a_head"], params["a_tail"] = summary
    for _ in range(2):
        row = session.execute(_STATEMENT, params).first()
        if row is not None:
            return Written(row.id, row.number, list(row.line_ids), row.audit_id,
                           f"{row.given_name} {row.family_name}".strip(), row.mrn)
        if session.execute(select(Patient.id).where(Patient.id == invoice["patient_id"])).first() is None:
            return None
        # No counter row for the series this year yet (the year's first invoice): make it, again.
        _ensure_counter(session, INVOICE, year)
    raise AssertionError("unreachable: the counter row exists after _ensure_counter")
