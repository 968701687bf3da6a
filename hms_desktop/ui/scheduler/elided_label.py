"""A one-line label for the Scheduler's status lines: long text is cut with "…", never widening the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """A one-line label that shortens its text with "…" instead of widening the window."""

    def __init__(self, text: str = "", *, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignRight,
                 color: str = "#3b4656") -> None:
        super().__init__(text)
        self._align = align
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        if color:
            self.setStyleSheet(f"color: {color};")

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.width())
        painter.drawText(self.rect(), int(self._align | Qt.AlignmentFlag.AlignVCenter), text)
