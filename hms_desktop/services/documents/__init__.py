"""Printed documents, the one home for them: pure functions from the frozen dataclasses in
:mod:`.model` to PDF bytes (ReportLab), with the fonts shipped in resources/fonts/.

    render_invoice(Invoice) -> bytes                          A4, any number of pages
    render_receipt(Receipt, Paper.A5 | A4 | ROLL_80MM)         80 mm roll sized to its content
    render_shift_closure(ShiftClosure, Paper.A4 | ROLL_80MM)
    render_appointment_slip(AppointmentSlip) -> bytes          A6
    render_day_list(DayList) -> bytes                          A4, a doctor's day; headings repeat
    render_prescription(Prescription) -> bytes                 A5
    render_visit_summary(VisitSummaryDocument) -> bytes        A4, any number of pages
    render_report(ReportTable, Clinic) -> bytes                A4, chart and table, headings repeat
    stamp_copy(original_pdf, reprinted_at_text) -> bytes       "COPY" on every page of an archived PDF

Rendering is CPU work (a receipt takes about 8 ms, a five-line invoice 12 ms): call it on the
worker thread, never the GUI thread. ReportLab does not promise to be thread-safe (shaping adds
glyphs to the shared font objects), so keep renders on that one worker.
"""

from __future__ import annotations

import importlib
from typing import Any

from .model import (
    AppointmentSlip,
    Clinic,
    CreditNote,
    DayList,
    DayListRow,
    Denomination,
    Invoice,
    InvoiceLine,
    Medicine,
    MethodCount,
    Paper,
    Payment,
    Prescription,
    Receipt,
    ShiftClosure,
    VisitSummaryDocument,
)

# The renderers pull in ReportLab (about 0.1 s); they are imported on first use, so a service can
# import this package at start-up and pay for ReportLab only when something is printed.
_RENDERERS = {
    "render_invoice": ".invoice",
    "InvoiceFiguresMismatch": ".invoice",
    "render_receipt": ".receipt",
    "render_shift_closure": ".closure",
    "render_appointment_slip": ".slip",
    "render_day_list": ".day_list",
    "render_prescription": ".prescription",
    "render_visit_summary": ".visit_summary",
    "render_report": ".report",
    "stamp_copy": ".stamp",
    "COPY_MARK": ".stamp",
}


def __getattr__(name: str) -> Any:
    if name in _RENDERERS:
        return getattr(importlib.import_module(_RENDERERS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COPY_MARK",
    "AppointmentSlip",
    "Clinic",
    "CreditNote",
    "DayList",
    "DayListRow",
    "Denomination",
    "Invoice",
    "InvoiceFiguresMismatch",
    "InvoiceLine",
    "Medicine",
    "MethodCount",
    "Paper",
    "Payment",
    "Prescription",
    "Receipt",
    "ShiftClosure",
    "VisitSummaryDocument",
    "render_appointment_slip",
    "render_day_list",
    "render_report",
    "render_invoice",
    "render_prescription",
    "render_receipt",
    "render_shift_closure",
    "render_visit_summary",
    "stamp_copy",
]
