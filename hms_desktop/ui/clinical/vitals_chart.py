"""A small trend chart of a patient's weight and blood pressure over their visits, drawn with
pyqtgraph. pyqtgraph (and numpy) is imported when the first chart is drawn, not at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...services.clinical import VisitRecord

SYSTOLIC, DIASTOLIC, WEIGHT = "#b42318", "#2f6f9f", "#3f8f5a"


@dataclass(frozen=True)
class Trend:
    """The readings to draw, oldest first, as (when, value) pairs."""

    systolic: tuple[tuple[datetime, int], ...]
    diastolic: tuple[tuple[datetime, int], ...]
    weight: tuple[tuple[datetime, float], ...]

    @property
    def empty(self) -> bool:
        return not (self.systolic or self.weight)


def trend_of(visits: list[VisitRecord]) -> Trend:
    readings = sorted((v for visit in visits for v in visit.vitals), key=lambda r: (r.taken_at, r.id))
    bp = [r for r in readings if r.systolic_mmhg is not None and r.diastolic_mmhg is not None]
    return Trend(tuple((r.taken_at, r.systolic_mmhg) for r in bp),  # type: ignore[misc]
                 tuple((r.taken_at, r.diastolic_mmhg) for r in bp),  # type: ignore[misc]
                 tuple((r.taken_at, r.weight_kg) for r in readings if r.weight_kg is not None))  # type: ignore[misc]


class VitalsChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vitalsChart")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No blood pressure or weight recorded yet.", objectName="subtle")
        self._layout.addWidget(self.empty)
        self.plot: Any = None  # the pyqtgraph GraphicsLayoutWidget, made on the first draw
        self.curves: dict[str, Any] = {}

    def _ensure_plot(self) -> Any:
        if self.plot is None:
            import pyqtgraph as pg

            pg.setConfigOptions(antialias=True, background="w", foreground="#1f2933")
            self.plot = pg.GraphicsLayoutWidget()
            self.plot.setMinimumHeight(140)
            self.plot.setMaximumHeight(200)
            axis = {"bottom": pg.DateAxisItem()}
            # The series named in the title, in their colours: a legend inside the plot covers the lines.
            title = (f"Blood pressure (mmHg): <span style='color:{SYSTOLIC}'>systolic</span> / "
                     f"<span style='color:{DIASTOLIC}'>diastolic</span>")
            self.bp_plot = self.plot.addPlot(row=0, col=0, title=title, axisItems=axis)
            self.weight_plot = self.plot.addPlot(row=0, col=1, title="Weight (kg)",
                                                 axisItems={"bottom": pg.DateAxisItem()})
            for plot in (self.bp_plot, self.weight_plot):
                plot.setMenuEnabled(False)
                plot.setMouseEnabled(x=False, y=False)
                plot.showGrid(y=True, alpha=0.2)
                plot.hideButtons()
            self._pg = pg
            self._layout.addWidget(self.plot)
        return self.plot

    def show_trend(self, trend: Trend) -> None:
        self.empty.setVisible(trend.empty)
        if trend.empty:
            if self.plot is not None:
                self.plot.hide()
            return
        self._ensure_plot()
        self.plot.show()
        pg = self._pg
        for plot in (self.bp_plot, self.weight_plot):
            plot.clear()
        self.curves = {}
        for name, points, colour, plot in (("Systolic", trend.systolic, SYSTOLIC, self.bp_plot),
                                           ("Diastolic", trend.diastolic, DIASTOLIC, self.bp_plot),
                                           ("Weight", trend.weight, WEIGHT, self.weight_plot)):
            if not points:
                continue
            xs = [when.timestamp() for when, _ in points]
            ys = [float(value) for _, value in points]
            self.curves[name] = plot.plot(xs, ys, name=name, pen=pg.mkPen(colour, width=2), symbol="o",
                                          symbolSize=6, symbolBrush=colour, symbolPen=colour)
