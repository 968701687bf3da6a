"""The chart beside a report, drawn with pyqtgraph. pyqtgraph (and its numpy) is imported here, when
the first chart is drawn, not when the application starts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...services.money import currency_exponent
from ...services.reports import Kind, ReportTable

COLOURS = ("#2f6f9f", "#d08c2e", "#b42318", "#7a8a99", "#3f8f5a")
MAX_BARS = 62


class ReportChart(QWidget):
    """Bars per row of the report: stacked for counts (appointments by status), side by side for money.
    ``bar_clicked`` gives the row under a click, so a screen can open the list behind a bar."""

    bar_clicked = Signal(int)  # the row of the table the clicked bar stands for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        # The legend is a label under the plot, not an item in it: inside, it covered the last bars.
        self.legend = QLabel(objectName="chartLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.plot: Any = None  # the pyqtgraph PlotWidget, made on the first draw
        self.bars: list[Any] = []
        self._rows = 0
        self._labels: list[str] = []
        self._day_labels = False
        self.tick_labels: list[str] = []  # the bottom axis' texts as last laid out

    def _ensure_plot(self) -> Any:
        if self.plot is None:
            import pyqtgraph as pg

            pg.setConfigOptions(antialias=True, background="w", foreground="#1f2933")
            self.plot = pg.PlotWidget()
            self.plot.installEventFilter(self)
            self.plot.setMinimumSize(120, 90)  # its own hint is a large window's; let layouts shrink it
            self.plot.setMenuEnabled(False)
            self.plot.setMouseEnabled(x=False, y=False)
            self.plot.showGrid(y=True, alpha=0.2)
            self.plot.scene().sigMouseClicked.connect(self._clicked)
            self._layout.addWidget(self.plot, 1)
            self._layout.addWidget(self.legend)
        return self.plot

    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        # The labels follow the plot's own width (set by the layout after this widget's resize,
        # and first when a new plot is laid out), once the resize is done.
        if watched is self.plot and event.type() == QEvent.Type.Resize and self._labels:
            QTimer.singleShot(0, self, self._reapply_ticks)
        return super().eventFilter(watched, event)

    def _reapply_ticks(self) -> None:
        if self._labels:
            self._apply_ticks()

    def _apply_ticks(self) -> None:
        """Labels that fit the bars' width: every few days, or each name cut with … to its bar."""
        from PySide6.QtGui import QFontMetrics

        labels = self._labels
        metrics = QFontMetrics(self.plot.getAxis("bottom").style.get("tickFont") or self.font())
        # The plot less its left axis: the view box's own width lags a resize by one layout pass.
        room = max(1.0, self.plot.width() - 70.0) / len(labels)
        if self._day_labels:
            widest = max(metrics.horizontalAdvance(label) for label in labels) + 10
            step = max(1, -(-widest // int(max(1, room))))
            shown = [(x, labels[x]) for x in range(0, len(labels), step)]
        else:
            def surname(label: str) -> str:
                words = label.split()
                return words[-1] if words else label  # "Dr Priya Nair" -> "Nair"

            def initials(label: str) -> str:
                return "".join(w[0] for w in label.split() if w.rstrip(".").lower() != "dr") or label

            def fits(texts: list[str]) -> bool:
                return all(metrics.horizontalAdvance(t) <= room - 6 for t in texts)

            # One form for every bar (names, else surnames, else initials: "PN", which say more than
            # a lone "…"); only what still does not fit is cut.
            forms = [labels, [surname(x) for x in labels], [initials(x) for x in labels]]
            chosen = next((form for form in forms if fits(form)), forms[-1])

            def fit(label: str) -> str:
                return metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(room) - 6)

            shown = [(x, fit(label)) for x, label in enumerate(chosen)]
        self.tick_labels = [text for _x, text in shown]
        self.plot.getAxis("bottom").setTicks([shown])

    def bar_centre(self, row: int) -> Any:
        """Where the middle of a row's bars is on the plot widget, in its pixels (for tests)."""
        top = sum(float(bar.opts["height"][row]) for bar in self.bars) / 2 if self.bars else 0.0
        from PySide6.QtCore import QPointF

        scene = self.plot.plotItem.vb.mapViewToScene(QPointF(row, top))
        return self.plot.mapFromScene(scene)

    def _clicked(self, event: Any) -> None:
        if not self.bars or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.plot.plotItem.vb.mapSceneToView(event.scenePos())
        row = round(point.x())
        if 0 <= row < self._rows and abs(point.x() - row) <= 0.45 and point.y() >= 0:
            self.bar_clicked.emit(row)

    def show_table(self, table: ReportTable | None) -> None:
        plot = self._ensure_plot()
        import pyqtgraph as pg

        plot.clear()
        self.legend.clear()
        self.bars = []
        self._rows = 0
        self._labels = []
        if table is None or not table.rows or not table.chart_values or len(table.rows) > MAX_BARS:
            plot.setTitle("Too many rows to chart: see the table" if table and len(table.rows) > MAX_BARS else "")
            return
        label_column = table.columns[table.column(table.chart_label)]
        labels = [table.text(label_column.kind, v) for v in table.values(table.chart_label)]
        if label_column.kind is Kind.DAY:
            labels = [label[5:] for label in labels]  # 01-07: the year is in the period
        kind = table.columns[table.column(table.chart_values[0])].kind
        money = kind is Kind.MONEY
        scale = 10 ** currency_exponent(table.currency) if money else 100 if kind is Kind.RATE else 1
        series = len(table.chart_values)
        xs = list(range(len(labels)))
        stacked = kind is Kind.COUNT and series > 1  # parts of a whole: appointments by status
        width = 0.7 if stacked or series == 1 else 0.8 / series
        base = [0.0] * len(xs)
        top = 0.0
        for i, key in enumerate(table.chart_values):
            heights = [int(v) / scale for v in table.values(key)]  # type: ignore[call-overload]
            column = table.columns[table.column(key)]
            if stacked:
                bar = pg.BarGraphItem(x=xs, height=heights, y0=base, width=width, brush=COLOURS[i % len(COLOURS)],
                                      pen=None)
                base = [b + h for b, h in zip(base, heights, strict=True)]
            else:
                offset = (i - (series - 1) / 2) * width
                bar = pg.BarGraphItem(x=[x + offset for x in xs], height=heights, width=width * 0.95,
                                      brush=COLOURS[i % len(COLOURS)], pen=None)
            plot.addItem(bar)
            self.bars.append(bar)
            top = max([top, *(base if stacked else heights)])
            if series > 1:
                self.legend.setText(self.legend.text() + f'<span style="color:{COLOURS[i % len(COLOURS)]}">'
                                    f"&#9632;</span>&nbsp;{column.label}&nbsp;&nbsp; ")
        self._rows = len(xs)
        self.legend.setVisible(series > 1)
        plot.setYRange(0, (top or 1) * 1.08, padding=0)
        self._labels = labels
        self._day_labels = label_column.kind is Kind.DAY
        self._apply_ticks()
        plot.setLabel("left", {Kind.MONEY: table.currency, Kind.RATE: "%", Kind.MINUTES: "Minutes"}.get(kind, "Count"))
        plot.setTitle(table.title)
