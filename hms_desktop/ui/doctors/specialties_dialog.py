"""The administrator's specialty list: add, rename, retire and restore specialties.

A retired specialty stays on the doctors who have it but is no longer offered for new ones, so
nothing is ever deleted. ``changed`` fires after every successful change (the Doctors tab reloads
its specialty filter).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.doctors import DoctorService, SpecialtyRecord
from ...services.errors import HmsError, ValidationError
from ..common.form_helpers import FieldErrors
from ..common.messages import show_error
from ..common.worker import TaskRunner

SpecialtyRole = Qt.ItemDataRole.UserRole  # an item's SpecialtyRecord


class SpecialtiesDialog(QDialog):
    changed = Signal()

    def __init__(self, doctors: DoctorService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doctors = doctors
        self._runner = runner
        self.setWindowTitle("Specialties")
        self.setMinimumSize(520, 460)
        self.errors = FieldErrors()
        self._repopulating = False

        intro = QLabel(
            "The specialties offered when adding a doctor and when searching. Retiring one keeps it on the "
            "doctors who have it, but it is no longer offered for new doctors.", objectName="subtle",
        )
        intro.setWordWrap(True)
        self.list = QListWidget(objectName="specialtyList")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.name = QLineEdit(objectName="specialtyName")
        self.name.setPlaceholderText("Specialty name, e.g. Dermatology")
        self.add_button = QPushButton("&Add", objectName="addSpecialty")
        self.rename_button = QPushButton("&Rename selected", objectName="renameSpecialty")
        self.retire_button = QPushButton("Re&tire", objectName="retireSpecialty")
        self.status = QLabel(objectName="subtle")
        self.status.setWordWrap(True)
        close = QPushButton("Close", objectName="closeSpecialties")
        close.clicked.connect(self.accept)

        form = QGridLayout()
        form.addWidget(QLabel("&Name"), 0, 0)
        form.itemAtPosition(0, 0).widget().setBuddy(self.name)  # type: ignore[union-attr]
        form.addWidget(self.name, 0, 1)
        form.addWidget(self.add_button, 0, 2)
        form.addWidget(self.errors.add("name", self.name), 1, 1, 1, 2)
        form.setColumnStretch(1, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.rename_button)
        actions.addWidget(self.retire_button)
        actions.addStretch(1)
        actions.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addLayout(actions)

        self.add_button.clicked.connect(self.add)
        self.name.returnPressed.connect(self._enter_pressed)
        self.rename_button.clicked.connect(self.rename)
        self.retire_button.clicked.connect(self.toggle_retired)
        self.list.currentItemChanged.connect(lambda *_: self._current_changed())
        self.list.itemClicked.connect(lambda _item: self._current_changed())  # also the one already current
        for button in self.findChildren(QPushButton):
            # Enter in the name box adds (returnPressed); no button may also take it as the default.
            button.setAutoDefault(False)
        self._selection_changed()
        self.name.setFocus()
        self.reload()

    # --- public ------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        self._runner.submit(
            self._doctors.specialties, include_inactive=True,
            on_done=lambda specs: self._loaded(specs, select_id), on_error=self._failed, context=self,
        )

    def selected(self) -> SpecialtyRecord | None:
        item = self.list.currentItem()
        return item.data(SpecialtyRole) if item is not None else None

    def names(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    # --- actions -----------------------------------------------------------------------------

    def add(self) -> None:
        name = self.name.text()
        self._run(self._doctors.add_specialty, name, done=lambda s: f"Added “{s.name}”.")

    def rename(self) -> None:
        spec = self.selected()
        if spec is None:
            return
        self._run(self._doctors.rename_specialty, spec.id, self.name.text(),
                  done=lambda s: f"Renamed “{spec.name}” to “{s.name}”.")

    def toggle_retired(self) -> None:
        spec = self.selected()
        if spec is None:
            return
        self._run(
            self._doctors.set_specialty_active, spec.id, not spec.active,
            done=lambda s: f"{'Restored' if s.active else 'Retired'} “{s.name}”.",
        )

    def _enter_pressed(self) -> None:
        # Enter adds a new name; renaming is the explicit button, so a stray Enter never renames.
        spec = self.selected()
        if spec is None or self.name.text().strip() != spec.name:
            self.add()

    # --- results -----------------------------------------------------------------------------

    def _run(self, fn: Callable[..., SpecialtyRecord], *args: object, done: Callable[[SpecialtyRecord], str]) -> None:
        self.errors.clear()
        self._set_busy(True)

        def finished(spec: SpecialtyRecord) -> None:
            self._set_busy(False)
            self.status.setText(done(spec))
            self.name.clear()
            self.changed.emit()
            self.reload(select_id=spec.id)

        self._runner.submit(fn, *args, on_done=finished, on_error=self._failed, context=self)

    def _loaded(self, specialties: list[SpecialtyRecord], select_id: int | None) -> None:
        keep = select_id if select_id is not None else (self.selected().id if self.selected() else None)
        self._repopulating = True
        self.list.clear()
        retired = QBrush(QColor("#8a8f98"))
        for spec in specialties:
            item = QListWidgetItem(spec.name if spec.active else f"{spec.name} (retired)")
            item.setData(SpecialtyRole, spec)
            if not spec.active:
                item.setForeground(retired)
            self.list.addItem(item)
            if spec.id == keep:
                self.list.setCurrentItem(item)
        self._repopulating = False
        if not specialties:
            self.status.setText("No specialties yet: type a name and press Add.")
        self._selection_changed()

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc.fields)
            if unplaced:
                self.status.setText(" ".join(unplaced))
        elif isinstance(exc, HmsError):
            self.status.setText(exc.message)
            self.reload()
        else:
            show_error(self, exc)

    def _selection_changed(self) -> None:
        spec = self.selected()
        self.rename_button.setEnabled(spec is not None)
        self.retire_button.setEnabled(spec is not None)
        self.retire_button.setText("Re&tire" if spec is None or spec.active else "Res&tore")

    def _current_changed(self) -> None:
        # Picking a specialty puts its name in the box, ready to rename; a reload does not.
        spec = self.selected()
        if spec is not None and not self._repopulating:
            self.name.setText(spec.name)
            self.errors.clear()
        self._selection_changed()

    def _set_busy(self, busy: bool) -> None:
        for button in (self.add_button, self.rename_button, self.retire_button):
            button.setEnabled(not busy)
        if not busy:
            self._selection_changed()
