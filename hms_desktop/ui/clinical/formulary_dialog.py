"""The admin's clinic formulary (Admin → Formulary): the medicines doctors pick from as they type a
prescription, with strength, form and the usual route, dose and frequency; search, add, edit,
retire and offer again. Reads and writes go through the formulary service on the worker; a change
never touches a prescription already written (it keeps its own words)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...services.clinical import FormularyRecord, MedicineInput
from ..common.catalogue_dialog import CatalogueDialog
from ..common.row_table_model import Index, RowTableModel
from ..common.search_box import SearchBox
from ..common.worker import TaskRunner
from .formulary_item_dialog import FormularyItemDialog

NAME, STRENGTH, FORM, ROUTE, DOSE, FREQUENCY, ACTIVE = range(7)
_COLUMNS = {NAME: "name", STRENGTH: "strength", FORM: "form", ROUTE: "route", DOSE: "dose", FREQUENCY: "frequency"}


class FormularyModel(RowTableModel):
    headers = {NAME: "Medicine", STRENGTH: "Strength", FORM: "Form", ROUTE: "Route", DOSE: "Usual dose",
               FREQUENCY: "Frequency", ACTIVE: "Active"}

    def set_rows(self, rows: list[FormularyRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item: FormularyRecord | None = self.row_item(index)
        if item is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.UserRole):
            return None
        column = index.column()
        if column == ACTIVE:
            return "Yes" if item.active else "No"
        value = getattr(item, _COLUMNS[column])
        return value.casefold() if role == Qt.ItemDataRole.UserRole else value  # sorting ignores case


class FormularyDialog(CatalogueDialog):
    toggle_words = ("Re&tire", "Offer &again")

    def __init__(self, formulary: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        self._formulary = formulary
        self._key = f"formulary-list-{id(self)}"
        self.loaded = False
        search = SearchBox(objectName="formularySearch")
        search.setPlaceholderText("Find a medicine: the start of any word of its name, strength or form")
        search.setClearButtonEnabled(True)
        self.search = search
        super().__init__(
            runner, FormularyModel(), parent, name="formulary", title="Formulary",
            intro="The medicines doctors pick from as they write a prescription (free text stays allowed). "
                  "A change here never changes a prescription already written.",
            show_retired="Show &retired medicines", name_column=NAME, active_column=ACTIVE, above_table=search)
        self.model.setParent(self)
        self.count.show()
        search.textChanged.connect(lambda _t: self.reload())
        self.resize(900, 540)
        self._update_buttons()
        self.reload()

    def ready(self) -> bool:
        return self.loaded

    def reload(self, select_id: int | None = None) -> None:
        # One key: the newest search wins, an older answer still on its way is dropped.
        self._runner.submit(self._formulary.medicines, include_inactive=True, text=self.search.text(), limit=2000,
                            on_done=lambda rows: self._loaded(rows, select_id), on_error=self._failed,
                            context=self, key=self._key)

    def _loaded(self, rows: list[FormularyRecord], select_id: int | None) -> None:
        current = self.selected()
        self.loaded = True
        self.model.set_rows(rows)  # type: ignore[attr-defined]
        shown = self.proxy.rowCount()
        self.count.setText(f"{shown} medicine{'s' if shown != 1 else ''}")
        self.show_rows(select_id, current)

    def make_editor(self, item: FormularyRecord | None) -> FormularyItemDialog:
        return FormularyItemDialog(self._formulary, self._runner, item, self)

    def submit_toggle(self, item: FormularyRecord, on_done: Any, on_error: Any) -> None:
        medicine = MedicineInput(item.name, item.strength, item.form, item.route, item.dose, item.frequency)
        self._runner.submit(self._formulary.update, item.id, item.version, medicine, active=not item.active,
                            on_done=on_done, on_error=on_error, context=self)

    def toggled_words(self, record: FormularyRecord) -> str:
        state = "offered to prescribers again" if record.active else "retired: no longer offered when prescribing"
        return f"{record.label} is {state}."

    def item_words(self, item: FormularyRecord) -> str:
        return item.label
