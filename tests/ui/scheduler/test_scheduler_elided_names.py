"""Issue 8 item 18: long doctor names and rooms end in "…" where they are cut (the day view's column
titles, line by line, and the left panel's doctor list), and the full text is in the tooltip."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QFontMetrics, QHelpEvent
from PySide6.QtWidgets import QApplication, QHeaderView, QToolTip

from hms_desktop.ui.scheduler.column_header import elided_lines
from tests.services.conftest import make_doctor
from tests.ui.scheduler.helpers import open_tab

LONG_NAME = "Dr Alexander Bhargava-Venkataraman"
LONG_ROOM = "East wing, outpatient block, room 100"


def test_each_title_line_is_cut_on_its_own_with_an_ellipsis(qapp):
    metrics = QFontMetrics(qapp.font())
    width = metrics.horizontalAdvance("Dr Alexander")
    name, room = elided_lines(f"{LONG_NAME}\n{LONG_ROOM}", metrics, width)
    assert name.startswith("Dr Alex") and name.endswith("…") and metrics.horizontalAdvance(name) <= width
    assert room.startswith("East") and room.endswith("…") and metrics.horizontalAdvance(room) <= width
    # What fits is left alone.
    assert elided_lines("Dr Ann\nRoom 1", metrics, 400) == ["Dr Ann", "Room 1"]


def test_a_narrow_day_column_elides_the_doctor_and_room_and_keeps_them_in_the_tooltip(qtbot, clinic, runner):
    services, _doctor, _patients = clinic
    make_doctor(services, LONG_NAME, location=LONG_ROOM)
    tab = open_tab(qtbot, services, runner)
    model, header = tab.day_model, tab.day_view.horizontalHeader()
    qtbot.waitUntil(lambda: model.columnCount() == 2, timeout=5000)
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal) == f"{LONG_NAME}\n{LONG_ROOM}")
    # Wide: both lines whole.
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.resizeSection(column, 600)
    assert header.section_lines(column) == [LONG_NAME, LONG_ROOM]
    # Narrow: each line keeps its start and ends in "…".
    header.resizeSection(column, 110)
    name, room = header.section_lines(column)
    assert name.startswith("Dr") and name.endswith("…") and name != LONG_NAME
    assert room.startswith("East") and room.endswith("…")
    assert not header.grab().isNull()  # the custom painting runs
    tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert LONG_NAME in tip and LONG_ROOM in tip
    # Hovering the cut title shows the whole of it.
    spot = QPoint(header.sectionViewportPosition(column) + 20, header.height() // 2)
    QApplication.sendEvent(header.viewport(), QHelpEvent(QEvent.Type.ToolTip, spot, header.viewport().mapToGlobal(spot)))
    qtbot.waitUntil(lambda: LONG_NAME in QToolTip.text() and LONG_ROOM in QToolTip.text(), timeout=3000)
    QToolTip.hideText()


def test_the_doctor_list_elides_long_names_at_the_panel_edge_with_the_full_text_in_the_tooltip(
        qtbot, clinic, runner):
    services, _doctor, _patients = clinic
    make_doctor(services, LONG_NAME, location=LONG_ROOM)
    tab = open_tab(qtbot, services, runner)
    doctors = tab.doctor_list
    item = next(doctors.item(i) for i in range(doctors.count()) if doctors.item(i).text().startswith(LONG_NAME))
    assert doctors.textElideMode() == Qt.TextElideMode.ElideRight
    assert doctors.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    # The text is wider than the list, and its row is not: Qt draws it cut with "…", not clipped.
    rect = doctors.visualItemRect(item)
    assert doctors.fontMetrics().horizontalAdvance(item.text()) > doctors.viewport().width()
    assert rect.right() <= doctors.viewport().width()
    assert not doctors.horizontalScrollBar().isVisible()
    tip = item.toolTip()
    assert LONG_NAME in tip and "General Medicine" in tip and LONG_ROOM in tip
