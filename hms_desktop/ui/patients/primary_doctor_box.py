"""The patient's primary doctor (seed: assign doctors to patients): a choice of the clinic's doctors
on the patient form, and the one line the booking screens show for a chosen patient.

The doctors are read on the worker; until they arrive (or for a user who may not list doctors) the
box holds the value the record had, so saving the form never drops a primary doctor it did not
show. A doctor who has since left is kept as "(no longer here)" until someone picks another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from ..common.worker import TaskRunner

NOBODY = "Nobody chosen"


class PrimaryDoctorBox(QComboBox):
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("primary_doctor_id")
        self.addItem(NOBODY, None)
        self.names: dict[int, str] = {}

    def load(self, runner: TaskRunner, doctors: Callable[..., list[Any]]) -> None:
        runner.submit(doctors, include_inactive=True, on_done=self._fill, on_error=lambda _exc: None, context=self)

    def _fill(self, doctors: list[Any]) -> None:
        wanted = self.value()
        self.blockSignals(True)
        self.clear()
        self.addItem(NOBODY, None)
        self.names = {d.id: d.full_name for d in doctors}
        for d in doctors:
            if d.active:
                self.addItem(d.full_name + (f" — {d.specialty_names}" if d.specialty_names else ""), d.id)
            elif d.id == wanted:
                self.addItem(f"{d.full_name} (no longer here)", d.id)
        self.blockSignals(False)
        self.set_value(wanted)
        self.loaded.emit()

    def value(self) -> int | None:
        return self.currentData()

    def set_value(self, doctor_id: int | None) -> None:
        index = self.findData(doctor_id)
        if index < 0 and doctor_id is not None:
            self.addItem(self.names.get(doctor_id, f"Doctor {doctor_id}"), doctor_id)  # not listed (yet)
            index = self.count() - 1
        self.setCurrentIndex(max(index, 0))

    def words(self, doctor_id: int | None) -> str:
        if doctor_id is None:
            return "nobody"
        return self.names.get(doctor_id) or self.itemText(max(self.findData(doctor_id), 0))


def primary_doctor_line(primary: Any) -> str:
    """"Primary doctor: Dr X" for a PrimaryDoctor (or None)."""
    if primary is None:
        return "Primary doctor: none set"
    return f"Primary doctor: {primary.full_name}" + ("" if primary.active else " (no longer here)")


def show_primary_doctor(dialog: Any, runner: TaskRunner, load: Callable[[int], Any], *,
                        doctor_of_slot: int | None = None, choose: Callable[[int], None] | None = None) -> QLabel:
    """Under the patient of a booking dialog: "Primary doctor: Dr X" once a patient is chosen (and
    a word when the slot is with someone else); ``choose(doctor_id)`` preselects them where the
    dialog has a doctor to choose. ``load`` is PatientService.primary_doctor, run on the worker."""
    label = QLabel(objectName="bookingPrimaryDoctor")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    dialog.findChildren(QFormLayout)[0].insertRow(1, "", label)  # under the patient

    def chosen(patient: Any) -> None:
        label.hide()
        if patient is None:
            return
        runner.submit(load, patient.id, on_done=lambda primary: shown(patient.id, primary),
                      on_error=lambda _exc: None, context=dialog)

    def shown(patient_id: int, primary: Any) -> None:
        current = dialog.finder.patient
        if current is None or current.id != patient_id:
            return  # another patient was chosen meanwhile
        text = primary_doctor_line(primary)
        if primary is not None and doctor_of_slot is not None and primary.id != doctor_of_slot:
            text += " — this slot is with another doctor"
        label.setText(text)
        label.show()
        if primary is not None and primary.active and choose is not None:
            choose(primary.id)

    dialog.finder.patient_changed.connect(chosen)
    if dialog.finder.patient is not None:
        chosen(dialog.finder.patient)
    return label
