"""Windows that fit the screen they are on, dialogs that grow with their messages, and labels
whose text never sizes a window."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QScreen
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

FRAME_ALLOWANCE = (8, 36)


def screen_of(widget: QWidget) -> QScreen | None:
    return widget.screen() or QGuiApplication.primaryScreen()


def available(widget: QWidget) -> QRect:
    screen = screen_of(widget)
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)


def clamp_to_screen(widget: QWidget, preferred: QSize | None = None) -> None:
    """Size ``widget`` to ``preferred`` (or its present size), but never beyond the screen's free
    area, and move it fully onto that screen. The window manager's frame is allowed for."""
    area = available(widget)
    frame_w = max(0, widget.frameGeometry().width() - widget.width())
    frame_h = max(0, widget.frameGeometry().height() - widget.height())
    if not widget.isVisible() and frame_h == 0:
        # Not framed by the window manager yet: allow for a title bar and borders.
        frame_w, frame_h = FRAME_ALLOWANCE
    size = preferred or widget.size()
    width = min(size.width(), area.width() - frame_w)
    height = min(size.height(), area.height() - frame_h)
    # A window whose minimum is larger than the screen would overflow anyway: let it shrink.
    if widget.minimumWidth() > width or widget.minimumHeight() > height:
        widget.setMinimumSize(min(widget.minimumWidth(), width), min(widget.minimumHeight(), height))
    widget.resize(width, height)
    x = min(max(widget.x(), area.left()), area.right() - width - frame_w + 1)
    y = min(max(widget.y(), area.top()), area.bottom() - height - frame_h + 1)
    widget.move(max(x, area.left()), max(y, area.top()))


def grow_to_fit(widget: QWidget) -> None:
    """After text was added to a window (an error under a field, a banner), make it tall enough that
    every word-wrapped label shows all of its lines at the present width (within the screen)."""
    layout = widget.layout()
    if layout is None:
        return
    layout.invalidate()
    layout.activate()
    width = max(widget.width(), widget.minimumSizeHint().width())
    height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.totalSizeHint().height()
    height = max(height, layout.totalMinimumSize().height())
    area = available(widget)
    height = min(height, area.height() - 40)
    if height > widget.height() or width > widget.width():
        widget.resize(width, max(height, widget.height()))


class ElidedLabel(QLabel):
    """A one-line label that shows "…" when its text is longer than its room, with the whole text as
    its tooltip. Its size hint is small, so a long database error can never widen the window."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, objectName: str = "") -> None:  # noqa: N803 - Qt's spelling
        super().__init__(text, parent)
        if objectName:
            self.setObjectName(objectName)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setToolTip(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        super().setText(text)
        self.setToolTip(text)
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        return QSize(min(hint.width(), 360), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), 40), hint.height())

    def elided_text(self) -> str:
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, max(0, self.contentsRect().width()))

    def paintEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), self.elided_text())
