"""Issue 6, "the wrong day's bookings": a day that cannot be loaded (the server went away) never
shows the previous day's bookings under its heading. PostgreSQL really goes away (a TCP proxy)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.engine import make_url

from hms_desktop.bootstrap import build_services
from tests.conftest import ADMIN_PASSWORD, wait_idle
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients
from tests.support.tcp_proxy import TcpProxy
from tests.ui.scheduler.helpers import appointment_at, open_tab

pytestmark = pytest.mark.postgres


def test_a_day_that_cannot_be_loaded_shows_unavailable_not_the_previous_day(pg_server, qtbot, runner):
    name = pg_server.create(template=pg_server.template)
    real = make_url(pg_server.url_for(name))
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    proxy.start()
    services = build_services(real.set(port=proxy.port).render_as_string(hide_password=False))
    try:
        services.staff.create_first_admin("admin", "Admin", ADMIN_PASSWORD)
        services.auth.sign_in("admin", ADMIN_PASSWORD)
        fix_clock(services)
        doctor = make_doctor(services)
        (asha, ravi, *_rest) = make_patients(services, 2)
        services.scheduling.book(asha, doctor.id, at(9))
        services.scheduling.book(ravi, doctor.id, at(11, day=TODAY + timedelta(days=1)))
        tab = open_tab(qtbot, services, runner)
        assert appointment_at(tab, time(9)).patient_name == "Asha PatA0"

        proxy.stop()  # the server goes away
        qtbot.mouseClick(tab.next_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, runner)
        tomorrow = TODAY + timedelta(days=1)
        assert tab.date_label.text().startswith(f"{tomorrow:%A %d %B %Y}")
        assert tab.calendar.selectedDate().toPython() == tomorrow
        # Not Monday's bookings under Tuesday's heading: the grid says it is unavailable.
        assert tab.stack.currentWidget() is tab.empty_label
        assert "could not be loaded" in tab.empty_label.text() and "F5" in tab.empty_label.text()
        assert tab.day_model.columns == [] and tab.selected_appointment() is None
        assert not tab.check_in_action.isEnabled()
        for box in list(tab.findChildren(type(tab.last_message))):
            box.close()

        proxy.start()  # it comes back on the same port: Refresh shows Tuesday
        qtbot.mouseClick(tab.refresh_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: tab.day_model.rowCount() > 0, timeout=10_000)
        wait_idle(qtbot, runner)
        assert tab.stack.currentWidget() is tab.day_view
        assert {c.day for c in tab.day_model.columns} == {tomorrow}
        assert appointment_at(tab, time(11)).patient_name == "Ravi PatB1"
        assert appointment_at(tab, time(9)) is None
    finally:
        runner.wait_for_idle()
        services.close()
        proxy.stop()
        pg_server.drop(name)
