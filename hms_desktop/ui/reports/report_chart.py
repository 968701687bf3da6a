"""The chart beside a report, drawn with pyqtgraph. pyqtgraph (and its numpy) is imported here, when
the first chart is drawn, not when the application starts."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...services.money import currency_exponent
from ...services.reports import Kind, ReportTable

COLOURS = ("#2f6f9f", "#d08c2e", "#b42318", "#7a8a99", "#3f8f5a")
MAX_BARS = 62


class ReportChart(QWidget):
    """Bars per row of the report: stacked for counts (appointments by status), side by side for money."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.plot: Any = None  # the pyqtgraph PlotWidget, made on the first draw
        self.bars: list[Any] = []

    def _ensure_plot(self) -> Any:
        if self.plot is None:
            import pyqtgraph as pg

            pg.setConfigOptions(antialias=True, background="w", foreground="#1f2933")
            self.plot = pg.PlotWidget()
            self.plot.setMenuEnabled(False)
            self.plot.setMouseEnabled(x=False, y=False)
            self.plot.showGrid(y=True, alpha=0.2)
            self.legend = self.plot.addLegend(offset=(-10, 10))
            self._layout.addWidget(self.plot)
        return self.plot

    def show_table(self, table: ReportTable | None) -> None:
        plot = self._ensure_plot()
        import pyqtgraph as pg

        plot.clear()
        self.legend.clear()
        self.bars = []
        if table is None or not table.rows or not table.chart_values or len(table.rows) > MAX_BARS:
            plot.setTitle("Too many rows to chart: see the table" if table and len(table.rows) > MAX_BARS else "")
            return
        label_column = table.columns[table.column(table.chart_label)]
        labels = [table.text(label_column.kind, v) for v in table.values(table.chart_label)]
        if label_column.kind is Kind.DAY:
            labels = [label[5:] for label in labels]  # 01-07: the year is in the period
        money = table.columns[table.column(table.chart_values[0])].kind is Kind.MONEY
        scale = 10 ** currency_exponent(table.currency) if money else 1
        series = len(table.chart_values)
        xs = list(range(len(labels)))
        stacked = not money and series > 1
        width = 0.7 if stacked or series == 1 else 0.8 / series
        base = [0.0] * len(xs)
        top = 0.0
        for i, key in enumerate(table.chart_values):
            heights = [int(v) / scale for v in table.values(key)]  # type: ignore[call-overload]
            column = table.columns[table.column(key)]
            if stacked:
                bar = pg.BarGraphItem(x=xs, height=heights, y0=base, width=width, brush=COLOURS[i % len(COLOURS)],
                                      pen=None, name=column.label)
                base = [b + h for b, h in zip(base, heights, strict=True)]
            else:
                offset = (i - (series - 1) / 2) * width
                bar = pg.BarGraphItem(x=[x + offset for x in xs], height=heights, width=width * 0.95,
                                      brush=COLOURS[i % len(COLOURS)], pen=None, name=column.label)
            plot.addItem(bar)
            self.bars.append(bar)
            top = max([top, *(base if stacked else heights)])
        # Headroom above the tallest bar, so the legend in the corner never covers one.
        plot.setYRange(0, (top or 1) * 1.3, padding=0)
        step = max(1, len(labels) // 12)  # a label every few bars, so they never overlap
        plot.getAxis("bottom").setTicks([[(x, labels[x]) for x in xs[::step]]])
        plot.setLabel("left", table.currency if money else "Count")
        plot.setTitle(table.title)
