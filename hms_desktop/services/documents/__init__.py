"""Printed documents, the one home for them: pure functions from the frozen dataclasses in
:mod:`.model` to PDF bytes (ReportLab), with the fonts shipped in resources/fonts/.

    render_invoice(Invoice) -> bytes                          A4, any number of pages
    render_receipt(Receipt, Paper.A5 | A4 | ROLL_80MM)         80 mm roll sized to its content
    render_shift_closure(ShiftClosure, Paper.A4 | ROLL_80MM)
    render_appointment_slip(AppointmentSlip) -> bytes          A6
    stamp_copy(original_pdf, reprinted_at_text) -> bytes       "COPY" on every page of an archived PDF

Rendering is CPU work (a receipt takes about 8 ms, a five-line invoice 12 ms): call it on the
worker thread, never the GUI thread. ReportLab does not promise to be thread-safe (shaping adds
glyphs to the shared font objects), so keep renders on that one worker.
"""

from .closure import render_shift_closure
from .invoice import InvoiceFiguresMismatch, render_invoice
from .model import (
    AppointmentSlip,
    Clinic,
    CreditNote,
    Denomination,
    Invoice,
    InvoiceLine,
    MethodCount,
    Paper,
    Payment,
    Receipt,
    ShiftClosure,
)
from .receipt import render_receipt
from .slip import render_appointment_slip
from .stamp import COPY_MARK, stamp_copy

__all__ = [
    "COPY_MARK",
    "AppointmentSlip",
    "Clinic",
    "CreditNote",
    "Denomination",
    "Invoice",
    "InvoiceFiguresMismatch",
    "InvoiceLine",
    "MethodCount",
    "Paper",
    "Payment",
    "Receipt",
    "ShiftClosure",
    "render_appointment_slip",
    "render_invoice",
    "render_receipt",
    "render_shift_closure",
    "stamp_copy",
]
