"""How the scheduler's grid looks: one colour per appointment status, the cell painter, and the legend.

Kept apart from the model so the model stays a plain data source (qtmodeltester checks it) and the
colours are defined once for the grid, the legend and the screenshots.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from .day_grid_model import STATUS_LABELS, AppointmentRole, CellKind, CellKindRole, ExceptionRole, NowRole


@dataclass(frozen=True)
class Palette:
    fill: str  # the card's background
    stripe: str  # the bar down its left edge, and the legend swatch
    text: str


#: One entry per appointment status (the service's status values), in workflow order.
STATUS_STYLE: dict[str, Palette] = {
    "requested": Palette("#fff3cd", "#d39e00", "#4d3800"),
    "confirmed": Palette("#dbe8ff", "#2f6fde", "#10284f"),
    "checked_in": Palette("#d3f3ee", "#11897a", "#073b34"),
    "with_doctor": Palette("#ebe1ff", "#7446d6", "#2b1459"),
    "completed": Palette("#e4e7eb", "#5f6b7a", "#2e3640"),
    "cancelled": Palette("#f2f2f2", "#a0a4aa", "#6b7078"),
    "rejected": Palette("#fde4e6", "#c62828", "#5c1010"),
    "no_show": Palette("#ffe3d1", "#d9622b", "#5a2308"),
}
FREE = Palette("#ecf8ee", "#8fcf9b", "#2e7d3e")
BLOCKED = Palette("#e3e5e9", "#a3a9b3", "#4a515c")
OFF_HOURS = QColor("#eceef2")
OPEN = QColor("#ffffff")  # within hours, but already passed
NOW_LINE = "#e53935"  # the current time, across today's columns


def status_palette(status: str) -> Palette:
    return STATUS_STYLE.get(status, STATUS_STYLE["confirmed"])


class GridDelegate(QStyledItemDelegate):
    """Paints appointments as cards (status-coloured, a stripe down the left, name in bold, then
    time, reason and status), free slots as soft green "free", blocked time hatched with its reason.

    It reads only the model's documented roles, so it works for the day and the week grid alike.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._roles = (AppointmentRole, CellKindRole, ExceptionRole, NowRole)
        self._kinds = CellKind

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        appointment_role, kind_role, _exception_role, now_role = self._roles
        kind = index.data(kind_role)
        rect = QRect(option.rect)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        K = self._kinds
        if kind == K.APPOINTMENT:
            self._paint_appointment(painter, rect, index, index.data(appointment_role), selected or focused, option)
        elif kind == K.FREE:
            painter.fillRect(rect, OPEN)
            card = QRectF(rect.adjusted(3, 2, -3, -2))
            painter.setPen(QPen(QColor(FREE.stripe), 2 if (selected or focused) else 1,
                                Qt.PenStyle.SolidLine if (selected or focused) else Qt.PenStyle.DashLine))
            painter.setBrush(QColor("#d5f0da") if (selected or focused) else QColor(FREE.fill))
            painter.drawRoundedRect(card, 4, 4)
            painter.setPen(QColor(FREE.text))
            text = index.data(Qt.ItemDataRole.DisplayRole) or "free"
            painter.drawText(card.adjusted(8, 0, -6, 0), int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
        elif kind == K.BLOCKED:
            painter.fillRect(rect, QColor(BLOCKED.fill))
            painter.fillRect(rect, QBrush(QColor("#cfd3da"), Qt.BrushStyle.BDiagPattern))
            text = index.data(Qt.ItemDataRole.DisplayRole)
            if text:
                painter.setPen(QColor(BLOCKED.text))
                font = QFont(option.font)
                font.setItalic(True)
                painter.setFont(font)
                inner = rect.adjusted(8, 3, -6, -3)
                metrics = QFontMetrics(font)
                painter.fillRect(
                    QRect(inner.left() - 3, inner.top(), min(inner.width(), metrics.horizontalAdvance(text) + 8),
                          min(inner.height(), metrics.height() + 2)),
                    QColor(BLOCKED.fill),
                )
                painter.drawText(inner, int(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft),
                                 metrics.elidedText(text, Qt.TextElideMode.ElideRight, inner.width()))
            if selected or focused:
                painter.setPen(QPen(QColor("#2f6fde"), 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
        else:
            painter.fillRect(rect, OFF_HOURS if kind == K.OFF else OPEN)
            if selected or focused:
                painter.setPen(QPen(QColor("#2f6fde"), 2))
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
        now = index.data(now_role)
        if now is not None:
            y = rect.top() + int(now * rect.height())
            painter.setPen(QPen(QColor(NOW_LINE), 2))
            painter.drawLine(rect.left(), y, rect.right(), y)
            painter.setBrush(QColor(NOW_LINE))
            painter.drawEllipse(QRectF(rect.left() - 1, y - 3.5, 7, 7))
        painter.restore()

    def _paint_appointment(self, painter: QPainter, rect: QRect, index, appt, highlighted: bool,  # type: ignore[no-untyped-def]
                           option: QStyleOptionViewItem) -> None:
        painter.fillRect(rect, OPEN)
        if appt is None:
            return
        colours = status_palette(appt.status)
        card = QRectF(rect.adjusted(2, 1, -2, -1))
        painter.setPen(QPen(QColor("#1d2b44"), 2) if highlighted else QPen(QColor(colours.stripe).lighter(130), 1))
        painter.setBrush(QColor(colours.fill))
        painter.drawRoundedRect(card, 4, 4)
        stripe = QRectF(card.left(), card.top(), 5, card.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colours.stripe))
        painter.drawRoundedRect(stripe, 2, 2)

        inner = rect.adjusted(12, 2, -6, -2)
        bold = QFont(option.font)
        bold.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(7.5, option.font.pointSizeF() - 1))
        if appt.status in ("cancelled", "rejected", "no_show"):
            bold.setStrikeOut(appt.status != "no_show")
        bold_metrics, small_metrics = QFontMetrics(bold), QFontMetrics(small)
        painter.setPen(QColor(colours.text))
        lines = card_lines(appt, bold_metrics, small_metrics, inner.width(), inner.height())
        y = inner.top()
        for i, line in enumerate(lines):
            metrics = bold_metrics if i == 0 else small_metrics
            painter.setFont(bold if i == 0 else small)
            if len(lines) == 1:
                painter.drawText(inner, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), line)
                return
            painter.drawText(inner.left(), y + metrics.ascent(), line)
            y += metrics.height()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:  # noqa: N802
        return QSize(160, 20)


