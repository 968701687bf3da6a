"""The bell in the main window, by clicks and keys on a real database (both kinds): the count, the
list, opening what an item refers to, marking read, and a booking made at another desk arriving
live through the change feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.ui.main_window import MainWindow
from hms_desktop.ui.notifications.patient_email_dialog import PatientEmailDialog
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, Ward, at, ward  # noqa: F401 - the fixture (doctors', nurse's, desk's)
from tests.services.test_notifications import free_port, patient_with_email, use_mail_server
from tests.ui.widget_helpers import click, shown_main_window


def _window(qtbot, desk, runner) -> MainWindow:  # noqa: ANN001
    return shown_main_window(qtbot, desk, runner)


_click = click


def test_the_doctor_sees_the_count_opens_the_booking_and_it_is_read(qtbot, ward: Ward, runner):  # noqa: F811 - the fixture
    later = TODAY + timedelta(days=2)
    ward.admin.scheduling.book(ward.patient_id, ward.doctor_id, at(11, day=later))
    window = _window(qtbot, ward.doctor, runner)
    bell = window.bell
    assert window.menuBar().cornerWidget(Qt.Corner.TopRightCorner) is bell
    assert bell.unread == 2 and "2 new notifications" in bell.toolTip()

    _click(qtbot, bell)
    wait_idle(qtbot, runner)
    panel = bell.panel
    assert panel.isVisible()
    assert panel.list.count() == 2 and panel.list.item(0).text().startswith("New booking: Asha Rao")
    assert "Wed 09 Jan 2030 11:00" in panel.list.item(0).text()
    assert panel.heading.text() == "Notifications · 2 new"
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert not panel.isVisible()
    assert window.tabs.currentWidget() is window.scheduler_tab
    assert window.scheduler_tab.shown_day == later
    assert bell.unread == 1 and "1 new notification " in bell.toolTip()


def test_a_check_in_at_the_front_desk_rings_the_doctor_live_and_mark_all_read_clears_it(qtbot, ward: Ward, runner):  # noqa: F811 - the fixture
    window = _window(qtbot, ward.doctor, runner)
    bell = window.bell
    assert bell.unread == 1
    ward.receptionist.visits.check_in(ward.appointment_id)  # another desk
    qtbot.waitUntil(lambda: bell.unread == 2, timeout=10_000)

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    wait_idle(qtbot, runner)
    panel = bell.panel
    assert panel.isVisible()
    assert panel.list.item(0).text().startswith("Patient arrived: Asha Rao")
    assert panel.read_button.isEnabled()
    _click(qtbot, panel.read_button)
    wait_idle(qtbot, runner)
    assert bell.unread == 1
    assert not panel.read_button.isEnabled(), "the selected item is read now"
    _click(qtbot, panel.mark_all_button)
    wait_idle(qtbot, runner)
    assert bell.unread == 0 and not panel.mark_all_button.isEnabled()
    assert panel.list.count() == 2, "read items stay in the list"


def test_the_admin_opens_a_failed_message_in_the_outbox(qtbot, ward: Ward, runner):  # noqa: F811 - the fixture
    svc = ward.admin
    use_mail_server(svc, free_port())  # nothing listens there
    svc.scheduling.book(patient_with_email(svc, "Ravi", "Kumar", "ravi@example.com"), ward.doctor_id, at(16))
    dispatcher = NotificationDispatcher(svc.units, now=lambda: datetime.now(UTC), max_attempts=1)
    dispatcher.run_once()
    window = _window(qtbot, svc, runner)
    bell = window.bell
    assert bell.unread == 1
    _click(qtbot, bell)
    wait_idle(qtbot, runner)
    assert bell.panel.list.item(0).text().startswith("Message not sent")
    _click(qtbot, bell.panel.open_button)
    wait_idle(qtbot, runner)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, PatientEmailDialog) and w.isVisible())
    assert dialog.pages.currentWidget() is dialog.outbox
    selected = dialog.outbox.selected()
    assert selected is not None and selected.status == "failed" and selected.recipient == "ravi@example.com"
    dialog.close()
