"""The price list, the clinic's tax rates and its payer accounts (insurers, companies).

A price change never touches an invoice already made: invoice lines keep their own copy."""

from __future__ import annotations

import re

from sqlalchemy import select

from ...models import ItemKind, PayerAccount, PriceItem, TaxRate
from .. import audit
from ..errors import ConflictError, NotFound, ValidationError
from ..permissions import Permission
from ..text import check_text
from ..unit_of_work import UnitsOfWork
from .common import is_int
from .records import PayerRecord, PriceItemRecord, TaxRateRecord

CODE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,31}$")



def _item(i: PriceItem) -> PriceItemRecord:
    return PriceItemRecord(i.id, i.code, i.name, i.kind, i.price_minor, i.tax_rate_bp, i.active, i.version)


class PriceListService:
    def __init__(self, units: UnitsOfWork) -> None:
        self._units = units

    def items(self, *, include_inactive: bool = False, text: str = "") -> list[PriceItemRecord]:
        """The price list by name; ``text`` matches the start of a code or any word of a name."""
        with self._units.read(Permission.BILLING_VIEW) as uow:
            query = select(PriceItem).order_by(PriceItem.name, PriceItem.id)
            if not include_inactive:
                query = query.where(PriceItem.active.is_(True))
            rows = [_item(i) for i in uow.session.scalars(query)]
        needle = text.strip().casefold() if isinstance(text, str) else ""
        if needle:
            rows = [r for r in rows if r.code.casefold().startswith(needle)
                    or any(w.startswith(needle) for w in r.name.casefold().split())
                    or needle in r.name.casefold()]
        return rows

    def add_item(self, code: str, name: str, kind: str, price_minor: int, tax_rate_bp: int = 0) -> PriceItemRecord:
        self._units.authorise(Permission.PRICE_LIST_MANAGE)  # before any check of the input
        code, name = self._check(code, name, kind, price_minor, tax_rate_bp)
        taken = ValidationError({"code": f"The code {code} is already in the price list."})
        with self._units.write(Permission.PRICE_LIST_MANAGE) as uow:
            uow.explain_constraint("uq_price_items_code", lambda: taken)
            s = uow.session
            self._check_rate(s, tax_rate_bp)
            if s.scalar(select(PriceItem.id).where(PriceItem.code == code)):
                raise taken
            item = PriceItem(code=code, name=name, kind=kind, price_minor=price_minor, tax_rate_bp=tax_rate_bp,
                             active=True)
            s.add(item)
            s.flush()
            uow.audit("price.added", entity_type="price_item", entity_id=item.id, summary=f"Added {code} {name}",
                      changes=audit.created({"code": code, "name": name, "kind": kind, "price_minor": price_minor,
                                             "tax_rate_bp": tax_rate_bp},
                                            ("code", "name", "kind", "price_minor", "tax_rate_bp")))
            uow.announce("billing", "price_list", entity_id=item.id)
            return _item(item)

    def update_item(self, item_id: int, version: int, *, name: str, kind: str, price_minor: int,
                    tax_rate_bp: int, active: bool = True) -> PriceItemRecord:
        with self._units.write(Permission.PRICE_LIST_MANAGE) as uow:
            s = uow.session
            item = s.get(PriceItem, item_id)
            if item is None:
                raise NotFound("That price list item no longer exists.")
            _, name = self._check(item.code, name, kind, price_minor, tax_rate_bp)
            self._check_rate(s, tax_rate_bp)
            if item.version != version:
                raise ConflictError("Someone at another desk changed this item meanwhile; look at it again.",
                                    current=_item(item))
            before = {"name": item.name, "kind": item.kind, "price_minor": item.price_minor,
                      "tax_rate_bp": item.tax_rate_bp, "active": item.active}
            after = {"name": name, "kind": kind, "price_minor": price_minor, "tax_rate_bp": tax_rate_bp,
                     "active": bool(active)}
            changes = audit.diff(before, after)
            for key, value in after.items():
                setattr(item, key, value)
            s.flush()
            if changes:
                uow.audit("price.changed", entity_type="price_item", entity_id=item.id,
                          summary=f"Changed {item.code} {name}", changes=changes)
                uow.announce("billing", "price_list", entity_id=item.id)
            return _item(item)

    def tax_rates(self, *, include_inactive: bool = False) -> list[TaxRateRecord]:
        with self._units.read(Permission.BILLING_VIEW) as uow:
            query = select(TaxRate).order_by(TaxRate.rate_bp)
            if not include_inactive:
                query = query.where(TaxRate.active.is_(True))
            return [TaxRateRecord(r.id, r.name, r.rate_bp, r.active) for r in uow.session.scalars(query)]

    def add_tax_rate(self, name: str, rate_bp: int) -> TaxRateRecord:
        self._units.authorise(Permission.PRICE_LIST_MANAGE)  # before any check of the input
        name = check_text("name", name, 60, required="Name the rate, e.g. GST 18 %.")
        if not is_int(rate_bp) or not 0 <= rate_bp <= 10000:
            raise ValidationError({"rate_bp": "The rate must be between 0 % and 100 %."})
        taken = ValidationError({"rate_bp": "That rate is already in the list."})
        with self._units.write(Permission.PRICE_LIST_MANAGE) as uow:
            uow.explain_constraint("uq_tax_rates_rate_bp", lambda: taken)
            s = uow.session
            existing = s.scalar(select(TaxRate).where(TaxRate.rate_bp == rate_bp))
            if existing is not None:
                if existing.active:
                    raise taken
                existing.active = True
                existing.name = name
                rate = existing
            else:
                rate = TaxRate(name=name, rate_bp=rate_bp, active=True)
                s.add(rate)
            s.flush()
            uow.audit("tax_rate.added", entity_type="tax_rate", entity_id=rate.id, summary=f"Tax rate {name}",
                      changes={"rate_bp": [None, rate_bp], "name": [None, name]})
            uow.announce("billing", "price_list", entity_id=rate.id)
            return TaxRateRecord(rate.id, rate.name, rate.rate_bp, rate.active)

    def set_tax_rate_active(self, rate_id: int, active: bool) -> TaxRateRecord:
        with self._units.write(Permission.PRICE_LIST_MANAGE) as uow:
            rate = uow.session.get(TaxRate, rate_id)
            if rate is None:
                raise NotFound("That tax rate no longer exists.")
            if rate.active != bool(active):
                uow.audit("tax_rate.changed", entity_type="tax_rate", entity_id=rate.id, summary=f"Tax rate {rate.name}",
                          changes={"active": [rate.active, bool(active)]})
                rate.active = bool(active)
                uow.announce("billing", "price_list", entity_id=rate.id)
            return TaxRateRecord(rate.id, rate.name, rate.rate_bp, rate.active)

    def payers(self, *, include_inactive: bool = False) -> list[PayerRecord]:
        with self._units.read(Permission.BILLING_VIEW) as uow:
            query = select(PayerAccount).order_by(PayerAccount.name)
            if not include_inactive:
                query = query.where(PayerAccount.active.is_(True))
            return [PayerRecord(p.id, p.name, p.kind, p.active) for p in uow.session.scalars(query)]

    def add_payer(self, name: str, kind: str = "insurer") -> PayerRecord:
        self._units.authorise(Permission.PRICE_LIST_MANAGE)  # before any check of the input
        name = check_text("name", name, 200, required="Name the insurer or company.")
        if kind not in ("insurer", "company"):
            raise ValidationError({"kind": "Choose insurer or company."})
        taken = ValidationError({"name": f"{name} is already a payer."})
        with self._units.write(Permission.PRICE_LIST_MANAGE) as uow:
            uow.explain_constraint("uq_payer_accounts_name", lambda: taken)
            s = uow.session
            if s.scalar(select(PayerAccount.id).where(PayerAccount.name == name)):
                raise taken
            payer = PayerAccount(name=name, kind=kind, active=True)
            s.add(payer)
            s.flush()
            uow.audit("payer.added", entity_type="payer", entity_id=payer.id, summary=f"Added payer {name}",
                      changes={"name": [None, name], "kind": [None, kind]})
            uow.announce("billing", "price_list", entity_id=payer.id)
            return PayerRecord(payer.id, payer.name, payer.kind, payer.active)

    @staticmethod
    def _check(code: str, name: str, kind: str, price_minor: int, tax_rate_bp: int) -> tuple[str, str]:
        errors: dict[str, str] = {}
        code = code.strip().upper() if isinstance(code, str) else ""
        if not CODE.match(code):
            errors["code"] = "Use 1 to 32 capital letters, digits, dot, dash or underscore."
        try:
            name = check_text("name", name, 200, required="Name the item.")
        except ValidationError as exc:
            errors.update(exc.fields)
        if kind not in {k.value for k in ItemKind}:
            errors["kind"] = "Choose the kind of item."
        if not is_int(price_minor) or price_minor < 0 or price_minor > 10**11:
            errors["price_minor"] = "Enter a price of zero or more."
        if not is_int(tax_rate_bp):
            errors["tax_rate_bp"] = "Choose a tax rate from the list."
        if errors:
            raise ValidationError(errors)
        return code, name

    @staticmethod
    def _check_rate(s, rate_bp: int) -> None:  # type: ignore[no-untyped-def]
        if s.scalar(select(TaxRate.id).where(TaxRate.rate_bp == rate_bp, TaxRate.active.is_(True))) is None:
            raise ValidationError({"tax_rate_bp": "Choose one of the clinic's tax rates."})
