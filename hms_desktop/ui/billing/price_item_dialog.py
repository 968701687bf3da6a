"""Add or edit one item of the price list: code, name, kind, price (the clinic's currency), tax rate
(one of the clinic's rates), active.

The service checks everything (permission first); what it refuses is shown under the field it is
about, and nothing is saved. If another desk saved the same item meanwhile, their changes come into
the form through the shared three-way merge (ui/common/conflict_merge.py) and the next Save is made
on their version."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...models import ItemKind
from ...services.billing.records import PriceItemRecord, TaxRateRecord
from ...services.money import MoneyError, format_rate
from ..common.conflict_merge import ConflictMerge, FieldSpec, MergingEditor
from ..common.form_helpers import FieldErrors, banner_label
from ..common.money_field import MoneyField
from ..common.worker import TaskRunner
from .money_terms import MoneyTerms


class PriceItemDialog(MergingEditor, QDialog):
    record_type = PriceItemRecord
    saved = Signal(object)  # PriceItemRecord, as saved

    def __init__(self, services, runner: TaskRunner, terms: MoneyTerms, rates: list[TaxRateRecord],  # type: ignore[no-untyped-def]
                 record: PriceItemRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("priceItemDialog")
        self._services = services
        self._runner = runner
        self.terms = terms
        self.record = record  # the version this form edits on top of (None: a new item)
        self.setWindowTitle(f"Edit {record.code}" if record else "Add to the price list")
        self.banner = banner_label()
        self.errors = FieldErrors()

        self.code = QLineEdit(objectName="priceCode")
        self.code.setMaxLength(32)
        self.name = QLineEdit(objectName="priceName")
        self.name.setMaxLength(200)
        self.kind = QComboBox(objectName="priceKind")
        for kind in ItemKind:
            self.kind.addItem(kind.label, kind.value)
        self.price = MoneyField(terms.currency, terms.locale, empty_value=None, objectName="pricePrice")
        self.tax = QComboBox(objectName="priceTax")
        for rate in rates:
            self.tax.addItem(f"{rate.name} ({format_rate(rate.rate_bp, terms.locale)})", rate.rate_bp)
        self.active = QCheckBox("&Active (offered on new invoices)", objectName="priceActive")
        self.active.setChecked(True)

        self.merge: ConflictMerge[PriceItemRecord] = ConflictMerge(self._specs())
        form = QFormLayout()
        for label, name, widget in (("&Code", "code", self.code), ("&Name", "name", self.name),
                                    ("&Kind", "kind", self.kind), ("&Price", "price_minor", self.price),
                                    ("&Tax rate", "tax_rate_bp", self.tax), ("", "active", self.active)):
            form.addRow(label, widget)
            form.addRow("", self.errors.add(name, widget))
            if name != "code":
                form.addRow("", self.merge.label(name))
        # A price the field cannot read is explained next to it as soon as the person leaves it.
        self.price.problem_changed.connect(
            lambda problem: self.errors.show({"price_minor": problem}) if problem else None)

        self.buttons = self.save_buttons("price")

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

        if record is None:
            self.price.clear()
            self.code.setFocus()
        else:
            self._fill(record)
            self.code.setReadOnly(True)  # the code is what invoices and people quote: it never changes
            self.name.setFocus()

    # --- the form ------------------------------------------------------------------------------

    def _fill(self, record: PriceItemRecord) -> None:
        self.code.setText(record.code)
        self.name.setText(record.name)
        self._select(self.kind, record.kind)
        self.price.set_value_minor(record.price_minor)
        self._select(self.tax, record.tax_rate_bp)
        self.active.setChecked(record.active)

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        if index < 0 and isinstance(value, int):  # a rate since retired: still shown as it is
            combo.addItem(f"{value / 100:g} % (retired)", value)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))

    def _price_in_form(self) -> object:
        try:
            return self.price.value_minor()
        except MoneyError:
            return self.price.text()  # unreadable, so certainly typed here

    def _specs(self) -> list[FieldSpec[PriceItemRecord]]:
        def kind_words(value: str) -> str:
            return ItemKind(value).label if value in {k.value for k in ItemKind} else value

        return [
            FieldSpec("name", "name", lambda r: r.name, lambda: self.name.text().strip(), self.name.setText),
            FieldSpec("kind", "kind", lambda r: r.kind, self.kind.currentData,
                      lambda v: self._select(self.kind, v), kind_words),
            FieldSpec("price_minor", "price", lambda r: r.price_minor, self._price_in_form,
                      self.price.set_value_minor, self.terms.money),
            FieldSpec("tax_rate_bp", "tax rate", lambda r: r.tax_rate_bp, self.tax.currentData,
                      lambda v: self._select(self.tax, v), lambda v: format_rate(v, self.terms.locale)),
            FieldSpec("active", "active", lambda r: r.active, self.active.isChecked, self.active.setChecked,
                      lambda v: "active" if v else "deactivated"),
        ]

    # --- saving --------------------------------------------------------------------------------

    def submit(self) -> None:
        self.errors.clear()
        self.banner.hide()
        try:
            price = self.price.value_minor()
        except MoneyError as exc:
            self.errors.show({"price_minor": str(exc)})
            return
        prices = self._services.price_list
        name, kind, rate = self.name.text(), self.kind.currentData(), self.tax.currentData()
        rate = 0 if rate is None else rate
        self.save_button.setEnabled(False)
        if self.record is None:
            self._runner.submit(prices.add_item, self.code.text(), name, kind, price, rate,
                                on_done=self._saved, on_error=self._refused, context=self)
        else:
            self._runner.submit(prices.update_item, self.record.id, self.record.version, name=name, kind=kind,
                                price_minor=price, tax_rate_bp=rate, active=self.active.isChecked(),
                                on_done=self._saved, on_error=self._refused, context=self)

    def record_words(self, record: PriceItemRecord) -> str:
        return record.code
