"""The Billing tab's list: invoices newest first, filtered, fetched a page at a time by keyset
(``(local_day, id)`` below the last row shown), so the first rows of a million come back at once."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from sqlalchemy import Select, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from ...models import (
    CreditNote,
    Doctor,
    DocumentCounter,
    Invoice,
    InvoiceState,
    Patient,
    PatientNameToken,
    PayerAccount,
    Payment,
    Refund,
    StaffAccount,
)
from ..text import tokens
from .numbering import SERIES, format_number
from .records import InvoiceFilter, InvoicePage, InvoiceRow, ListTotals

NUMBER = re.compile(r"^(INV|RCT|CRN|RFD)-?(\d{4})-?(\d{1,6})$")
DIGITS = re.compile(r"^\d{1,6}$")
MAX_PATIENTS = 1000


def _number_ids(s: Session, text: str) -> list[int] | None:
    """Invoice ids a typed document number points at, or None when the text is not a number."""
    upper = text.strip().upper()
    match = NUMBER.match(upper)
    numbers: dict[str, list[str]] = {}
    if match:
        series, year, value = match.group(1), int(match.group(2)), int(match.group(3))
        numbers[series] = [format_number(series, year, value)]
    elif DIGITS.match(upper):
        # The last digits alone: that number in every year that has documents.
        years = sorted({y for (y,) in s.execute(select(DocumentCounter.year))})
        value = int(upper)
        for series in SERIES:
            numbers[series] = [format_number(series, y, value) for y in years]
    else:
        return None
    ids: set[int] = set()
    if numbers.get("INV"):
        ids.update(s.scalars(select(Invoice.id).where(Invoice.number.in_(numbers["INV"]))))
    if numbers.get("RCT"):
        ids.update(i for i in s.scalars(select(Payment.invoice_id).where(Payment.receipt_number.in_(numbers["RCT"])))
                   if i is not None)
    if numbers.get("CRN"):
        ids.update(s.scalars(select(CreditNote.invoice_id).where(CreditNote.number.in_(numbers["CRN"]))))
    if numbers.get("RFD"):
        ids.update(i for i in s.scalars(select(Refund.invoice_id).where(Refund.number.in_(numbers["RFD"])))
                   if i is not None)
    return sorted(ids)


def _patient_ids(s: Session, text: str) -> list[int]:
    """Patients whose MRN is the text, or whose name has a word starting with each typed word."""
    found: set[int] | None = None
    mrn = text.strip().upper()
    by_mrn = set(s.scalars(select(Patient.id).where(Patient.mrn == mrn))) if mrn else set()
    for token in tokens(text):
        upper = token[:-1] + chr(ord(token[-1]) + 1)
        ids = set(s.scalars(select(PatientNameToken.patient_id)
                            .where(PatientNameToken.token >= token, PatientNameToken.token < upper)
                            .limit(MAX_PATIENTS)))
        found = ids if found is None else found & ids
    return sorted(by_mrn | (found or set()))


def filtered(s: Session, f: InvoiceFilter, query: Select) -> Select | None:
    """``query`` narrowed by the filter; None when the filter can match nothing."""
    if f.day_from is not None:
        query = query.where(Invoice.local_day >= f.day_from)
    if f.day_to is not None:
        query = query.where(Invoice.local_day <= f.day_to)
    if f.states:
        query = query.where(Invoice.state.in_(list(f.states)))
    if f.patient_id is not None:
        query = query.where(Invoice.patient_id == f.patient_id)
    if f.doctor_id is not None:
        query = query.where(Invoice.doctor_id == f.doctor_id)
    if f.payer_id is not None:
        query = query.where(Invoice.payer_id == f.payer_id)
    if f.cashier_id is not None:
        query = query.where(Invoice.issued_by_id == f.cashier_id)
    text = f.text.strip() if isinstance(f.text, str) else ""
    if text:
        ids = _number_ids(s, text)
        if ids is None:
            patients = _patient_ids(s, text)
            if not patients:
                return None
            query = query.where(Invoice.patient_id.in_(patients))
        elif not ids:
            # Digits only may also be the start of an MRN.
            patients = _patient_ids(s, text) if DIGITS.match(text) else []
            if not patients:
                return None
            query = query.where(Invoice.patient_id.in_(patients))
        else:
            query = query.where(Invoice.id.in_(ids))
    return query


_ISSUER = aliased(StaffAccount)
# The list's columns and joins, built once; each page adds its filter and keyset to this.
_PAGE = (
    select(Invoice.id, Invoice.number, Invoice.state, Invoice.local_day, Invoice.patient_id,
           Patient.given_name, Patient.family_name, Patient.mrn, Doctor.full_name, PayerAccount.name,
           Invoice.total, Invoice.paid - Invoice.refunded, Invoice.total - Invoice.credited
           - (Invoice.paid - Invoice.refunded), _ISSUER.full_name)
    .join(Patient, Patient.id == Invoice.patient_id)
    .outerjoin(Doctor, Doctor.id == Invoice.doctor_id)
    .outerjoin(PayerAccount, PayerAccount.id == Invoice.payer_id)
    .outerjoin(_ISSUER, _ISSUER.id == Invoice.issued_by_id)
)


def page(s: Session, f: InvoiceFilter, after: tuple[date, int] | None, limit: int) -> InvoicePage:
    limit = max(1, min(int(limit), 500))
    query = _PAGE
    # Several states: one index-ordered query per state, merged here; a single "state IN (...)"
    # would read every matching row of the period and sort them.
    states = list(dict.fromkeys(f.states)) or [None]
    rows = []
    for state in states:
        narrowed = filtered(s, replace(f, states=(state,) if state else ()), query)
        if narrowed is None:
            return InvoicePage((), None)
        if after is not None:
            narrowed = narrowed.where(tuple_(Invoice.local_day, Invoice.id) < tuple_(after[0], after[1]))
        narrowed = narrowed.order_by(Invoice.local_day.desc(), Invoice.id.desc()).limit(limit + 1)
        rows.extend(s.connection().execute(narrowed).all())  # plain rows: no ORM layer on the way
    if len(states) > 1:
        rows.sort(key=lambda r: (r[3], r[0]), reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    result = tuple(
        InvoiceRow(r[0], r[1], r[2], r[3], r[4], f"{r[5]} {r[6]}".strip(), r[7], r[8] or "", r[9] or "",
                   r[10], r[11], 0 if r[2] == InvoiceState.VOID else r[12], r[13] or "")
        for r in rows
    )
    return InvoicePage(result, (rows[-1][3], rows[-1][0]) if more and rows else None)


def totals(s: Session, f: InvoiceFilter) -> ListTotals:
    """Count of the invoices the filter shows, and the money on those issued (drafts and void ones
    are neither revenue nor owed)."""
    counts = case((Invoice.state.in_((InvoiceState.DRAFT, InvoiceState.VOID)), 0), else_=1)
    query = select(func.count(), func.coalesce(func.sum(Invoice.total * counts), 0),
                   func.coalesce(func.sum((Invoice.paid - Invoice.refunded) * counts), 0),
                   func.coalesce(func.sum((Invoice.total - Invoice.credited - (Invoice.paid - Invoice.refunded))
                                          * counts), 0)).select_from(Invoice)
    narrowed = filtered(s, f, query)
    if narrowed is None:
        return ListTotals(0, 0, 0, 0)
    count, total, kept, balance = s.connection().execute(narrowed).one()
    return ListTotals(int(count), int(total), int(kept), int(balance))
