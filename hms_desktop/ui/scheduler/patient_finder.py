"""Find the patient to book: type a name, MRN or phone number, pick from the list, or register a new
patient on the spot without leaving the booking."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import HmsError
from ...services.patients import PatientPage, PatientRecord, PatientService, PatientSummary
from ..common.form_helpers import error_label
from ..common.messages import show_error
from ..common.search_box import SearchBox
from ..common.worker import TaskRunner
from ..patients.patient_dialog import PatientDialog

RESULTS = 20
SEARCH_DELAY_MS = 150

#: The role of a result item holding its ChosenPatient.
ChosenPatientRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class ChosenPatient:
    id: int
    name: str
    mrn: str
    detail: str = ""

    @classmethod
    def of(cls, p: PatientSummary | PatientRecord) -> ChosenPatient:
        bits = [f"MRN {p.mrn}", f"born {p.date_of_birth:%d %b %Y}" if not p.dob_estimated else f"born ~{p.date_of_birth.year}"]
        if p.phone:
            bits.append(p.phone)
        return cls(p.id, p.full_name, p.mrn, " · ".join(bits))




class _ResultList(QListWidget):
    chosen = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.chosen.emit()
            return
        super().keyPressEvent(event)


class _FinderSearch(SearchBox):
    """Enter here chooses from the results; it never reaches the dialog's default button (which
    would book, or say "Choose the patient first", before the choice is made)."""

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.returnPressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class PatientFinder(QWidget):
    """``patient_chosen(ChosenPatient)`` when a result is clicked, Enter is pressed on it, or a new
    patient is registered from here. ``patient`` is the current choice (or None)."""

    patient_chosen = Signal(object)
    patient_changed = Signal(object)  # ChosenPatient or None: every change of ``patient``, a search's single match too

    def __init__(self, patients: PatientService, runner: TaskRunner, *, can_register: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._patients = patients
        self._runner = runner
        self._generation = 0
        self.patient: ChosenPatient | None = None
        self._chosen_by_search = False  # the choice is the search's only match, not a pick
        self.patient_dialog: PatientDialog | None = None

        self.search = _FinderSearch(objectName="patientFinderSearch")
        self.search.setPlaceholderText("Patient: type a name, MRN or phone number")
        self.search.setClearButtonEnabled(True)
        self.register_button = QPushButton("Register &new patient…", objectName="registerPatient")
        # Never the button Enter presses: that made a duplicate patient out of a typed search.
        self.register_button.setAutoDefault(False)
        self.register_button.setDefault(False)
        self.register_button.setVisible(can_register)
        self.results = _ResultList(objectName="patientFinderResults")
        self.results.setMinimumHeight(100)
        self.results.setAlternatingRowColors(True)
        self.hint = QLabel("Start typing to find the patient.", objectName="subtle")
        self.chosen_label = QLabel(objectName="chosenPatient")
        self.chosen_label.setWordWrap(True)
        self.chosen_label.hide()
        self.error = error_label()

        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.register_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.chosen_label)
        layout.addWidget(self.error)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._enter_in_search)
        self.search.down_pressed.connect(self._focus_results)
        self.results.itemClicked.connect(self._item_chosen)
        self.results.chosen.connect(lambda: self._item_chosen(self.results.currentItem()))
        self.register_button.clicked.connect(self.register_new)
        self.setFocusProxy(self.search)

    # --- searching ---------------------------------------------------------------------------

    def run_search(self) -> None:
        self._debounce.stop()
        query = self.search.text().strip()
        self._generation += 1
        generation = self._generation
        if not query:
            self.results.clear()
            self.hint.setText("Start typing to find the patient.")
            return
        self.hint.setText("Searching…")
        self._runner.submit(
            self._patients.search, query, limit=RESULTS,
            on_done=lambda page, g=generation: self._arrived(g, page),
            on_error=lambda exc, g=generation: self._failed(g, exc),
            context=self, key=f"patient-finder-{id(self)}",
        )

    def _arrived(self, generation: int, page: PatientPage) -> None:
        if generation != self._generation:
            return  # an older search answered late: the newest one wins
        self.results.clear()
        for summary in page.rows:
            self._add_item(ChosenPatient.of(summary))
        if page.rows:
            more = " (more: keep typing to narrow)" if page.next_after is not None else ""
            self.hint.setText(f"{len(page.rows)} match{'es' if len(page.rows) != 1 else ''}{more}. "
                              "Click one, or press Down then Enter.")
            self.results.setCurrentRow(0)
        if len(page.rows) == 1 and page.next_after is None:
            # The only match is drawn selected, so it is the choice (focus stays in the search box).
            self.choose(self.results.item(0).data(ChosenPatientRole), by_search=True)
        elif self._chosen_by_search:
            self._unchoose()
        if not page.rows:
            self.hint.setText(f"No patient matches “{self.search.text().strip()}”. "
                              "Register them with “Register new patient…”.")

    def _failed(self, generation: int, exc: Exception) -> None:
        if generation != self._generation:
            return
        if isinstance(exc, HmsError):
            self.hint.setText(exc.message)
        else:
            show_error(self, exc)

    def _add_item(self, chosen: ChosenPatient, *, first: bool = False) -> QListWidgetItem:
        item = QListWidgetItem(f"{chosen.name}    {chosen.detail}")
        item.setData(ChosenPatientRole, chosen)
        if first:
            self.results.insertItem(0, item)
        else:
            self.results.addItem(item)
        return item

    # --- choosing ----------------------------------------------------------------------------

    def _enter_in_search(self) -> None:
        if self._debounce.isActive():
            self.run_search()
            return
        if self.results.count() == 1:
            self._item_chosen(self.results.item(0))
        else:
            self._focus_results()

    def _focus_results(self) -> None:
        if self.results.count():
            self.results.setFocus()
            if self.results.currentRow() < 0:
                self.results.setCurrentRow(0)

    def _item_chosen(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.results.setCurrentItem(item)
        self.choose(item.data(ChosenPatientRole))

    def choose(self, chosen: ChosenPatient, *, by_search: bool = False) -> None:
        """Make ``chosen`` the patient. ``patient_chosen`` (the dialog moves on to the next field)
        is emitted for a pick, not for a search that narrowed to one match while typing."""
        self.patient = chosen
        self._chosen_by_search = by_search
        self.error.hide()
        self.chosen_label.setText(f"<b>{_escape(chosen.name)}</b> &nbsp; {_escape(chosen.detail)}")
        self.chosen_label.show()
        self.patient_changed.emit(chosen)
        if not by_search:
            self.patient_chosen.emit(chosen)

    def _unchoose(self) -> None:
        had = self.patient is not None
        self.patient = None
        self._chosen_by_search = False
        self.chosen_label.hide()
        if had:
            self.patient_changed.emit(None)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.search.setFocus()

    # --- registering -------------------------------------------------------------------------

    def register_new(self) -> None:
        dialog = PatientDialog(self._patients, self._runner, None, parent=self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Save retyping what was already searched for.
        words = [w for w in self.search.text().split() if w.isalpha()]
        if words:
            dialog.given_name.setText(words[0].capitalize())
        if len(words) > 1:
            dialog.family_name.setText(" ".join(w.capitalize() for w in words[1:]))
            dialog.date_of_birth.setFocus()  # the names are there: on to the next field the form needs
        dialog.saved.connect(self._registered)
        dialog.open_existing.connect(self._open_existing)
        dialog.finished.connect(lambda _r: setattr(self, "patient_dialog", None))
        self.patient_dialog = dialog
        dialog.open()

    def _registered(self, record: PatientRecord) -> None:
        chosen = ChosenPatient.of(record)
        self._generation += 1  # a search still on its way must not replace the new patient
        self.results.clear()
        self._add_item(chosen, first=True)
        self.results.setCurrentRow(0)
        self.hint.setText("Registered and selected.")
        self.choose(chosen)

    def _open_existing(self, patient_id: int) -> None:
        # "Open the existing record" from the duplicate warning: here, that means choose it.
        self._runner.submit(self._patients.get, patient_id, on_done=self._registered,
                            on_error=lambda e: show_error(self, e), context=self)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
