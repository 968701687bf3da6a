""""When is the next free dermatologist?": the earliest free slots with one doctor, or with any
doctor of a specialty (optionally in one wing), ready to book."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.doctors import DoctorRecord, SpecialtyRecord
from ...services.errors import HmsError
from ...services.scheduling import SchedulingService, Slot
from ..common.messages import show_error
from ..common.worker import TaskRunner
from .doctor_box import DoctorBox

RESULTS = 12
#: After a doctor or specialty is chosen, the search runs by itself once the choice rests this long.
AUTO_SEARCH_MS = 350
SlotRole = Qt.ItemDataRole.UserRole + 1


class NextFreeDialog(QDialog):
    chosen = Signal(object)  # the Slot to book

    def __init__(
        self,
        scheduling: SchedulingService,
        runner: TaskRunner,
        specialties: Sequence[SpecialtyRecord],
        doctors: Sequence[DoctorRecord],
        *,
        specialty_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._scheduling = scheduling
        self._runner = runner
        self._doctors = [d for d in doctors if d.bookable]
        self.setWindowTitle("Find the next free time")
        self.setMinimumWidth(560)

        self.specialty = QComboBox(objectName="nextFreeSpecialty")
        self.specialty.addItem("Any specialty", None)
        for spec in specialties:
            self.specialty.addItem(spec.name, spec.id)
        self.doctor = DoctorBox(objectName="nextFreeDoctor")
        self.location = QLineEdit(objectName="nextFreeLocation")
        self.location.setPlaceholderText("e.g. east wing (optional)")
        self.search_button = QPushButton("Search", objectName="nextFreeSearch")
        # Enter searches until there are results, then books the selected one (it used to search again).
        self.search_button.setAutoDefault(False)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        form = QFormLayout()
        form.addRow("&Specialty", self.specialty)
        form.addRow("&Doctor", self.doctor)
        form.addRow("&Location", self.location)

        self.results = QListWidget(objectName="nextFreeResults")
        self.results.itemDoubleClicked.connect(lambda _item: self._book())
        self.status = QLabel(objectName="subtle")
        self.status.setWordWrap(True)
        self.book_button = QPushButton("Book this time…", objectName="primary")
        self.book_button.setEnabled(False)
        self.book_button.clicked.connect(self._book)
        close = QPushButton("Close")
        close.setAutoDefault(False)
        self.book_button.setAutoDefault(False)
        close.clicked.connect(self.reject)
        self.results.currentItemChanged.connect(lambda item, _old: self.book_button.setEnabled(item is not None))

        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        buttons.addWidget(self.book_button)
        top = QHBoxLayout()
        top.addLayout(form, 1)
        top.addWidget(self.search_button, alignment=Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)

        self.specialty.currentIndexChanged.connect(self._fill_doctors)
        if specialty_id is not None:
            self.specialty.setCurrentIndex(max(0, self.specialty.findData(specialty_id)))
        self._fill_doctors()
        for changed in (self.specialty.currentIndexChanged, self.doctor.currentIndexChanged, self.location.textEdited):
            changed.connect(lambda *_: self.search_button.setDefault(True))
        # The results come as the desk chooses (so "Dr Max", Enter books his first free time), without
        # taking the focus from the box being typed in; Enter before they arrive still searches.
        self._auto = QTimer(self, singleShot=True, interval=AUTO_SEARCH_MS)
        self._auto.timeout.connect(lambda: self.search(auto=True))
        for changed in (self.specialty.currentIndexChanged, self.doctor.currentIndexChanged):
            changed.connect(lambda *_: self._auto.start())
        self.doctor.setFocus()  # the doctor is what the desk chooses most; the specialty is a click away

    def _fill_doctors(self) -> None:
        specialty_id = self.specialty.currentData()
        self.doctor.clear()
        self.doctor.addItem("Any doctor of this specialty" if specialty_id else "Choose a doctor", None)
        for d in self._doctors:
            if specialty_id is None or specialty_id in {s.id for s in d.specialties}:
                self.doctor.addItem(f"{d.full_name} · {d.location}" if d.location else d.full_name, d.id)

    def search(self, auto: bool = False) -> None:
        self._auto.stop()
        doctor_id = self.doctor.currentData()
        specialty_id = self.specialty.currentData()
        if doctor_id is None and specialty_id is None:
            if not auto:
                self.status.setText("Choose a specialty, a doctor, or both.")
            return
        self.status.setText("Searching…")
        self.search_button.setEnabled(False)
        if doctor_id is not None:
            call = (self._scheduling.next_available, doctor_id)
            kwargs = {"count": RESULTS}
        else:
            call = (self._scheduling.next_available_for_specialty, specialty_id)
            kwargs = {"count": RESULTS, "location": self.location.text()}
        self._runner.submit(*call, on_done=lambda slots, asked=(doctor_id, specialty_id): self._show(slots, auto, asked), on_error=self._failed,
                            context=self, key=f"next-free-{id(self)}", **kwargs)

    def _show(self, slots: list[Slot], auto: bool = False, asked: tuple[object, object] | None = None) -> None:
        if auto and asked != (self.doctor.currentData(), self.specialty.currentData()):
            self.search_button.setEnabled(True)
            return  # the choice moved on while it ran: its own search follows
        self.search_button.setEnabled(True)
        self.results.clear()
        for slot in slots:
            where = f" · {slot.location}" if slot.location else ""
            item = QListWidgetItem(
                f"{slot.local_start:%a %d %b  %H:%M}–{slot.local_end:%H:%M}   {slot.doctor_name}{where}"
            )
            item.setData(SlotRole, slot)
            self.results.addItem(item)
        if slots:
            self.book_button.setDefault(True)
            self.results.setCurrentRow(0)
            if not auto:
                self.results.setFocus()
            self.status.setText(f"The {len(slots)} earliest free times. Enter books the selected one.")
        else:
            self.status.setText("No free time in the coming weeks for that choice.")

    def _failed(self, exc: Exception) -> None:
        self.search_button.setEnabled(True)
        if isinstance(exc, HmsError):
            self.status.setText(exc.message)
        else:
            show_error(self, exc)

    def _book(self) -> None:
        item = self.results.currentItem()
        if item is None:
            return
        slot = item.data(SlotRole)
        self.accept()
        self.chosen.emit(slot)
