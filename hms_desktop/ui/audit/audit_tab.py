"""The Audit tab: who did what, when, from which workstation, newest first, with the field changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.audit_log import AuditLine, AuditLogService
from ...services.audit_words import KINDS
from ..common.messages import show_error
from ..common.row_table_model import CELL_PADDING, make_record_table
from ..common.worker import TaskRunner
from .audit_table_model import (
    ACTION,
    RECORD,
    WHEN,
    WHO,
    WORKSTATION,
    AuditRecordRole,
    AuditTableModel,
    change_lines,
    when_label,
)

PAGE_SIZE = 200



def record_filter(text: str) -> dict[str, str]:
    """'42' -> any record with id 42; 'patient 42' -> patient 42 only (as the Record column reads)."""
    parts = text.split()
    if not parts:
        return {}
    if len(parts) == 2:
        return {"entity_type": parts[0].lower(), "entity_id": parts[1]}
    return {"entity_id": text.strip()}


def details_text(entry: AuditLine) -> str:
    heading = entry.action
    lines = [f"{heading} — {entry.record}" if entry.record else heading]
    where = f" at {entry.workstation}" if entry.workstation else ""
    zone = entry.at.tzinfo.key if hasattr(entry.at.tzinfo, "key") else ""  # type: ignore[union-attr]
    lines.append(f"{when_label(entry.at)}{f' ({zone})' if zone else ''} · {entry.who}{where} · entry #{entry.id}")
    if entry.summary:
        lines.append(entry.summary)
    lines.append("")
    changes = change_lines(entry)
    if changes:
        lines.append("Changes:")
        lines.extend(changes)
    else:
        lines.append("No field changes recorded.")
    return "\n".join(lines)


# Text that touches the grid lines is hard to read; sized-to-contents columns include this padding.


class AuditTab(QWidget):
    def __init__(
        self, audit: AuditLogService, runner: TaskRunner, parent: QWidget | None = None, *, page_size: int = PAGE_SIZE
    ) -> None:
        super().__init__(parent)
        self._audit = audit
        self._runner = runner
        self._page_size = page_size
        self._filters: dict[str, str] = {}

        self.kind = QComboBox()
        self.kind.setObjectName("auditKind")
        self.kind.addItems(list(KINDS))
        self.record = QLineEdit()
        self.record.setObjectName("auditRecord")
        self.record.setPlaceholderText("Record id, e.g. 42 or patient 42")
        self.record.setClearButtonEnabled(True)
        self.record.setMinimumWidth(240)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("auditRefresh")

        toolbar = QHBoxLayout()
        show_label = QLabel("&Show")
        show_label.setBuddy(self.kind)
        toolbar.addWidget(show_label)
        toolbar.addWidget(self.kind)
        toolbar.addSpacing(12)
        record_label_widget = QLabel("&Record")
        record_label_widget.setBuddy(self.record)
        toolbar.addWidget(record_label_widget)
        toolbar.addWidget(self.record)
        toolbar.addStretch(1)
        toolbar.addWidget(self.refresh_button)

        self.model = AuditTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("auditTable")
        self.table.setStyleSheet(CELL_PADDING)
        self.table.setModel(self.model)
        make_record_table(self.table)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # the summary takes what is left
        # Fixed starting widths: sizing to contents would measure every row of a long log.
        metrics = self.fontMetrics()
        for column, sample in (
            (WHEN, "2026-12-31 23:59:59"),
            (WHO, "Ada Admin (receptionist)"),
            (WORKSTATION, "FRONT-DESK-01"),
            (ACTION, "Appointment declined by"),
            (RECORD, "Patient: Asha Rao (MRN 00000018)"),
        ):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 44)  # + CELL_PADDING, margins

        self.details_title = QLabel("Details")
        self.details_title.setObjectName("subtle")
        self.details = QPlainTextEdit()
        self.details.setObjectName("auditDetails")
        self.details.setReadOnly(True)
        self.details.setPlaceholderText("Select an entry to see which fields changed.")
        details_box = QWidget()
        details_layout = QVBoxLayout(details_box)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.details_title)
        details_layout.addWidget(self.details)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(details_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)

        self.status = QLabel()
        self.status.setObjectName("subtle")

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)

        # Typing a record id waits for a pause, so each keystroke does not query the log.
        self._record_timer = QTimer(self)
        self._record_timer.setSingleShot(True)
        self._record_timer.setInterval(300)
        self._record_timer.timeout.connect(self.refresh)

        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.record.textChanged.connect(lambda _t: self._record_timer.start())
        self.record.returnPressed.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.model.more_wanted.connect(self._fetch_older)
        self.model.modelReset.connect(self._show_selected)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())

    # --- public ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Start again from the newest entry with the current filters."""
        self._record_timer.stop()
        filters: dict[str, str] = {"kind": self.kind.currentText()}
        filters.update(record_filter(self.record.text()))
        self._filters = filters
        generation = self.model.start()
        self.status.setText("Loading…")
        self._request(generation, None)

    def selected_entry(self) -> AuditLine | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(AuditRecordRole) if rows else None

    # --- paging ------------------------------------------------------------------------------

    def _fetch_older(self, before_id: int) -> None:
        self.status.setText(f"{self.model.rowCount():,} entries · loading older…")
        self._request(self.model.generation, before_id)

    def _request(self, generation: int, before_id: int | None) -> None:
        kwargs: dict[str, Any] = dict(self._filters)
        self._runner.submit(
            self._audit.page, limit=self._page_size, before_id=before_id, **kwargs,
            on_done=lambda rows: self._page_arrived(generation, rows),
            on_error=lambda exc: self._page_failed(generation, exc),
            # No ``key=``: the model's generation already drops pages of an older query, and replacing a
            # task that has just started would leave TaskRunner.busy stuck (see worker.Task.run).
            context=self,
        )

    def _page_arrived(self, generation: int, rows: list[AuditLine]) -> None:
        if self.model.append_page(generation, rows, self._page_size):
            self._update_status()

    def _page_failed(self, generation: int, exc: Exception) -> None:
        if generation != self.model.generation:
            return
        self.model.page_failed(generation)
        self.status.setText("Could not load the audit log.")
        show_error(self, exc)

    # --- details -----------------------------------------------------------------------------

    def _show_selected(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.details_title.setText("Details")
            self.details.clear()
        else:
            self.details_title.setText(f"Details of entry #{entry.id}")
            self.details.setPlainText(details_text(entry))

    def _update_status(self) -> None:
        count = self.model.rowCount()
        if count == 0:
            filtered = self._filters != {"kind": "All"}
            self.status.setText("No entries match." if filtered else "The audit log is empty.")
        elif self.model.has_more:
            self.status.setText(f"Newest {count:,} entries shown · scroll down for older ones{self._zone_note()}")
        else:
            self.status.setText(f"All {count:,} matching entries shown{self._zone_note()}")

    def _zone_note(self) -> str:
        first = self.model.entry(0)
        key = getattr(first.at.tzinfo, "key", "") if first is not None else ""
        return f" · times in {key}" if key else ""

