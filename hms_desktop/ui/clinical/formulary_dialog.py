"""The admin's clinic formulary (Admin → Formulary): the medicines doctors pick from as they type a
prescription, with strength, form and the usual route, dose and frequency; search, add, edit,
retire and offer again. Reads and writes go through the formulary service on the worker; a change
never touches a prescription already written (it keeps its own words)."""

from __future__ import annotations

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

from ...services.clinical import FormularyRecord, MedicineInput
from ...services.errors import ConflictError, HmsError
from ..common.form_helpers import banner_label, show_banner
from ..common.messages import show_error
from ..common.row_table_model import CELL_PADDING, Index, RowTableModel, make_record_table, select_by_id
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


class FormularyDialog(QDialog):
    def __init__(self, formulary: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formularyDialog")
        self.setWindowTitle("Formulary")
        self._formulary = formulary
        self._runner = runner
        self._key = f"formulary-list-{id(self)}"
        self.loaded = False
        self.editor: FormularyItemDialog | None = None

        intro = QLabel("The medicines doctors pick from as they write a prescription (free text stays allowed). "
                       "A change here never changes a prescription already written.")
        intro.setObjectName("subtle")
        intro.setWordWrap(True)
        self.banner = banner_label()
        self.search = SearchBox(objectName="formularySearch")
        self.search.setPlaceholderText("Find a medicine: the start of any word of its name, strength or form")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self.reload())
        self.model = FormularyModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(ACTIVE)
        self.table = QTableView(objectName="formularyTable")
        self.table.setModel(self.proxy)
        make_record_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(NAME, Qt.SortOrder.AscendingOrder)
        self.table.setStyleSheet(CELL_PADDING)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(NAME, self.table.horizontalHeader().ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.table.installEventFilter(self)  # Return on a row opens it
        self.count = QLabel(objectName="subtle")

        self.show_inactive = QCheckBox("Show &retired medicines", objectName="formularyShowInactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(self._filter)
        self.add_button = QPushButton("&Add…", objectName="formularyAdd")
        self.edit_button = QPushButton("&Edit…", objectName="formularyEdit")
        self.toggle_button = QPushButton("Re&tire", objectName="formularyToggle")
        close = QPushButton("Close", objectName="formularyClose")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.toggle_button.clicked.connect(self.toggle_active)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_inactive)
        buttons.addWidget(self.count)
        buttons.addStretch(1)
        for button in (self.add_button, self.edit_button, self.toggle_button, close):
            button.setAutoDefault(False)  # Return on a row opens it; no button takes the key as well
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(900, 540)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())
        self._update_buttons()
        self.reload()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):  # type: ignore[attr-defined]
            self.edit()
            return True
        return super().eventFilter(watched, event)

    # --- loading -------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        # One key: the newest search wins, an older answer still on its way is dropped.
        self._runner.submit(self._formulary.medicines, include_inactive=True, text=self.search.text(), limit=2000,
                            on_done=lambda rows: self._loaded(rows, select_id), on_error=self._failed,
                            context=self, key=self._key)

    def _loaded(self, rows: list[FormularyRecord], select_id: int | None) -> None:
        current = self.selected()
        self.loaded = True
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        shown = self.proxy.rowCount()
        self.count.setText(f"{shown} medicine{'s' if shown != 1 else ''}")
        wanted = select_id if select_id is not None else (current.id if current else None)
        if wanted is not None and self.model.row_of(wanted) is not None:
            select_by_id(self.table, self.proxy, self.model, wanted)
        elif shown:
            self.table.selectRow(0)
        self._update_buttons()

    def _filter(self, show_inactive: bool) -> None:
        self.proxy.setFilterFixedString("" if show_inactive else "Yes")
        self._update_buttons()

    def selected(self) -> FormularyRecord | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_item(self.proxy.mapToSource(index))

    def _update_buttons(self) -> None:
        item = self.selected()
        self.add_button.setEnabled(self.loaded)
        self.edit_button.setEnabled(self.loaded and item is not None)
        self.toggle_button.setEnabled(self.loaded and item is not None)
        self.toggle_button.setText("Offer &again" if item is not None and not item.active else "Re&tire")

    # --- changes -------------------------------------------------------------------------------

    def add(self) -> None:
        self._open_editor(None)

    def edit(self) -> None:
        item = self.selected()
        if item is not None:
            self._open_editor(item)

    def _open_editor(self, item: FormularyRecord | None) -> None:
        self.banner.hide()
        self.editor = FormularyItemDialog(self._formulary, self._runner, item, self)
        self.editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.editor.saved.connect(lambda record: self.reload(record.id))
        self.editor.open()

    def toggle_active(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.banner.hide()
        self.toggle_button.setEnabled(False)
        medicine = MedicineInput(item.name, item.strength, item.form, item.route, item.dose, item.frequency)
        self._runner.submit(self._formulary.update, item.id, item.version, medicine, active=not item.active,
                            on_done=self._toggled, on_error=lambda exc: self._toggle_refused(item, exc), context=self)

    def _toggled(self, record: FormularyRecord) -> None:
        state = "offered to prescribers again" if record.active else "retired: no longer offered when prescribing"
        show_banner(self.banner, f"{record.label} is {state}.", "bannerInfo")
        self.reload(record.id)

    def _toggle_refused(self, item: FormularyRecord, exc: Exception) -> None:
        if isinstance(exc, ConflictError) and isinstance(exc.current, FormularyRecord):
            show_banner(self.banner, f"Someone at another desk changed {item.label} meanwhile; nothing was changed "
                        "here. The list now shows their version: look at it, then try again.", "bannerWarning")
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
