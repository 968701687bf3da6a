"""Reports: read-only figures over a period of the clinic's days (services/reports/service.py),
their SQL (queries.py) and CSV and XLSX export (export.py); the PDF lives with the other documents."""

from .catalogue import BY_NAME, REPORTS
from .export import to_csv, to_xlsx
from .records import Column, Kind, ReportInfo, ReportTable
from .service import ReportService

__all__ = ["BY_NAME", "REPORTS", "Column", "Kind", "ReportInfo", "ReportService", "ReportTable", "to_csv", "to_xlsx"]
