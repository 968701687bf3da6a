"""The visit's follow-up date "offers to book the appointment in the doctor's next free slot that
day": once the doctor saves a follow-up date (and again on signing, if nothing was booked), the
scheduler is asked for its offer on the worker and the doctor is asked "Book follow-up at HH:MM on
DATE with Dr X?". A full day is said in plain words and the next day with a free slot is offered
instead. Booking goes through SchedulingService.book_follow_up: the scheduler's own checks, audit
row and change notice; the service decides who may (a doctor: their own visits only), the screen
only asks the same rule to decide whether to offer at all."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton

from ...services.clinical import VisitRecord
from ...services.errors import HmsError
from ...services.permissions import Permission
from ...services.scheduling import FollowUpOffer, SlotTaken
from ..common.messages import confirm, show_error


class FollowUpBooking(QObject):
    booked = Signal(object)  # AppointmentRecord

    def __init__(self, dialog: Any, services: Any, runner: Any, user: Any) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._scheduling = services.scheduling
        self._runner = runner
        # The service's rule, asked before offering: the front desk books any, a doctor their own.
        self.can_book = user.can(Permission.SCHEDULE_BOOK) or dialog.can_write
        self._asked_for: date | None = None  # the follow-up date last offered (asked once per date)
        self._pending = False
        self._asking = False  # the question is on screen
        self.booked_day: date | None = None
        self.question: QMessageBox | None = None
        self.offer: FollowUpOffer | None = None

        self.note = QLabel(objectName="followUpNote")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setWordWrap(True)
        self.button = QPushButton("Book follo&w-up…", objectName="bookFollowUp")
        self.button.setToolTip("Book the follow-up in the doctor's first free slot on the follow-up date")
        self.button.clicked.connect(lambda: self.ask(dialog.visit))
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.button)
        dialog.notes.layout().addLayout(row, 9, 1)
        self.button.setVisible(self.can_book)
        self._was_signed = dialog.visit.signed
        self.refresh(dialog.visit)
        dialog.changed.connect(self._changed)

    def refresh(self, visit: VisitRecord) -> None:
        self.button.setEnabled(self.can_book and visit.follow_up_on is not None and not self._pending
                               and self.booked_day != visit.follow_up_on)

    def _changed(self, visit: VisitRecord) -> None:
        signed_now = visit.signed and not self._was_signed
        self._was_signed = visit.signed
        self.refresh(visit)
        if not self.can_book or visit.follow_up_on is None or self.booked_day == visit.follow_up_on:
            return
        if visit.follow_up_on != self._asked_for or signed_now:
            self.ask(visit)

    def ask(self, visit: VisitRecord) -> None:
        """The scheduler's offer for the visit's follow-up date, then the question."""
        if self._pending or self._asking or visit.follow_up_on is None:
            return
        self._asked_for = visit.follow_up_on
        self._pending = True
        self.refresh(visit)
        self.note.setText("Looking for the doctor's first free slot on the follow-up day…")
        self._runner.submit(self._scheduling.follow_up_offer, visit.id, on_done=self._offered,
                            on_error=self._failed, context=self)

    def _offered(self, offer: FollowUpOffer) -> None:
        self._pending = False
        self.offer = offer
        self.refresh(self._dialog.visit)
        if offer.booked_at is not None:
            self.booked_day = offer.day
            self.note.setText(offer.question())
            self.refresh(self._dialog.visit)
            return
        if offer.slot is None:
            self.note.setText(offer.question())
            return
        self.note.setText("")
        self._asking = True
        self.question = confirm(self._dialog, title="Book the follow-up", name="followUpOffer",
                                text=offer.question(), action="Book follow-up", on_yes=lambda: self._book(offer),
                                informative="The appointment is booked in the scheduler, like one made at the desk.")
        self.question.finished.connect(self._answered)

    def _answered(self, _result: int) -> None:
        self._asking = False
        if not self._pending:  # not booking: the doctor said no (or closed the question)
            self.note.setText("Follow-up not booked. Use Book follow-up… when you are ready, or ask the front desk.")

    def _book(self, offer: FollowUpOffer) -> None:
        if offer.slot is None:
            return
        self._pending = True
        self.refresh(self._dialog.visit)
        self.note.setText("Booking the follow-up…")
        self._runner.submit(self._scheduling.book_follow_up, offer.visit_id, offer.slot.starts_at,
                            on_done=self._booked, on_error=self._failed, context=self)

    def _booked(self, appointment: Any) -> None:
        self._pending = False
        self.booked_day = self._dialog.visit.follow_up_on
        self.note.setText(f"Follow-up booked at {appointment.local_start:%H:%M} on {appointment.local_start:%a %d %b %Y} "
                          f"with {appointment.doctor_name}.")
        self.refresh(self._dialog.visit)
        self.booked.emit(appointment)

    def _failed(self, exc: Exception) -> None:
        self._pending = False
        self.refresh(self._dialog.visit)
        if isinstance(exc, SlotTaken):
            # Taken at another desk meanwhile: say so, and ask again with what is free now.
            self.note.setText(f"{exc.message} Looking again…")
            self._asked_for = None
            self.ask(self._dialog.visit)
        elif isinstance(exc, HmsError):
            self.note.setText(exc.message)
        else:
            self.note.setText("")
            show_error(self._dialog, exc)
