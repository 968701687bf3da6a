"""A list the administrator keeps (Admin → Price list, Admin → Formulary): a sortable table of
records with an "active" column, Add…, Edit… (also Return or a double click on a row), and a button
that retires a record or offers it again, with "Show retired" to hide the retired ones.

Subclasses give the words, the table model, how to load, the editor and the one call that
retires or offers again; everything else (the layout, which buttons are on, the banner, a change
made at another desk meanwhile) is here once. Reads and writes run on the worker.
"""

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

from ...services.errors import ConflictError, HmsError
from .form_helpers import banner_label, show_banner
from .messages import show_error
from .row_table_model import CELL_PADDING, RowTableModel, make_record_table, select_by_id
from .worker import TaskRunner


class CatalogueDialog(QDialog):
    #: (retire, offer again): the toggle button's words for an active and a retired record
    toggle_words = ("&Deactivate", "Re&activate")

    def __init__(self, runner: TaskRunner, model: RowTableModel, parent: QWidget | None, *, name: str, title: str,
                 intro: str, show_retired: str, name_column: int, active_column: int,
                 above_table: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{name}Dialog")
        self.setWindowTitle(title)
        self._runner = runner
        self.editor: QDialog | None = None

        words = QLabel(intro)
        words.setObjectName("subtle")
        words.setWordWrap(True)
        self.banner = banner_label()
        self.model = model
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(active_column)
        self.table = QTableView(objectName=f"{name}Table")
        self.table.setModel(self.proxy)
        make_record_table(self.table)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(name_column, Qt.SortOrder.AscendingOrder)
        self.table.setStyleSheet(CELL_PADDING)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(name_column, header.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.table.installEventFilter(self)  # Return on a row opens it (eventFilter)
        self.count = QLabel(objectName="subtle")
        self.count.hide()

        self.show_inactive = QCheckBox(show_retired, objectName=f"{name}ShowInactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(self._filter)
        self.add_button = QPushButton("&Add…", objectName=f"{name}Add")
        self.edit_button = QPushButton("&Edit…", objectName=f"{name}Edit")
        self.toggle_button = QPushButton(self.toggle_words[0], objectName=f"{name}Toggle")
        close = QPushButton("Close", objectName=f"{name}Close")
        self.add_button.clicked.connect(self.add)
        self.edit_button.clicked.connect(self.edit)
        self.toggle_button.clicked.connect(self.toggle_active)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_inactive)
        buttons.addWidget(self.count)
        buttons.addStretch(1)
        for button in (self.add_button, self.edit_button, self.toggle_button, close):
            # Return on a row opens it; no button may take that key as the dialog's default as well.
            button.setAutoDefault(False)
            buttons.addWidget(button)

        layout = QVBoxLayout(self)
        layout.addWidget(words)
        layout.addWidget(self.banner)
        if above_table is not None:
            layout.addWidget(above_table)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._update_buttons())

    # --- what a subclass says ------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether the list has been read (and an editor can be opened)."""
        raise NotImplementedError

    def make_editor(self, item: Any | None) -> QDialog | None:
        """The editor for ``item`` (None: a new one), with a ``saved`` signal carrying the record."""
        raise NotImplementedError

    def submit_toggle(self, item: Any, on_done: Any, on_error: Any) -> None:
        """Retire ``item``, or offer it again, on the worker."""
        raise NotImplementedError

    def toggled_words(self, record: Any) -> str:
        raise NotImplementedError

    def item_words(self, item: Any) -> str:
        """How the banner names a record."""
        raise NotImplementedError

    # --- the list ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        # The table leaves Return to its parent, and QDialog would then press the default button of
        # any visible dialog below it (the editor it just opened): so the key is taken here.
        if (watched is self.table and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):  # type: ignore[attr-defined]
            self.edit()
            return True
        return super().eventFilter(watched, event)

    def show_rows(self, select_id: int | None, current: Any | None) -> None:
        """After the model got its rows: keep (or make) the selection, and the buttons right."""
        self.table.resizeColumnsToContents()
        wanted = select_id if select_id is not None else (current.id if current else None)
        if wanted is not None and self.model.row_of(wanted) is not None:
            select_by_id(self.table, self.proxy, self.model, wanted)
        elif self.proxy.rowCount():
            self.table.selectRow(0)
        self._update_buttons()

    def _filter(self, show_inactive: bool) -> None:
        self.proxy.setFilterFixedString("" if show_inactive else "Yes")
        self._update_buttons()

    def selected(self) -> Any | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.row_item(self.proxy.mapToSource(index))

    def _update_buttons(self) -> None:
        item = self.selected()
        ready = self.ready()
        self.add_button.setEnabled(ready)
        self.edit_button.setEnabled(ready and item is not None)
        self.toggle_button.setEnabled(ready and item is not None)
        self.toggle_button.setText(self.toggle_words[1] if item is not None and not item.active else self.toggle_words[0])

    # --- changes -------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        raise NotImplementedError

    def add(self) -> None:
        self._open_editor(None)

    def edit(self) -> None:
        item = self.selected()
        if item is not None:
            self._open_editor(item)

    def _open_editor(self, item: Any | None) -> None:
        if not self.ready():
            return
        self.banner.hide()
        editor = self.make_editor(item)
        if editor is None:
            return
        self.editor = editor
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda record: self.reload(record.id))  # type: ignore[attr-defined]
        editor.open()

    def toggle_active(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.banner.hide()
        self.toggle_button.setEnabled(False)
        self.submit_toggle(item, self._toggled, lambda exc: self._toggle_refused(item, exc))

    def _toggled(self, record: Any) -> None:
        show_banner(self.banner, self.toggled_words(record), "bannerInfo")
        self.reload(record.id)

    def _toggle_refused(self, item: Any, exc: Exception) -> None:
        if isinstance(exc, ConflictError) and isinstance(exc.current, type(item)):
            # Their version is shown; the admin decides again on what is there now.
            show_banner(self.banner, f"Someone at another desk changed {self.item_words(item)} meanwhile; nothing "
                        "was changed here. The list now shows their version: look at it, then try again.",
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
