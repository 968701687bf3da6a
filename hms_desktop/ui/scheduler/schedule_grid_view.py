"""The table view both grids use: spans follow the model, cards are painted by GridDelegate, Enter
acts on the current cell, columns stretch to fill the width until they would get too narrow, and an
appointment card can be dragged to another time (or doctor, or day) to move it.

The drag is the view's own (mouse press, move, release), not Qt's drag-and-drop: the card only ever
moves within this grid. While it is held the card fades and a ghost of it shows where it would
land, green where the time is free and red, with the reason, where it is not. Esc, another window
taking the focus, or a drop on its own place cancels it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView, QWidget

from ...services.scheduling import AppointmentRecord
from .column_header import ColumnHeaderView
from .day_grid_model import AppointmentRole, CellKind, CellKindRole, DropTarget, ScheduleGridModel
from .grid_style import GridDelegate

MIN_COLUMN_WIDTH = 170
ROW_HEIGHT_FOR_STEP = {5: 16, 10: 26, 15: 40}


@dataclass
class _Drag:
    appointment: AppointmentRecord
    press: QPoint
    grab_rows: int  # how far below the card's first row it was picked up
    active: bool = False
    cancelled: bool = False  # Esc or lost focus: moves are ignored until the button comes up
    target: DropTarget | None = None
    pointer: QPoint | None = None  # where the pointer last was, to aim again when the grid scrolls


class ScheduleGridView(QTableView):
    """``cell_activated(index)`` on Enter/Return on a cell (clicks come through ``clicked``);
    ``move_requested(appointment, target)`` when a card is dropped on free time elsewhere.
    ``can_move(appointment)`` says which cards may be picked up (none until the tab says)."""

    cell_activated = Signal(QModelIndex)
    move_requested = Signal(object, object)  # AppointmentRecord, DropTarget
    drag_refused = Signal(str)  # a drop where the appointment cannot go: why

    EDGE = 24  # px from an edge of the grid at which a held card scrolls it

    def __init__(self, parent: QWidget | None = None, *, min_column_width: int = MIN_COLUMN_WIDTH) -> None:
        super().__init__(parent)
        self.min_column_width = min_column_width
        self.setItemDelegate(GridDelegate(self))
        self.setHorizontalHeader(ColumnHeaderView(self))  # each title line elides on its own
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setMouseTracking(True)
        self.can_move: Callable[[AppointmentRecord], bool] = lambda _appt: False
        self._drag: _Drag | None = None
        # Whatever scrolls the grid under a held card (the edge, the wheel, Qt's own scrolling to
        # the pressed cell), the ghost follows what is now under the pointer.
        self.verticalScrollBar().valueChanged.connect(self._reaim)
        self.horizontalScrollBar().valueChanged.connect(self._reaim)
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
        if event.key() == Qt.Key.Key_Escape and self.dragging:
            self._cancel_drag()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.cell_activated.emit(self.currentIndex())
            return
        super().keyPressEvent(event)

    # --- moving a card by dragging it ------------------------------------------------------------

    @property
    def dragging(self) -> bool:
        return self._drag is not None and self._drag.active and not self._drag.cancelled

    @property
    def drop_target(self) -> DropTarget | None:
        return self._drag.target if self.dragging and self._drag is not None else None

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._drag is not None and self._drag.active:
            # Another button while a card is held: the drag is over, and this press is not a click.
            self._cancel_drag()
            return
        super().mousePressEvent(event)
        self._drag = None
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        index = self.indexAt(pos)
        if not index.isValid() or index.data(CellKindRole) != CellKind.APPOINTMENT:
            return
        appt = index.data(AppointmentRole)
        if appt is None or not self.can_move(appt):
            return
        cell = self.grid_model().cell(index.row(), index.column())
        row = self.rowAt(pos.y())
        grab = max(0, row - cell.row) if cell is not None and row >= 0 else 0
        self._drag = _Drag(appt, pos, grab)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        drag = self._drag
        if drag is not None and drag.cancelled:
            return  # not a drag any more, and not a drag-selection either
        if drag is None or not event.buttons() & Qt.MouseButton.LeftButton:
            super().mouseMoveEvent(event)
            return
        pos = event.position().toPoint()
        if not drag.active:
            if (pos - drag.press).manhattanLength() < QApplication.startDragDistance():
                return
            drag.active = True
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        self._scroll_near_edge(pos)
        self._aim(pos)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        drag = self._drag
        if drag is not None and drag.cancelled:
            if event.button() == Qt.MouseButton.LeftButton:  # the button that held the card
                self._drag = None
                super().mouseReleaseEvent(event)
            return
        if drag is None or not drag.active:
            self._drag = None
            super().mouseReleaseEvent(event)
            return
        self._aim(event.position().toPoint())
        target = drag.target
        self._end_drag()
        super().mouseReleaseEvent(event)  # lets the view finish its own press (no click: the cell changed)
        if target is None or target.unchanged:
            return
        if target.why_not:
            self.drag_refused.emit(f"{drag.appointment.patient_name} was not moved: {target.why_not}.")
            return
        self.move_requested.emit(drag.appointment, target)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt override
        # Another window (the idle lock, a message) took over mid-drag: the release will never come.
        if self.dragging:
            self._cancel_drag()
        super().focusOutEvent(event)

    def _reaim(self) -> None:
        if self.dragging and self._drag is not None and self._drag.pointer is not None:
            self._aim(self._drag.pointer)

    def _aim(self, pos: QPoint) -> None:
        drag = self._drag
        assert drag is not None
        drag.pointer = pos
        row, column = self.rowAt(pos.y()), self.columnAt(pos.x())
        target = None
        # Only what can be seen: over a header or below the grid there is no target.
        if row >= 0 and column >= 0 and self.viewport().rect().contains(pos):
            target = self.grid_model().drop_target(drag.appointment, max(0, row - drag.grab_rows), column)
        if target != drag.target:
            drag.target = target
            self.viewport().update()

    def _scroll_near_edge(self, pos: QPoint) -> None:
        """Near an edge of the grid, a held card scrolls it that way (down the day, across doctors)."""
        for bar, at, size in ((self.verticalScrollBar(), pos.y(), self.viewport().height()),
                              (self.horizontalScrollBar(), pos.x(), self.viewport().width())):
            step = max(bar.singleStep(), 12)
            if at < self.EDGE:
                bar.setValue(bar.value() - step)
            elif at > size - self.EDGE:
                bar.setValue(bar.value() + step)

    def _end_drag(self) -> None:
        self._drag = None
        self.viewport().unsetCursor()
        self.viewport().update()

    def _cancel_drag(self) -> None:
        """Drop nothing; the mouse button may still be down, so its moves and release are swallowed."""
        if self._drag is not None:
            self._drag.cancelled = True
            self._drag.target = None
        self.viewport().unsetCursor()
        self.viewport().update()

    def target_rect(self, target: DropTarget) -> QRect:
        """The outline of a drop target, in viewport coordinates."""
        last = target.row + target.span - 1
        top = self.rowViewportPosition(target.row)
        bottom = self.rowViewportPosition(last) + self.rowHeight(last)
        return QRect(self.columnViewportPosition(target.column), top, self.columnWidth(target.column), bottom - top)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        drag = self._drag
        target = self.drop_target
        if drag is None or target is None:
            return
        painter = QPainter(self.viewport())
        # The card being moved fades where it is...
        source = self.grid_model().find_appointment(drag.appointment.id)
        if source.isValid():
            painter.fillRect(self.visualRect(source), QColor(255, 255, 255, 150))
        # ...and a ghost of it shows where it would land: green on free time, red with the reason.
        if not target.unchanged:
            self._paint_ghost(painter, drag.appointment, target)
        painter.end()

    def _paint_ghost(self, painter: QPainter, appt: AppointmentRecord, target: DropTarget) -> None:
        rect = self.target_rect(target).adjusted(2, 1, -3, -2)
        refused = bool(target.why_not)
        edge = QColor("#b3261e") if refused else QColor("#1f7a4d")
        painter.fillRect(rect, QColor("#fdecea") if refused else QColor("#e3f4ea"))
        painter.setPen(QPen(edge, 2, Qt.PenStyle.DashLine))
        painter.drawRect(rect)
        when = f"{target.starts_at:%H:%M}–{target.ends_at:%H:%M}"
        if target.starts_at.date() != appt.local_day:
            when = f"{target.starts_at:%a %d %b} {when}"
        lines = [appt.patient_name, f"{when} · {target.doctor_name}"]
        if refused:
            lines.append(target.why_not)
        text_rect = rect.adjusted(7, 3, -5, -2)
        metrics = painter.fontMetrics()
        painter.setPen(edge.darker(130))
        y = text_rect.top()
        for i, line in enumerate(lines):
            if y + metrics.height() > text_rect.bottom() + 2 and i:
                break
            font = painter.font()
            font.setBold(i == 0)
            painter.setFont(font)
            elided = painter.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, text_rect.width())
            painter.drawText(QRect(text_rect.left(), y, text_rect.width(), metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
            y += metrics.height()
