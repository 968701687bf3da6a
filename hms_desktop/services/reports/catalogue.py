"""The reports there are: names (as ``hms report NAME`` writes them), titles and who may see them."""

from __future__ import annotations

from .records import ReportInfo

REPORTS: tuple[ReportInfo, ...] = (
    ReportInfo("appointments", "Appointments per doctor", money=False, doctor_filter=True),
    ReportInfo("appointments-daily", "Appointments per day", money=False, doctor_filter=True),
    ReportInfo("patients", "New and returning patients", money=False, doctor_filter=False),
    ReportInfo("revenue", "Revenue per day", money=True, doctor_filter=True),
    ReportInfo("revenue-by-doctor", "Revenue per doctor", money=True, doctor_filter=True),
    ReportInfo("revenue-by-method", "Collections per payment method", money=True, doctor_filter=False),
    ReportInfo("takings", "Daily takings per cashier", money=True, doctor_filter=False),
    ReportInfo("outstanding", "Outstanding balances by age", money=True, doctor_filter=False),
)

BY_NAME = {r.name: r for r in REPORTS}
