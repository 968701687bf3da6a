"""The reports' filters beyond the doctor: what each offers to choose from and how a chosen one is
named in the report's subtitle ("Specialty: Cardiology")."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from ...models import CashierShift, PayerAccount, Payment, PriceItem, Refund, Specialty, StaffAccount
from ..errors import NotFound
from .records import FILTER_LABELS


def _cashier_ids() -> object:
    # Whoever took money in, gave it back or kept a drawer: the people the cash reports are about.
    return union(select(Payment.received_by_id.label("id")).where(Payment.received_by_id.is_not(None)),
                 select(Refund.refunded_by_id).where(Refund.refunded_by_id.is_not(None)),
                 select(CashierShift.cashier_id).where(CashierShift.cashier_id.is_not(None))).subquery()


def filter_choices(s: Session, money: bool) -> dict[str, list[tuple[int, str]]]:
    """kind -> [(id, name)]; the money filters (cashier, payer, item) only for those who see money."""
    out = {"specialty": [(i, n) for i, n in s.execute(select(Specialty.id, Specialty.name)
                                                       .order_by(Specialty.name, Specialty.id))]}
    if money:
        ids = _cashier_ids()
        out["cashier"] = [(i, n) for i, n in s.execute(
            select(StaffAccount.id, StaffAccount.full_name).where(StaffAccount.id.in_(select(ids.c.id)))  # type: ignore[attr-defined]
            .order_by(StaffAccount.full_name, StaffAccount.id))]
        out["payer"] = [(i, n) for i, n in s.execute(select(PayerAccount.id, PayerAccount.name)
                                                      .order_by(PayerAccount.name, PayerAccount.id))]
        out["item"] = [(i, f"{c} {n}".strip()) for i, c, n in s.execute(
            select(PriceItem.id, PriceItem.code, PriceItem.name).order_by(PriceItem.name, PriceItem.id))]
    return out


_NAMES = {"specialty": (Specialty, lambda r: r.name), "cashier": (StaffAccount, lambda r: r.full_name),
          "payer": (PayerAccount, lambda r: r.name), "item": (PriceItem, lambda r: f"{r.code} {r.name}".strip())}


def filter_names(s: Session, chosen: dict[str, int]) -> list[tuple[str, str]]:
    """[("Specialty", "Cardiology"), ...] for the filters chosen; one that no longer exists is NotFound."""
    out = []
    for kind, value in chosen.items():
        model, name = _NAMES[kind]
        row = s.get(model, value)
        if row is None:
            raise NotFound(f"That {FILTER_LABELS[kind].lower()} no longer exists.")
        out.append((FILTER_LABELS[kind], name(row)))
    return out
