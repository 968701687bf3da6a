"""The admin's price list (Admin → Price list): every service and item with its code, name, kind,
price in the clinic's currency, tax rate and whether it is offered; add, edit, deactivate and
reactivate. Reads and writes go through the price-list service on the worker; a price change never
touches an invoice already made (its lines keep their own copy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...models import ItemKind
from ...services.billing.records import PriceItemRecord, TaxRateRecord
from ...services.errors import ConflictError, HmsError
from ...services.money import format_rate
from ..common.form_helpers import banner_label, show_banner
from ..common.messages import show_error
from ..common.row_table_model import CELL_PADDING, Index, RowTableModel, make_record_table, select_by_id
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


class PriceListDialog(QDialog):
    def __init__(self, services, runner: TaskRunner, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.setObjectName("priceListDialog")
        self.setWindowTitle("Price list")
        self._services = services
        self._runner = runner
        self.loaded: _Loaded | None = None
        self.editor: PriceItemDialog | None = None

        intro = QLabel("What the clinic charges. Changing a price never changes an invoice already made.")
        intro.setObjectName("subtle")
        intro.setWordWrap(True)
        self.banner = banner_label()
        self.model = PriceListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(ACTIVE)
        self.table = QTableView(objectName="priceTable")
        self.table.setModel(self.proxy)
        make_record_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        self.table.setStyleSheet(CELL_PADDING)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(NAME, self.table.horizontalHeader().ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.table.installEventFilter(self)  # Return on a row opens it (eventFilter)

        self.show_inactive = QCheckBox("Show &inactive items", objectName="priceShowInactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(self._filter)
        self.add_button = QPushButton("&Add…", objectName="priceAdd")
        self.edit_button = QPushButton("&Edit…", objectName="priceEdit")
        self.toggle_button = QPushButton("&Deactivate", objectName="priceToggle")
        close = QPushButton("Close", objectName="priceClose")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.toggle_button.clicked.connect(self.toggle_active)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_inactive)
        buttons.addStretch(1)
        for button in (self.add_button, self.edit_button, self.toggle_button, close):
            # Return on a row opens it; no button may take that key as the dialog's default as well.
            button.setAutoDefault(False)
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(820, 520)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self._update_buttons()
        self.reload()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # The table leaves Return to its parent, and QDialog would then press the default button of
        # any visible dialog below it (the editor it just opened): so the key is taken here.
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):  # type: ignore[attr-defined]
            self.edit()
            return True
        return super().eventFilter(watched, event)

    # --- loading -------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        self._runner.submit(_load, self._services, on_done=lambda loaded: self._loaded(loaded, select_id),
                            on_error=self._failed, context=self)

    def _loaded(self, loaded: _Loaded, select_id: int | None) -> None:
        current = self.selected()
        self.loaded = loaded
        self.model.set_rows(loaded.items, loaded.terms)
        self.table.resizeColumnsToContents()
        wanted = select_id if select_id is not None else (current.id if current else None)
        if wanted is not None:
            select_by_id(self.table, self.proxy, self.model, wanted)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def _filter(self, show_inactive: bool) -> None:
        self.proxy.setFilterFixedString("" if show_inactive else "Yes")
        self._update_buttons()

    def selected(self) -> PriceItemRecord | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_item(self.proxy.mapToSource(index))

    def _update_buttons(self) -> None:
        item = self.selected()
        ready = self.loaded is not None
        self.add_button.setEnabled(ready)
        self.edit_button.setEnabled(ready and item is not None)
        self.toggle_button.setEnabled(ready and item is not None)
        self.toggle_button.setText("Re&activate" if item is not None and not item.active else "&Deactivate")

    # --- changes -------------------------------------------------------------------------------

    def add(self) -> None:
        self._open_editor(None)

    def edit(self) -> None:
        item = self.selected()
        if item is not None:
            self._open_editor(item)

    def _open_editor(self, item: PriceItemRecord | None) -> None:
        if self.loaded is None:
            return
        self.banner.hide()
        self.editor = PriceItemDialog(self._services, self._runner, self.loaded.terms, self.loaded.rates, item, self)
        self.editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor.saved.connect(lambda record: self.reload(record.id))
        self.editor.open()

    def toggle_active(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.banner.hide()
        self.toggle_button.setEnabled(False)
        self._runner.submit(self._services.price_list.update_item, item.id, item.version, name=item.name,
                            kind=item.kind, price_minor=item.price_minor, tax_rate_bp=item.tax_rate_bp,
                            active=not item.active, on_done=lambda record: self._toggled(record),
                            on_error=lambda exc: self._toggle_refused(item, exc), context=self)

    def _toggled(self, record: PriceItemRecord) -> None:
        state = "offered again" if record.active else "no longer offered on new invoices"
        show_banner(self.banner, f"{record.code} {record.name} is {state}.", "bannerInfo")
        self.reload(record.id)

    def _toggle_refused(self, item: PriceItemRecord, exc: Exception) -> None:
        if isinstance(exc, ConflictError) and isinstance(exc.current, PriceItemRecord):
            # Their version is shown; the admin decides again on what is there now.
            show_banner(self.banner, f"Someone at another desk changed {item.code} meanwhile; nothing was "
                        "changed here. The list now shows their version: look at it, then try again.",
                        "bannerWarning")
            self.reload(item.id)
        elif isinstance(exc, HmsError):
            show_banner(self.banner, exc.message, "bannerError")
            self._update_buttons()
        else:
            self._update_buttons()
            show_error(self, exc)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, HmsError):
            show_banner(self.banner, exc.message, "bannerError")
        else:
            show_error(self, exc)

