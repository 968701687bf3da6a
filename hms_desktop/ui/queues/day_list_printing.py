"""A doctor's day list to paper or a PDF file: rendered on the worker (services/slips.py), then
shown in the print preview of the one print path (ui/common/printing.py), whose Print button prints
it and whose printer list offers "Print to PDF"."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ...services.doctors import DoctorRecord, doctor_title
from ..common.messages import show_error
from ..common.printing import Printout
from ..common.worker import TaskRunner


def day_list_file_name(doctor: DoctorRecord, day: date) -> str:
    return f"Day list {doctor_title(doctor.full_name)} {day:%Y-%m-%d}.pdf"


class DayListPrinter(QObject):
    """Prints one doctor's day at a time; ``opened`` carries the preview it opened."""

    opened = Signal(object)  # the print preview dialog
    failed = Signal(object)  # the exception, after the person was told

    def __init__(self, slips: Any, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._slips = slips
        self._runner = runner
        self._parent = parent
        self.printout: Printout | None = None
        self.dialog: Any = None

    def preview(self, doctor: DoctorRecord, day: date) -> None:
        self._runner.submit(
            self._slips.day_list, doctor.id, day,
            on_done=lambda pdf, d=doctor, when=day: self._show(d, when, pdf),
            on_error=self._failed, context=self._parent, key=f"day-list-{id(self)}",
        )

    def _show(self, doctor: DoctorRecord, day: date, pdf: bytes) -> None:
        self.printout = Printout(pdf, f"Day list {doctor_title(doctor.full_name)} {day:%d %b %Y}",
                                 day_list_file_name(doctor, day), self._parent)
        self.dialog = self.printout.preview()
        self.opened.emit(self.dialog)

    def _failed(self, exc: Exception) -> None:
        show_error(self._parent, exc)
        self.failed.emit(exc)
