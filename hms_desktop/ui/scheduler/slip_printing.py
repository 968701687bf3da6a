"""Appointment slips to paper or a PDF file, through the one print path (ui/common/printing.py).

The slip is rendered on the worker (services/slips.py, the shared renderer); the preview, the
system print dialog or "Save as PDF" (in the documents folder) then open on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from ...services.scheduling import AppointmentRecord
from ..common.messages import show_error
from ..common.printing import Printout
from ..common.worker import TaskRunner

PREVIEW, PRINT, SAVE = "preview", "print", "save"


def slip_file_name(appt: AppointmentRecord) -> str:
    return f"Appointment slip {appt.patient_mrn} {appt.local_start:%Y-%m-%d %H%M}.pdf"


class SlipPrinter(QObject):
    """Prints the slip of one appointment at a time; ``opened`` carries the dialog it opened."""

    opened = Signal(object)  # the preview, print or save dialog
    failed = Signal(object)  # the exception

    def __init__(self, slips: Any, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._slips = slips
        self._runner = runner
        self._parent = parent
        self.printout: Printout | None = None
        self.dialog: Any = None

    def preview(self, appt: AppointmentRecord) -> None:
        self._start(appt, PREVIEW)

    def print_dialog(self, appt: AppointmentRecord) -> None:
        self._start(appt, PRINT)

    def save_as_pdf(self, appt: AppointmentRecord) -> None:
        self._start(appt, SAVE)

    def _start(self, appt: AppointmentRecord, how: str) -> None:
        self._runner.submit(
            self._slips.appointment_slip, appt.id,
            on_done=lambda pdf, a=appt, h=how: self._rendered(a, h, pdf),
            on_error=self._failed, context=self._parent, key=f"slip-{id(self)}",
        )

    def _rendered(self, appt: AppointmentRecord, how: str, pdf: bytes) -> None:
        printout = Printout(pdf, f"Appointment slip {appt.patient_name} {appt.local_start:%d %b %H:%M}",
                            slip_file_name(appt), self._parent)
        self.printout = printout
        open_it: Callable[[], Any] = {PREVIEW: printout.preview, PRINT: printout.print_dialog,
                                      SAVE: printout.save_as_pdf}[how]
        self.dialog = open_it()
        self.opened.emit(self.dialog)

    def _failed(self, exc: Exception) -> None:
        show_error(self._parent, exc)
        self.failed.emit(exc)
