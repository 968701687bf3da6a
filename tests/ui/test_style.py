"""The style sheet: the highlighted item of an open drop-down is readable (it was white on white)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QComboBox, QStyleFactory

from hms_desktop.paths import resources_dir


def _luminance(color: QColor) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.red()) + 0.7152 * channel(color.green()) + 0.0722 * channel(color.blue())


def _contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_highlighted_drop_down_item_stands_out_and_its_text_is_readable(qtbot):
    app = QApplication.instance()
    old_sheet, old_style = app.styleSheet(), app.style().name()
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setStyleSheet((resources_dir() / "style.qss").read_text(encoding="utf-8"))
    try:
        combo = QComboBox()
        qtbot.addWidget(combo)
        combo.addItems(["Scheduled", "Follow-up", "Walk-in"])
        combo.resize(220, 30)
        combo.show()
        combo.setCurrentIndex(1)  # "Follow-up": the item the open list highlights
        combo.showPopup()
        view = combo.view()
        qtbot.waitUntil(view.isVisible)
        assert view.currentIndex().row() == 1
        image = view.viewport().grab().toImage().copy(view.visualRect(view.currentIndex()))
        colors: dict[int, int] = {}
        for x in range(image.width()):
            for y in range(image.height()):
                rgb = image.pixel(x, y)
                colors[rgb] = colors.get(rgb, 0) + 1
        background = QColor.fromRgb(max(colors, key=colors.get))
        # The row's fill is a highlight, not the list's white ...
        assert _contrast(background, QColor("white")) > 2.5, background.name()
        # ... and the darkest or lightest pixels (the text) stand out from it.
        text = max((QColor.fromRgb(c) for c in colors), key=lambda c: _contrast(c, background))
        assert _contrast(text, background) >= 4.5, (text.name(), background.name())
        combo.hidePopup()
    finally:
        app.setStyleSheet(old_sheet)
        app.setStyle(QStyleFactory.create(old_style))