class Legend(QWidget):
    """Colour swatches: what each status, "free" and "blocked" look like, in ``columns`` columns."""

    def __init__(self, parent: QWidget | None = None, columns: int = 2) -> None:
        super().__init__(parent)
        self.setObjectName("schedulerLegend")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(10)
        layout.setVerticalSpacing(3)
        entries = [(STATUS_LABELS[s], STATUS_STYLE[s]) for s in STATUS_STYLE]
        entries += [("Free", FREE), ("Blocked / leave", BLOCKED)]
        self.labels: dict[str, QLabel] = {}
        for i, (text, colours) in enumerate(entries):
            swatch = QLabel()
            swatch.setFixedSize(16, 14)
            swatch.setStyleSheet(
                f"background: {colours.fill}; border: 1px solid {colours.stripe}; border-left: 5px solid {colours.stripe};"
                " border-radius: 2px;"
            )
            label = QLabel(text)
            pair = QHBoxLayout()
            pair.setSpacing(6)
            pair.addWidget(swatch)
            pair.addWidget(label, 1)
            layout.addLayout(pair, i // columns, i % columns)
            self.labels[text] = label


def _elide(metrics: QFontMetrics, text: str, width: int) -> str:
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)


def card_lines(appt, bold: QFontMetrics, small: QFontMetrics, width: int, height: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines a card shows in ``width`` x ``height`` pixels, each already elided to fit.

    What matters most stays: the patient's name (with the token), then the time, then the status;
    the reason is the first to be cut. The full text is in the cell's tooltip (the model's).
    """
    token = f"#{appt.token} " if appt.token is not None else ""
    name = f"{token}{appt.patient_name}"
    when = f"{appt.local_start:%H:%M}–{appt.local_end:%H:%M}"
    bits = [when, STATUS_LABELS.get(appt.status, appt.status)]
    if appt.kind != "scheduled":
        bits.append({"walk_in": "Walk-in", "follow_up": "Follow-up"}.get(appt.kind, appt.kind))
    detail = " · ".join(bits)
    reason = f" · {appt.reason}" if appt.reason else ""
    if height < bold.height() + small.height():
        # A short card: one line, the name first; the start time and the reason only if they fit.
        head = f"{name} · {appt.local_start:%H:%M}"
        if bold.horizontalAdvance(head) > width:
            return [_elide(bold, name, width)]
        return [_elide(bold, head + reason, width)]
    lines = [_elide(bold, name, width)]
    room = (height - bold.height()) // max(1, small.height())
    if room >= 2 and appt.reason:
        lines += [_elide(small, detail, width), _elide(small, appt.reason, width)]
    else:
        lines.append(_elide(small, detail + reason, width))  # the time before the reason
    return lines
