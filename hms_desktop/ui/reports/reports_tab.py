"""The Reports tab: choose a report and a period (the clinic's days), see its table and chart, print
it through the one print path or save it as PDF, CSV or XLSX. Every figure is fetched on the worker; a
receptionist's list has no money reports, a doctor sees only their own figures."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...paths import documents_dir
from ...services.permissions import Permission
from ...services.reports import ReportInfo, ReportTable, to_csv, to_xlsx
from ...services.reports.records import FILTERS
from ..common.messages import show_error
from ..common.printing import Printout, safe_file_name
from ..common.row_table_model import CELL_PADDING, make_record_table
from ..common.worker import TaskRunner
from .report_chart import ReportChart
from .report_table_model import ReportTableModel

PREVIEW, PRINT, SAVE = "preview", "print", "save"
ALL = {"specialty": "All specialties", "cashier": "All cashiers", "payer": "All payers", "item": "All services"}
# A spreadsheet format: its file-dialog filter and how a table becomes its bytes or text.
CSV = ("csv", "CSV files (*.csv)", lambda table: to_csv(table).encode("utf-8"))
XLSX = ("xlsx", "Excel workbooks (*.xlsx)", to_xlsx)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class ReportsTab(QWidget):
    shown = Signal(object)  # the ReportTable now on screen
    opened = Signal(object)  # a print/save dialog, for tests
    csv_saved = Signal(object)  # Path (a CSV or an XLSX written)

    def __init__(self, services: Any, runner: TaskRunner, user: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._user = user
        self._loaded = False
        self.printout: Printout | None = None
        self.dialog: Any = None

        self.report = QComboBox(objectName="reportName")
        self.report.setMinimumWidth(220)
        self.day_from = QDateEdit(objectName="reportFrom", calendarPopup=True, displayFormat="dd MMM yyyy")
        self.day_to = QDateEdit(objectName="reportTo", calendarPopup=True, displayFormat="dd MMM yyyy")
        self.doctor = QComboBox(objectName="reportDoctor")
        self.doctor.addItem("All doctors", None)
        # A doctor's figures are their own whatever is chosen, so there is nothing to choose.
        self._choose_doctor = user.can(Permission.REPORTS_VIEW) or user.can(Permission.REPORTS_MONEY)
        self.doctor.setVisible(self._choose_doctor)
        # One box per filter beyond the doctor, shown only while the chosen report takes it.
        self.filter_boxes: dict[str, QComboBox] = {}
        for kind in FILTERS:
            box = QComboBox(objectName=f"report{kind.title()}")
            self.filter_boxes[kind] = box
            box.addItem(ALL[kind], None)
            box.setAccessibleName(ALL[kind].removeprefix("All ").capitalize() + " filter")
            box.setVisible(False)
        for box in (self.doctor, *self.filter_boxes.values()):
            # A long name never makes the window wider than a 1024 px screen.
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(11)
        self.show_button = QPushButton("Sho&w", objectName="reportShow")
        self.preview_button = QPushButton("Print pre&view…", objectName="reportPreview")
        self.print_button = QPushButton("&Print…", objectName="reportPrint")
        self.pdf_button = QPushButton("Save P&DF…", objectName="reportSavePdf")
        self.csv_button = QPushButton("Save &CSV…", objectName="reportSaveCsv")
        self.xlsx_button = QPushButton("Save &XLSX…", objectName="reportSaveXlsx")

        top = QHBoxLayout()
        for text, widget in (("&Report", self.report), ("&From", self.day_from), ("&To", self.day_to)):
            label = QLabel(text)
            label.setBuddy(widget)
            top.addSpacing(6)
            label.setMinimumWidth(label.sizeHint().width() + 2)  # never squeezed to "Tc" on a narrow screen
            top.addWidget(label)
            top.addWidget(widget)
        top.addWidget(self.doctor)
        for box in self.filter_boxes.values():
            top.addWidget(box)
        top.addWidget(self.show_button)
        top.addStretch(1)
        actions = QHBoxLayout()
        self.summary = QLabel(objectName="reportSummary")
        # Wrapped, so a long line of totals never makes the window wider than a 1024 px screen.
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        actions.addWidget(self.summary, 1)
        for button in (self.preview_button, self.print_button, self.pdf_button, self.csv_button, self.xlsx_button):
            actions.addWidget(button)

        self.model = ReportTableModel(self)
        self.table = QTableView(objectName="reportTable")
        self.table.setStyleSheet(CELL_PADDING)
        self.table.setModel(self.model)
        make_record_table(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.chart = ReportChart(self)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.chart)
        self.splitter.addWidget(self.table)
        self.splitter.setSizes([300, 300])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.splitter, 1)

        self.show_button.clicked.connect(self.refresh)
        self.report.activated.connect(lambda _i: self._report_changed())
        self.preview_button.clicked.connect(lambda: self._document(PREVIEW))
        self.print_button.clicked.connect(lambda: self._document(PRINT))
        self.pdf_button.clicked.connect(lambda: self._document(SAVE))
        self.csv_button.clicked.connect(lambda: self._save_file(CSV))
        self.xlsx_button.clicked.connect(lambda: self._save_file(XLSX))
        self._set_exports(False)

    # --- loading ------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._loaded:
            self._loaded = True
            self.load()

    def load(self) -> None:
        """The reports this person may run, the doctors and the rest to filter by and the clinic's today."""
        services = self._services
        with_doctors = self._choose_doctor and self._user.can(Permission.DOCTOR_VIEW)

        def fetch() -> tuple[list[ReportInfo], list[Any], date, dict[str, list[tuple[int, str]]]]:
            doctors = services.doctors.search(include_inactive=True) if with_doctors else []
            return (services.reports.available(), doctors, services.scheduling.today(),
                    services.reports.filter_choices())

        self._runner.submit(fetch, on_done=self._loaded_choices, on_error=self._failed, context=self,
                            key=f"reports-load-{id(self)}")

    def _loaded_choices(self, loaded: tuple[list[ReportInfo], list[Any], date,
                                            dict[str, list[tuple[int, str]]]]) -> None:
        reports, doctors, today, choices = loaded
        self.report.clear()
        for info in reports:
            self.report.addItem(info.title, info)
        for doctor in doctors:
            self.doctor.addItem(doctor.full_name, doctor.id)
        for kind, box in self.filter_boxes.items():
            for value, name in choices.get(kind, []):
                box.addItem(name, value)
        self.day_to.setDate(_qdate(today))
        self.day_from.setDate(_qdate(today - timedelta(days=29)))  # the last 30 days
        self._report_changed()
        self.refresh()

    def _report_changed(self) -> None:
        info = self.report.currentData()
        self.doctor.setVisible(bool(self._choose_doctor and info and info.doctor_filter))
        for kind, box in self.filter_boxes.items():
            # Only a box with something to choose: a receptionist has no cashiers to pick from.
            box.setVisible(bool(info and kind in info.takes and box.count() > 1))

    def _filters(self) -> dict[str, int | None]:
        """The filters as the service takes them: the doctor, and each box shown for this report."""
        doctor = self.doctor.currentData() if self.doctor.isVisibleTo(self) else None
        chosen = {f"{kind}_id": box.currentData() for kind, box in self.filter_boxes.items()
                  if box.isVisibleTo(self) and box.currentData() is not None}
        return {"doctor_id": doctor, **chosen}

    def _request(self) -> tuple[str, date, date, dict[str, int | None]] | None:
        info: ReportInfo | None = self.report.currentData()
        if info is None:
            return None
        return info.name, _pydate(self.day_from.date()), _pydate(self.day_to.date()), self._filters()

    def refresh(self) -> None:
        request = self._request()
        if request is None:
            return
        name, day_from, day_to, filters = request
        self.summary.setText("Working…")
        self._runner.submit(self._services.reports.run, name, day_from, day_to, **filters,
                            on_done=self._shown, on_error=self._failed, context=self, key=f"reports-run-{id(self)}")

    def _shown(self, table: ReportTable) -> None:
        self.model.set_table(table)
        self.chart.show_table(table)
        self.summary.setText(self._summary(table))
        self._set_exports(True)
        self.shown.emit(table)

    @staticmethod
    def _summary(table: ReportTable) -> str:
        period = f"{table.day_from:%d %b %Y} – {table.day_to:%d %b %Y}"
        if table.filters:
            period += f" · {table.filters}"
        if table.total is None:
            return f"{period} · {len(table.rows)} rows" if table.rows else f"{period} · nothing in this period"
        figures = [f"{c.label}: {table.text(c.kind, v)}" for c, v in zip(table.columns, table.total, strict=True)
                   if v not in ("", "Total")][:4]
        return f"{period} · " + " · ".join(figures)

    def _failed(self, exc: Exception) -> None:
        self.summary.setText("")
        show_error(self, exc)

    def _set_exports(self, enabled: bool) -> None:
        for button in (self.preview_button, self.print_button, self.pdf_button, self.csv_button, self.xlsx_button):
            button.setEnabled(enabled)

    # --- print and save ---------------------------------------------------------------------

    def _document(self, how: str) -> None:
        table = self.model.table
        if table is None:
            return
        self._runner.submit(self._services.reports.report_pdf, table.name, table.day_from, table.day_to,
                            **self._filters(), on_done=lambda pdf, t=table, h=how: self._rendered(t, h, pdf),
                            on_error=self._failed, context=self, key=f"reports-pdf-{id(self)}")

    def _rendered(self, table: ReportTable, how: str, pdf: bytes) -> None:
        stem = f"{table.name}-{table.day_from.isoformat()}-{table.day_to.isoformat()}"
        printout = Printout(pdf, f"{table.title} {table.day_from:%d %b %Y} to {table.day_to:%d %b %Y}",
                            safe_file_name(stem), self)
        self.printout = printout
        self.dialog = {PREVIEW: printout.preview, PRINT: printout.print_dialog, SAVE: printout.save_as_pdf}[how]()
        self.opened.emit(self.dialog)

    def _save_file(self, fmt: tuple[str, str, Any]) -> None:
        table = self.model.table
        if table is None:
            return
        suffix, filter_text, render = fmt
        stem = f"{table.name}-{table.day_from.isoformat()}-{table.day_to.isoformat()}.{suffix}"
        dialog = QFileDialog(self, f"Save the report as {suffix.upper()}", str(documents_dir() / stem), filter_text)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(suffix)
        dialog.fileSelected.connect(lambda chosen, t=table: self._write_file(t, Path(chosen), render))
        self.dialog = dialog
        dialog.open()
        self.opened.emit(dialog)

    def _write_file(self, table: ReportTable, path: Path, render: Any) -> None:
        def write() -> Path:
            path.write_bytes(render(table))
            return path

        self._runner.submit(write, on_done=self.csv_saved.emit, on_error=self._failed, context=self,
                            key=f"reports-file-{id(self)}")
