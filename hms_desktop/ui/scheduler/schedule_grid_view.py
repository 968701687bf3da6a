"""The table view both grids use: spans follow the model, cards are painted by GridDelegate, Enter
acts on the current cell, and columns stretch to fill the width until they would get too narrow."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from .day_grid_model import ScheduleGridModel
from .grid_style import GridDelegate

MIN_COLUMN_WIDTH = 170
ROW_HEIGHT_FOR_STEP = {5: 16, 10: 26, 15: 40}


class ScheduleGridView(QTableView):
    """``cell_activated(index)`` on Enter/Return on a cell (clicks come through ``clicked``)."""

    cell_activated = Signal(QModelIndex)

    def __init__(self, parent: QWidget | None = None, *, min_column_width: int = MIN_COLUMN_WIDTH) -> None:
        super().__init__(parent)
        self.min_column_width = min_column_width
        self.setItemDelegate(GridDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setMouseTracking(True)
        vertical = self.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setMinimumWidth(54)
        vertical.setDefaultAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        horizontal = self.horizontalHeader()
        horizontal.setMinimumSectionSize(80)
        horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        horizontal.setHighlightSections(False)
        vertical.setHighlightSections(False)
        # The application style pads header sections by 5px, which hides a label in a 16px row.
        vertical.setStyleSheet(
            "QHeaderView::section { padding: 0 6px 0 4px; border: none; border-right: 1px solid #d5d9e0;"
            " background: #f6f7f9; color: #3b4656; }"
        )

    def setModel(self, model) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt override
        super().setModel(model)
        if isinstance(model, ScheduleGridModel):
            model.modelReset.connect(self.apply_layout)
            self.apply_layout()

    def grid_model(self) -> ScheduleGridModel:
        model = self.model()
        assert isinstance(model, ScheduleGridModel)
        return model

    def apply_layout(self) -> None:
        """Re-apply the spans and the row height after the model was reset."""
        model = self.grid_model()
        self.clearSpans()
        for row, column, span in model.spans():
            self.setSpan(row, column, span, 1)
        self.verticalHeader().setDefaultSectionSize(ROW_HEIGHT_FOR_STEP.get(model.step, 26))
        self.fit_columns()

    def fit_columns(self) -> None:
        model = self.model()
        if model is None:
            return
        count = model.columnCount()
        header = self.horizontalHeader()
        available = self.viewport().width()
        if count and available // count >= self.min_column_width:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        else:
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            for column in range(count):
                header.resizeSection(column, self.min_column_width)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_columns()

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.cell_activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)
