"""Issue 8 item 5: the Scheduler never raises the main window's minimum size above 1024x700."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hms_desktop.ui.main_window import MainWindow
from tests.conftest import wait_idle
from tests.services.conftest import fix_clock, make_doctor


def test_the_scheduler_fits_1024_by_700_in_day_and_week_view_and_its_panel_collapses(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services, "Dr Maximilian Alexander Schmidt-Hohenberg")
    for i in range(8):
        make_doctor(services, f"Dr Doctor Number{i} With A Long Name")
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentWidget(window.scheduler_tab)
    tab = window.scheduler_tab
    qtbot.waitUntil(lambda: tab.day_model.columnCount() == 9, timeout=10_000)
    wait_idle(qtbot, runner)
    window.resize(1024, 700)
    QApplication.processEvents()
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert least.width() <= 1024 and least.height() <= 700, least
    assert (window.width(), window.height()) == (1024, 700)
    # Nine doctors share the width with a minimum each, and scroll sideways beyond it.
    assert tab.day_view.horizontalScrollBar().maximum() > 0
    tab.set_mode("week", doctor.id)
    wait_idle(qtbot, runner)
    QApplication.processEvents()
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert least.width() <= 1024, least
    assert window.width() == 1024
    # The calendar and doctor list fold away for more grid.
    grid_width = tab.week_view.width()
    qtbot.mouseClick(tab.panel_button, Qt.MouseButton.LeftButton)
    QApplication.processEvents()
    assert not tab.left_panel.isVisible() and tab.week_view.width() > grid_width
    qtbot.mouseClick(tab.panel_button, Qt.MouseButton.LeftButton)
    assert tab.left_panel.isVisible()
