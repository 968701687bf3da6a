"""The grids' column header: each line of a title ("Dr Alexander Bhargava" / "East wing, room 100")
is cut on its own with "…" when the column is narrow. Qt's own header elides the title as one
string, so a two-line title was only clipped, with no sign that anything was missing; the full text
stays in the section's tooltip (the model's ToolTipRole)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter
from PySide6.QtWidgets import QHeaderView, QStyle, QStyleOptionHeader, QWidget


def elided_lines(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """Each line of ``text`` cut to ``width`` pixels, ending in "…" where it was cut."""
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, max(0, width)) for line in text.split("\n")]


class ColumnHeaderView(QHeaderView):
    """A horizontal header that draws the section's frame with the style, then its lines elided."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSectionsClickable(True)  # as QTableView sets up its own header (double-click opens the week)

    def section_lines(self, logical_index: int) -> list[str]:
        """The lines as painted for a section at its current width."""
        option = self._option(logical_index, QRect(0, 0, self.sectionSize(logical_index), self.height()))
        label = self.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, option, self)
        return elided_lines(option.text, QFontMetrics(option.fontMetrics), label.width())

    def _option(self, logical_index: int, rect: QRect) -> QStyleOptionHeader:
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        self.initStyleOptionForIndex(option, logical_index)
        option.rect = rect
        return option

    def paintSection(self, painter: QPainter, rect: QRect, logical_index: int) -> None:  # noqa: N802 - Qt override
        if not rect.isValid():
            return
        option = self._option(logical_index, rect)
        text = option.text
        option.text = ""  # the style draws the frame; the lines are drawn below, each elided
        painter.save()
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        label = self.style().subElementRect(QStyle.SubElement.SE_HeaderLabel, option, self)
        metrics = QFontMetrics(option.fontMetrics)
        painter.setFont(self.font())
        painter.setPen(option.palette.color(option.palette.ColorRole.ButtonText))
        painter.drawText(label, int(option.textAlignment), "\n".join(elided_lines(text, metrics, label.width())))
        painter.restore()
