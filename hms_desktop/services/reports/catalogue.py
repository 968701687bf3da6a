"""The reports there are: names (as ``hms report NAME`` writes them), titles, who may see them and
which filters each takes (decided here once: the service refuses any other)."""

from __future__ import annotations

from .records import ReportInfo

REPORTS: tuple[ReportInfo, ...] = (
    ReportInfo("appointments", "Appointments per doctor", money=False, doctor_filter=True,
               takes=("specialty",)),
    ReportInfo("appointments-daily", "Appointments per day", money=False, doctor_filter=True,
               takes=("specialty",)),
    ReportInfo("appointments-by-specialty", "Appointments per specialty", money=False, doctor_filter=True,
               takes=("specialty",)),
    ReportInfo("cancellations", "Cancellations by reason", money=False, doctor_filter=True),
    ReportInfo("waiting-by-doctor", "Waiting times per doctor", money=False, doctor_filter=True),
    ReportInfo("waiting-by-hour", "Waiting times per hour of day", money=False, doctor_filter=True),
    ReportInfo("utilisation", "Doctor utilisation", money=False, doctor_filter=True),
    ReportInfo("patients", "New and returning patients", money=False, doctor_filter=False),
    ReportInfo("patients-by-age", "Patients seen by age and sex", money=False, doctor_filter=True),
    ReportInfo("revenue", "Revenue per day", money=True, doctor_filter=True),
    ReportInfo("revenue-by-week", "Revenue per week", money=True, doctor_filter=True),
    ReportInfo("revenue-by-month", "Revenue per month", money=True, doctor_filter=True),
    ReportInfo("revenue-by-doctor", "Revenue per doctor", money=True, doctor_filter=True,
               takes=("specialty",)),
    ReportInfo("revenue-by-service", "Revenue per service", money=True, doctor_filter=True, takes=("item",)),
    ReportInfo("revenue-by-method", "Collections per payment method", money=True, doctor_filter=False,
               takes=("cashier",)),
    ReportInfo("revenue-by-payer", "Revenue per payer", money=True, doctor_filter=True, takes=("payer",)),
    ReportInfo("takings", "Daily takings per cashier", money=True, doctor_filter=False, takes=("cashier",)),
    ReportInfo("shift-closures", "Cashier shift closures", money=True, doctor_filter=False,
               takes=("cashier",)),
    ReportInfo("outstanding", "Outstanding balances by age", money=True, doctor_filter=False),
    ReportInfo("outstanding-by-payer", "Outstanding payer balances by age", money=True, doctor_filter=False,
               takes=("payer",)),
)

BY_NAME = {r.name: r for r in REPORTS}
