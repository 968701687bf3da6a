"""The patient search's SQL, built once per shape of query and reused.

What was typed becomes a list of terms (``search_terms``): their kinds and nesting are the query's
shape, their values its parameters. The statement for a shape is built the first time it is seen
and kept (``statement``): later searches of that shape ("an 8-digit number", "two name words,
sorted by name, next page") only bind their values to a statement SQLAlchemy has compiled
already, instead of building and comparing a new expression tree on each keystroke (about half of
a search's cost, bench/patients.py).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, or_, select, tuple_

from ..models import Patient, PatientNamePrefix, PatientNameToken
from .mrn import mrns_meant_by
from .patient_query import ParsedQuery, phone_prefixes
from .text import prefix_upper_bound

SUMMARY_COLUMNS = (
    Patient.id, Patient.mrn, Patient.given_name, Patient.family_name, Patient.sex,
    Patient.date_of_birth, Patient.dob_estimated, Patient.phone, Patient.archived,
    Patient.sort_name, Patient.created_at,
)
SORT_COLUMNS = {
    "name": (Patient.sort_name, Patient.id),
    "mrn": (Patient.mrn,),
    "date_of_birth": (Patient.date_of_birth, Patient.id),
    "registered": (Patient.created_at, Patient.id),
}

SHORT = 2  # letters: patient_name_prefixes holds each name word's first one and two

# A term is (kind, *values); an "any" term holds alternatives, each a term.
Term = tuple[Any, ...]


def search_terms(parsed: ParsedQuery, include_archived: bool, calling_code: str) -> list[Term]:
    """What the search must match, as plain data."""
    terms: list[Term] = []
    if not include_archived:
        terms.append(("active",))
    if len(parsed.name_tokens) == 1 and len(parsed.name_tokens[0]) <= SHORT and not parsed.digits \
            and parsed.date_of_birth is None:
        # The first letters typed: tens of thousands match; patient_name_prefixes answers in order.
        terms.append(("short", parsed.name_tokens[0]))
        return terms
    for token in parsed.name_tokens:
        terms.append(("name", token, prefix_upper_bound(token)))
    for digits in parsed.digits:
        options: list[Term] = []
        if len(digits) <= 8:
            options.append(("mrn", digits, prefix_upper_bound(digits)))
        meant = mrns_meant_by(digits)
        if meant:  # typed without the leading zeros: "1131" is 00011318
            options.append(("mrns", list(meant)))
        # From the start only with 5 digits or more: "919" is the country code of most numbers
        # and would match half the clinic while the number is still being typed. Stored phones
        # are E.164, so a local number ("72327") is also tried behind the clinic's country code.
        if len(digits) >= 5:
            for start in phone_prefixes(digits, calling_code):
                options.append(("phone", start, prefix_upper_bound(start)))
        if len(digits) >= 3:
            rev = digits[::-1]
            options.append(("rev", rev, prefix_upper_bound(rev)))
        terms.append(("any", tuple(options)))
    if parsed.date_of_birth is not None:
        terms.append(("dob", parsed.date_of_birth))
    return terms


def shape_and_values(terms: list[Term]) -> tuple[tuple[Any, ...], list[Any]]:
    """The terms' kinds (the cache key) and their values in the order the statement binds them."""
    shape: list[Any] = []
    values: list[Any] = []
    for term in terms:
        if term[0] == "any":
            shape.append(("any", tuple(option[0] for option in term[1])))
            for option in term[1]:
                values.extend(option[1:])
        else:
            shape.append(term[0])
            values.extend(term[1:])
    return tuple(shape), values


