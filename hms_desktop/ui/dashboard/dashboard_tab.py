"""The Dashboard tab: today at a glance and the last 30 days, refreshed from the change feed. The
service decides what this person may see (no money for a receptionist, a doctor's own figures);
this screen shows what it is given and leaves out a figure that is None. A figure with a list
behind it is a button: the Scheduler's day, or the Billing tab on that day."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.money import format_money
from ...services.reports.dashboard import Dashboard
from ..common.row_table_model import CELL_PADDING, make_record_table
from ..common.worker import TaskRunner
from ..reports.report_chart import ReportChart
from .queue_table_model import QueueTableModel, wait_text

STATUS_LABELS = {"requested": "Requested", "confirmed": "Confirmed", "checked_in": "Checked in",
                 "with_doctor": "With doctor", "completed": "Completed", "cancelled": "Cancelled",
                 "rejected": "Rejected", "no_show": "No-show"}
# Another desk's change reaches this screen within a second, and a burst of them costs one read.
CHANGE_DELAY_MS = 800
# Waits grow with nobody touching anything: read again every minute while the tab is in front.
TICK_MS = 60_000
TOPICS = {"schedule", "patients", "billing", ""}
TILE_STYLE = ("QPushButton#%s, QLabel#%s { text-align: left; padding: 6px 10px; border: 1px solid #c9d2dc; "
              "border-radius: 4px; background: #f7f9fb; }")


def _tile_text(value: str, caption: str) -> str:
    return f"{value}\n{caption}"


class DashboardTab(QWidget):
    shown = Signal(object)  # the Dashboard now on screen
    open_day = Signal(object)  # date: the Scheduler on that day
    open_billing = Signal(object)  # date: the Billing tab on that day

    def __init__(self, services: Any, runner: TaskRunner, user: Any, watcher: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self._user = user
        self.board: Dashboard | None = None
        self._stale = True

        self.heading = QLabel(objectName="dashHeading")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.refresh_button = QPushButton("Refresh", objectName="dashRefresh")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.refresh_button)

        self.tiles: dict[str, QPushButton | QLabel] = {}
        grid = QGridLayout()
        grid.setSpacing(6)
        tiles = (("appointments", "Appointments today", True), ("waiting", "Waiting", True),
                 ("walk_ins", "Walk-ins waiting", True), ("longest", "Longest wait", True),
                 ("no_shows", "No-shows so far", True), ("new_patients", "New patients today", False),
                 ("takings", "Takings today", True), ("shifts", "Open cashier shifts", True))
        for i, (key, caption, clickable) in enumerate(tiles):
            name = f"dash_{key}"
            tile: QPushButton | QLabel = QPushButton(objectName=name) if clickable else QLabel(objectName=name)
            tile.setStyleSheet(TILE_STYLE % (name, name))
            tile.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            tile.setProperty("caption", caption)
            tile.setText(_tile_text("…", caption))
            self.tiles[key] = tile
            grid.addWidget(tile, i // 4, i % 4)
        for key in ("appointments", "waiting", "walk_ins", "longest", "no_shows"):
            self.tiles[key].clicked.connect(self._open_today)  # type: ignore[union-attr]
        for key in ("takings", "shifts"):
            self.tiles[key].clicked.connect(self._open_billing_today)  # type: ignore[union-attr]
        self.status_line = QLabel(objectName="dashStatuses")
        self.status_line.setWordWrap(True)
        self.takings_line = QLabel(objectName="dashTakings")
        self.takings_line.setWordWrap(True)

        self.queue_model = QueueTableModel(self)
        self.queues = QTableView(objectName="dashQueues")
        self.queues.setStyleSheet(CELL_PADDING)
        self.queues.setModel(self.queue_model)
        make_record_table(self.queues)
        header = self.queues.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Each doctor's queue</b>"))
        left.addWidget(self.queues, 1)
        left.addWidget(self.status_line)
        left.addWidget(self.takings_line)

        self.per_day = ReportChart(self)
        self.revenue = ReportChart(self)
        self.no_show = ReportChart(self)
        for chart in (self.per_day, self.revenue, self.no_show):
            chart.setMinimumHeight(140)
        self.per_day.bar_clicked.connect(lambda row: self._chart_day(self.board.appointments_per_day, row, self.open_day))  # type: ignore[union-attr]
        self.revenue.bar_clicked.connect(lambda row: self._chart_day(self.board.revenue_per_day, row, self.open_billing))  # type: ignore[union-attr]
        lower = QWidget()
        lower_row = QHBoxLayout(lower)
        lower_row.setContentsMargins(0, 0, 0, 0)
        lower_row.addWidget(self.revenue)
        lower_row.addWidget(self.no_show)
        # A splitter shares the height out evenly whatever the plots' own size hints say.
        self.charts = QSplitter(Qt.Orientation.Vertical, objectName="dashCharts")
        self.charts.addWidget(self.per_day)
        self.charts.addWidget(lower)
        self.charts.setChildrenCollapsible(False)
        self.charts.setSizes([500, 500])
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addWidget(self.charts, 3)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addLayout(body, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self._change_timer = QTimer(self, singleShot=True, interval=CHANGE_DELAY_MS)
        self._change_timer.timeout.connect(self.refresh)
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._tick_refresh)
        self._tick.start()
        if watcher is not None:
            watcher.changed.connect(self._changes_arrived)

    # --- loading ------------------------------------------------------------------------------

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        self._stale = False
        self._runner.submit(self._services.reports.dashboard, on_done=self._arrived, on_error=self._failed,
                            context=self, key=f"dashboard-{id(self)}")

    def _changes_arrived(self, changes: list[Any]) -> None:
        if not any(c.topic in TOPICS for c in changes):
            return
        if self.isVisible():
            self._change_timer.start()
        else:
            self._stale = True  # read when the tab comes to the front

    def _tick_refresh(self) -> None:
        if self.isVisible():
            self.refresh()

    def _failed(self, exc: Exception) -> None:
        # In place rather than a box: the tab refreshes itself, and a box each minute would nag.
        self.heading.setText(str(exc) or "The dashboard could not be read.")

    def _set_tile(self, key: str, value: str | None) -> None:
        tile = self.tiles[key]
        tile.setVisible(value is not None)
        if value is not None:
            tile.setText(_tile_text(value, tile.property("caption")))

    def _money(self, amount: int) -> str:
        board = self.board
        assert board is not None
        return format_money(amount, board.currency, board.locale)

    def _arrived(self, board: Dashboard) -> None:
        self.board = board
        who = f" · {board.scope}'s figures" if board.scope else ""
        self.heading.setText(f"Today, {board.today:%a %d %b %Y}{who} · as of {board.as_of:%H:%M}")
        waiting = sum(q.waiting for q in board.queues)
        self._set_tile("appointments", f"{board.appointments:,}")
        self._set_tile("waiting", f"{waiting:,}")
        self._set_tile("walk_ins", f"{board.walk_ins_waiting:,}")
        self._set_tile("longest", wait_text(board.longest_wait_minutes))
        self._set_tile("no_shows", f"{board.no_shows:,}")
        self._set_tile("new_patients", None if board.new_patients is None else f"{board.new_patients:,}")
        total = board.takings_total
        self._set_tile("takings", None if total is None else self._money(total))
        shifts = board.open_shifts
        self._set_tile("shifts", None if shifts is None else f"{len(shifts):,}")
        if shifts is not None:
            self.tiles["shifts"].setToolTip("\n".join(f"{s.cashier}, since {s.opened_at:%H:%M}" for s in shifts)
                                            or "No shift is open")
        self.status_line.setText(" · ".join(f"{STATUS_LABELS.get(s, s)} {n}" for s, n in board.by_status if n)
                                 or "No appointments today")
        self.takings_line.setVisible(board.takings is not None)
        if board.takings is not None:
            self.takings_line.setText("Takings: " + (" · ".join(f"{m} {self._money(v)}" for m, v in board.takings)
                                                    or "none yet"))
        self.queue_model.set_rows(board.queues)
        self.per_day.show_table(board.appointments_per_day)
        self.no_show.show_table(board.no_show_rate)
        self.revenue.setVisible(board.revenue_per_day is not None)
        if board.revenue_per_day is not None:
            self.revenue.show_table(board.revenue_per_day)
        self.shown.emit(board)

    # --- the lists behind the figures ----------------------------------------------------------

    def _open_today(self) -> None:
        if self.board is not None:
            self.open_day.emit(self.board.today)

    def _open_billing_today(self) -> None:
        if self.board is not None:
            self.open_billing.emit(self.board.today)

    @staticmethod
    def _chart_day(table: Any, row: int, signal: Any) -> None:
        if table is not None and 0 <= row < len(table.rows):
            day = table.rows[row][0]
            if isinstance(day, date):
                signal.emit(day)
