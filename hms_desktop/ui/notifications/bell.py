"""The bell in the main window's menu bar: a count of the signed-in person's unread notifications,
and a list to open them and mark them read (services/notifications/bell.py).

It reloads when it opens, when another desk's change reaches this window (the change feed: a
booking, an arrival, a failed message, a follow-up written), and every few minutes for the
follow-ups that come due with the day; a burst of changes costs one reload.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...services.change_feed import Change
from ...services.notifications.bell import BellItem, BellService, BellView
from ..common.messages import show_error
from ..common.window_fit import available
from ..common.worker import TaskRunner

OPEN_KEY = "Ctrl+Shift+N"
RELOAD_AFTER_CHANGE_MS = 400
RELOAD_EVERY_MS = 5 * 60 * 1000
# The feed's topics that can ring someone: the schedule, clinical records (follow-ups), the outbox.
TOPICS = frozenset({"schedule", "records", "notifications", ""})
ITEM_ROLE = Qt.ItemDataRole.UserRole

KIND_WORDS = {"booked": "Booking", "requested": "Request", "moved": "Moved", "cancelled": "Cancelled",
              "arrived": "Arrived", "follow_up": "Follow-up", "failed": "Not sent",
              "slot_freed": "Waiting list", "slot_booked": "Waiting list, slot taken"}


def bell_icon(unread: int, size: int = 22, ratio: float = 1.0) -> QIcon:
    """A bell, with the unread count on a red badge (9+ past nine)."""
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 22.0
    p.save()
    p.translate(-2.5 * s, 1.5 * s)  # room for the badge at the top right
    body = QPainterPath()
    body.moveTo(4 * s, 16 * s)
    body.cubicTo(6 * s, 14 * s, 5 * s, 6 * s, 11 * s, 5 * s)
    body.cubicTo(17 * s, 6 * s, 16 * s, 14 * s, 18 * s, 16 * s)
    body.closeSubpath()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#37474f"))
    p.drawPath(body)
    p.drawEllipse(QPointF(11 * s, 18 * s), 2.2 * s, 2.2 * s)
    p.drawEllipse(QPointF(11 * s, 4.5 * s), 1.4 * s, 1.4 * s)
    p.restore()
    if unread:
        text = str(unread) if unread < 10 else "9+"
        badge = QRectF(size - 14 * s, 0, 14 * s, 12 * s)
        p.setBrush(QColor("#c62828"))
        p.drawRoundedRect(badge, 5.5 * s, 5.5 * s)
        font = QFont()
        font.setPixelSize(max(8, int(9.5 * s)))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    p.end()
    return QIcon(pixmap)


class BellItemDelegate(QStyledItemDelegate):
    """Draws an item as its title (bold while unread, with a dot), the detail wrapped beneath, and
    what and when in small grey type; a line between items."""

    PAD = 8
    DOT = 8

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        title, detail, meta = QFont(option.font), QFont(option.font), QFont(option.font)
        title.setBold(True)
        meta.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.85))
        return title, detail, meta

    def _blocks(self, option: QStyleOptionViewItem, item: BellItem) -> list[tuple[QFont, str]]:
        title, detail, meta = self._fonts(option)
        if item.read:
            title.setBold(False)
        when = item.created_at.strftime("%d %b %H:%M")
        return [(title, item.title), (detail, item.detail), (meta, f"{KIND_WORDS.get(item.kind, item.kind)} · {when}")]

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:  # noqa: N802, ANN001 - Qt override
        item: BellItem | None = index.data(ITEM_ROLE)
        if item is None:
            return super().sizeHint(option, index)
        # The list's own width: a list view hands sizeHint no useful rectangle.
        full = self._row_width(option)
        width = max(60, full - 3 * self.PAD - self.DOT)
        height = 2 * self.PAD
        for font, text in self._blocks(option, item):
            if text:
                height += QFontMetrics(font).boundingRect(0, 0, width, 10_000, Qt.TextFlag.TextWordWrap, text).height() + 2
        return QSize(full, height)

    def _row_width(self, option: QStyleOptionViewItem) -> int:
        """The list's width less a scroll bar's, whether one shows yet or not: the text is wrapped
        for this width, so a scroll bar appearing later never cuts it."""
        view = self.parent()
        if not isinstance(view, QListWidget):
            return max(100, option.rect.width())
        bar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        shown = view.verticalScrollBar().isVisible()
        return max(100, view.viewport().width() - (0 if shown else bar))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:  # noqa: ANN001 - Qt override
        item: BellItem | None = index.data(ITEM_ROLE)
        if item is None:
            super().paint(painter, option, index)
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        if selected:
            painter.fillRect(option.rect, palette.highlight())
        text_colour = palette.highlightedText().color() if selected else palette.text().color()
        subtle = text_colour if selected else palette.placeholderText().color()
        row = QRect(option.rect.left(), option.rect.top(), min(option.rect.width(), self._row_width(option)),
                    option.rect.height())
        rect = row.adjusted(2 * self.PAD + self.DOT, self.PAD, -self.PAD, -self.PAD)
        if not item.read:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("white") if selected else QColor("#1565c0"))
            painter.drawEllipse(QRectF(option.rect.left() + self.PAD, rect.top() + 5, self.DOT, self.DOT))
        y = rect.top()
        for n, (font, text) in enumerate(self._blocks(option, item)):
            if not text:
                continue
            painter.setFont(font)
            painter.setPen(subtle if n == 2 else text_colour)
            box = painter.boundingRect(QRect(rect.left(), y, rect.width(), 10_000), Qt.TextFlag.TextWordWrap, text)
            painter.drawText(box, Qt.TextFlag.TextWordWrap, text)
            y += box.height() + 2
        painter.setPen(palette.mid().color())
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        painter.restore()


class BellPanel(QFrame):
    """The list that drops down from the bell; Enter or a double click opens an item."""

    open_requested = Signal(object)  # BellItem
    mark_requested = Signal(object)  # list of ids, or None for all

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("bellPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel("Notifications", objectName="bellHeading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.mark_all_button = QPushButton("Mark &all read")
        self.mark_all_button.clicked.connect(lambda: self.mark_requested.emit(None))
        self.list = QListWidget(objectName="bellList")
        self.list.setItemDelegate(BellItemDelegate(self.list))
        self.list.setUniformItemSizes(False)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # items wrap instead
        self.list.itemActivated.connect(self._activated)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.empty = QLabel("Nothing here yet. Bookings, arrivals and follow-ups that concern you appear here.")
        self.empty.setObjectName("subtle")
        self.empty.setWordWrap(True)
        self.open_button = QPushButton("&Open")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(lambda: self._activated(self.list.currentItem()))
        self.read_button = QPushButton("&Mark read")
        self.read_button.clicked.connect(self._mark_current)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.mark_all_button)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.read_button)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)
        self.resize(440, 420)
        self.show_view(BellView(0, ()))

    def show_view(self, view: BellView) -> None:
        current = self.current_item()
        self.list.clear()
        for item in view.items:
            when = item.created_at.strftime("%d %b %H:%M")
            row = QListWidgetItem(f"{item.title}\n{item.detail}\n{KIND_WORDS.get(item.kind, item.kind)} · {when}"
                                  + ("" if item.read else " · new"))
            row.setData(ITEM_ROLE, item)
            row.setToolTip(f"{item.title}\n{item.detail}")
            self.list.addItem(row)
            if current is not None and item.id == current.id:
                self.list.setCurrentItem(row)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self.heading.setText(f"Notifications · {view.unread} new" if view.unread else "Notifications")
        self.list.setVisible(bool(view.items))
        self.empty.setVisible(not view.items)
        self.mark_all_button.setEnabled(view.unread > 0)
        self._update_buttons()

    def current_item(self) -> BellItem | None:
        row = self.list.currentItem()
        return row.data(ITEM_ROLE) if row is not None else None

    def _update_buttons(self) -> None:
        item = self.current_item()
        self.open_button.setEnabled(item is not None and opens_something(item))
        self.read_button.setEnabled(item is not None and not item.read)

    def _mark_current(self) -> None:
        item = self.current_item()
        if item is not None:
            self.mark_requested.emit([item.id])

    def _activated(self, row: QListWidgetItem | None) -> None:
        item: BellItem | None = row.data(ITEM_ROLE) if row is not None else None
        if item is None:
            return
        if not item.read:
            self.mark_requested.emit([item.id])
        if opens_something(item):
            self.hide()
            self.open_requested.emit(item)

    def place_under(self, anchor: QWidget) -> None:
        """Below the bell, right edges aligned, kept inside the screen."""
        screen = available(anchor)
        width, height = min(440, screen.width() - 16), min(420, screen.height() - 80)
        self.resize(width, height)
        corner = anchor.mapToGlobal(QPoint(anchor.width(), anchor.height()))
        x = max(screen.left() + 8, min(corner.x() - width, screen.right() - width - 8))
        y = min(corner.y() + 2, screen.bottom() - height - 8)
        self.move(x, y)


def opens_something(item: BellItem) -> bool:
    return item.appointment_id is not None or item.patient_id is not None or item.outbox_id is not None


class BellButton(QToolButton):
    """The bell with its count; a click (or Ctrl+Shift+N) shows the list."""

    open_requested = Signal(object)  # BellItem: the main window opens what it refers to
    unread_changed = Signal(int)

    def __init__(self, service: BellService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(24, 24))
        self._service = service
        self._runner = runner
        self.unread = 0
        self.view = BellView(0, ())
        self.setObjectName("bellButton")
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.panel = BellPanel(self)
        self.panel.open_requested.connect(self.open_requested)
        self.panel.mark_requested.connect(self.mark_read)
        self.clicked.connect(self.show_panel)
        # Answers in whichever window shows the bell.
        self.shortcut = QShortcut(QKeySequence(OPEN_KEY), self, activated=self.show_panel)
        self._soon = QTimer(self, singleShot=True, interval=RELOAD_AFTER_CHANGE_MS)
        self._soon.timeout.connect(self.reload)
        self._every = QTimer(self, interval=RELOAD_EVERY_MS)
        self._every.timeout.connect(self.reload)
        self._every.start()
        self._show_count()

    def changes(self, changes: list[Change]) -> None:
        """The change feed's batch: reload once, shortly, when any of it could ring someone."""
        if any(c.topic in TOPICS for c in changes):
            self._soon.start()

    def reload(self) -> None:
        self._runner.submit(self._service.refresh, on_done=self._show, on_error=self._failed,
                            context=self, key="bell-refresh")

    def mark_read(self, ids: list[int] | None) -> None:
        self._runner.submit(self._service.mark_read, ids, on_done=self._show, on_error=self._failed,
                            context=self, key="bell-mark")

    def show_panel(self) -> None:
        self.panel.place_under(self)
        self.panel.show()
        self.panel.list.setFocus()
        self.reload()

    def _show(self, view: BellView) -> None:
        self.view = view
        self.panel.show_view(view)
        if view.unread != self.unread:
            self.unread = view.unread
            self.unread_changed.emit(view.unread)
        self._show_count()

    def _show_count(self) -> None:
        self.setIcon(bell_icon(self.unread, 24, self.devicePixelRatioF()))
        words = f"{self.unread} new notification{'s' if self.unread != 1 else ''}" if self.unread else "No new notifications"
        self.setToolTip(f"{words} ({OPEN_KEY})")
        self.setAccessibleName(f"Notifications: {words}")

    def _failed(self, exc: Exception) -> None:
        # A bell that cannot load says so when opened; it never interrupts work with a dialog.
        if self.panel.isVisible():
            show_error(self.panel, exc)