class _Binder:
    """Hands out bindparams p0, p1, ... in the order ``shape_and_values`` lists the values."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, column: Any, *, expanding: bool = False) -> Any:
        # The column's type, so values bind as it stores them (UTC datetimes, binary strings).
        name = f"p{self.n}"
        self.n += 1
        return bindparam(name, expanding=expanding, type_=column.type)


def _condition(kind: str, bind: _Binder) -> Any:
    if kind == "active":
        return Patient.archived.is_(False)
    if kind == "name":
        token = PatientNameToken.token
        matching = select(PatientNameToken.patient_id).where(token >= bind(token), token < bind(token))
        return Patient.id.in_(matching)
    if kind == "short":
        prefix = PatientNamePrefix.prefix
        return Patient.id.in_(select(PatientNamePrefix.patient_id).where(prefix == bind(prefix)))
    if kind == "mrn":
        return and_(Patient.mrn >= bind(Patient.mrn), Patient.mrn < bind(Patient.mrn))
    if kind == "mrns":
        return Patient.mrn.in_(bind(Patient.mrn, expanding=True))
    if kind == "phone":
        return and_(Patient.phone_digits >= bind(Patient.phone_digits), Patient.phone_digits < bind(Patient.phone_digits))
    if kind == "rev":
        column = Patient.phone_digits_rev
        return and_(column >= bind(column), column < bind(column))
    if kind == "dob":
        return Patient.date_of_birth == bind(Patient.date_of_birth)
    raise ValueError(kind)


def conditions(shape: tuple[Any, ...], bind: _Binder) -> list[Any]:
    found = []
    for part in shape:
        if isinstance(part, tuple):
            found.append(or_(*(_condition(kind, bind) for kind in part[1])))
        else:
            found.append(_condition(part, bind))
    return found


@functools.lru_cache(maxsize=256)
def statement(shape: tuple[Any, ...], sort: str, descending: bool, paged: bool) -> Select[Any]:
    """The page query for this shape: the values bind as p0, p1, ... then ``after`` (a0, a1, ...)
    when ``paged``, and the row limit as ``limit``."""
    if "short" in shape and sort == "name":
        return _short_by_name(shape, descending, paged)
    bind = _Binder()
    stmt = select(*SUMMARY_COLUMNS).where(*conditions(shape, bind))
    sort_cols = SORT_COLUMNS[sort]
    if paged:
        after = [bindparam(f"a{i}", type_=col.type) for i, col in enumerate(sort_cols)]
        key = tuple_(*sort_cols) if len(sort_cols) > 1 else sort_cols[0]
        value = tuple_(*after) if len(sort_cols) > 1 else after[0]
        stmt = stmt.where(key < value if descending else key > value)
    if "name" in shape or "short" in shape:
        # Find the matches first, then sort them. Left to itself, PostgreSQL walks the name index
        # in order and tests each patient against the name, expecting matches to be spread
        # evenly; but "tay" matches Taylors, who all sit together under T, so it read 160,000
        # patients to find them (0.5 s; bench/patients.py). OFFSET 0 keeps the planner from
        # merging the subquery into the outer query, on SQLite and PostgreSQL alike, so the cost
        # is proportional to the number of matches, never to the size of the table.
        matches = stmt.offset(0).subquery("matches")
        stmt = select(*matches.c)
        sort_cols = tuple(matches.c[c.key] for c in sort_cols)
    return stmt.order_by(*(c.desc() if descending else c.asc() for c in sort_cols)).limit(
        bindparam("limit", type_=Integer)
    )


def _short_by_name(shape: tuple[Any, ...], descending: bool, paged: bool) -> Select[Any]:
    """One or two letters, by name: walk patient_name_prefixes' key (prefix, sort_name, patient_id)
    in order from the letters and stop at the page's end: an index range read, never a sort of the
    thousands that match."""
    x = PatientNamePrefix
    bind = _Binder()
    stmt = select(*SUMMARY_COLUMNS).select_from(x).join(Patient, Patient.id == x.patient_id)
    for part in shape:
        stmt = stmt.where(x.prefix == bind(x.prefix) if part == "short" else _condition(part, bind))
    if paged:
        key = tuple_(x.sort_name, x.patient_id)
        value = tuple_(bindparam("a0", type_=x.sort_name.type), bindparam("a1", type_=x.patient_id.type))
        stmt = stmt.where(key < value if descending else key > value)
    order = (x.prefix.desc(), x.sort_name.desc(), x.patient_id.desc()) if descending else (
        x.prefix, x.sort_name, x.patient_id)
    return stmt.order_by(*order).limit(bindparam("limit", type_=Integer))


@functools.lru_cache(maxsize=256)
def count_statement(shape: tuple[Any, ...]) -> Select[Any]:
    from sqlalchemy import func

    return select(func.count()).select_from(Patient).where(*conditions(shape, _Binder()))


def parameters(values: list[Any], after: tuple[Any, ...] | None = None, limit: int | None = None) -> dict[str, Any]:
    params = {f"p{i}": v for i, v in enumerate(values)}
    if after is not None:
        params.update({f"a{i}": v for i, v in enumerate(after)})
    if limit is not None:
        params["limit"] = limit
    return params
