"""The admin's price list (Admin → Price list): every service and item with its code, name, kind,
price in the clinic's currency, tax rate and whether it is offered; add, edit, deactivate and
reactivate. Reads and writes go through the price-list service on the worker; a price change never
touches an invoice already made (its lines keep their own copy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...models import ItemKind
from ...services.billing.records import PriceItemRecord, TaxRateRecord
from ...services.money import format_rate
from ..common.catalogue_dialog import CatalogueDialog
from ..common.row_table_model import Index, RowTableModel
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms
from .price_item_dialog import PriceItemDialog

CODE, NAME, KIND, PRICE, TAX, ACTIVE = range(6)


@dataclass(frozen=True)
class _Loaded:
    terms: MoneyTerms
    items: list[PriceItemRecord]
    rates: list[TaxRateRecord]


def _load(services) -> _Loaded:  # type: ignore[no-untyped-def] - runs on the worker
    settings = services.settings.get()
    prices = services.price_list
    return _Loaded(MoneyTerms(settings.currency, settings.locale), prices.items(include_inactive=True),
                   prices.tax_rates())


class PriceListModel(RowTableModel):
    headers = {CODE: "Code", NAME: "Name", KIND: "Kind", PRICE: "Price", TAX: "Tax", ACTIVE: "Active"}

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.terms = MoneyTerms()

    def set_rows(self, rows: list[PriceItemRecord], terms: MoneyTerms) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.terms = terms
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item: PriceItemRecord | None = self.row_item(index)
        if item is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == CODE:
                return item.code
            if column == NAME:
                return item.name
            if column == KIND:
                return ItemKind(item.kind).label if item.kind in {k.value for k in ItemKind} else item.kind
            if column == PRICE:
                return self.terms.money(item.price_minor)
            if column == TAX:
                return format_rate(item.tax_rate_bp, self.terms.locale)
            if column == ACTIVE:
                return "Yes" if item.active else "No"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (PRICE, TAX):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:  # sorting: amounts as numbers, not as text
            return {PRICE: item.price_minor, TAX: item.tax_rate_bp}.get(column, self.data(index))
        return None


class PriceListDialog(CatalogueDialog):
    def __init__(self, services, runner: TaskRunner, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        self._services = services
        self.loaded: _Loaded | None = None
        super().__init__(runner, PriceListModel(), parent, name="price", title="Price list",
                         intro="What the clinic charges. Changing a price never changes an invoice already made.",
                         show_retired="Show &inactive items", name_column=NAME, active_column=ACTIVE)
        self.model.setParent(self)
        self.resize(820, 520)
        self._update_buttons()
        self.reload()

    def ready(self) -> bool:
        return self.loaded is not None

    def reload(self, select_id: int | None = None) -> None:
        self._runner.submit(_load, self._services, on_done=lambda loaded: self._loaded(loaded, select_id),
                            on_error=self._failed, context=self)

    def _loaded(self, loaded: _Loaded, select_id: int | None) -> None:
        current = self.selected()
        self.loaded = loaded
        self.model.set_rows(loaded.items, loaded.terms)  # type: ignore[attr-defined]
        self.show_rows(select_id, current)

    def make_editor(self, item: PriceItemRecord | None) -> PriceItemDialog | None:
        if self.loaded is None:
            return None
        return PriceItemDialog(self._services, self._runner, self.loaded.terms, self.loaded.rates, item, self)

    def submit_toggle(self, item: PriceItemRecord, on_done: Any, on_error: Any) -> None:
        self._runner.submit(self._services.price_list.update_item, item.id, item.version, name=item.name,
                            kind=item.kind, price_minor=item.price_minor, tax_rate_bp=item.tax_rate_bp,
                            active=not item.active, on_done=on_done, on_error=on_error, context=self)

    def toggled_words(self, record: PriceItemRecord) -> str:
        state = "offered again" if record.active else "no longer offered on new invoices"
        return f"{record.code} {record.name} is {state}."

    def item_words(self, item: PriceItemRecord) -> str:
        return item.code
