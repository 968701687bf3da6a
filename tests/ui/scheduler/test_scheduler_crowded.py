"""Issue 8 item 18: crowded cards keep the patient's name (and the time when it fits), the full text is
in the tooltip, and the month calendar shows each day's load from the data (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import time, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics

from hms_desktop.ui.scheduler.day_grid_model import AppointmentRole
from hms_desktop.ui.scheduler.grid_style import card_lines
from tests.conftest import wait_idle
from tests.services.conftest import TODAY, at
from tests.ui.scheduler.helpers import cell, open_tab

LONG_REASON = "Review of blood results and the new prescription from the district hospital"


def _metrics(tab):  # type: ignore[no-untyped-def]
    bold = QFont(tab.day_view.font())
    bold.setBold(True)
    return QFontMetrics(bold), QFontMetrics(tab.day_view.font())


def test_a_squeezed_card_keeps_the_name_and_time_and_cuts_the_reason(qtbot, clinic, runner):
    services, doctor, (asha, *_rest) = clinic
    services.scheduling.book(asha, doctor.id, at(9), reason=LONG_REASON)
    tab = open_tab(qtbot, services, runner)
    appt = cell(tab, time(9)).data(AppointmentRole)
    assert appt is not None and appt.reason == LONG_REASON
    bold, small = _metrics(tab)
    one_line = bold.height()  # a 15-minute card: one line only
    # Wide: name, time and as much reason as fits.
    [wide] = card_lines(appt, bold, small, 400, one_line)
    assert wide.startswith("Asha PatA0 · 09:00 · Review of blood") and wide.endswith("…")
    # Narrow (a week-view column at 1024 px): the name stays whole, the time too while it fits.
    [narrow] = card_lines(appt, bold, small, bold.horizontalAdvance("Asha PatA0 · 09:00 · Re"), one_line)
    assert narrow.startswith("Asha PatA0 · 09:00")
    [tiny] = card_lines(appt, bold, small, bold.horizontalAdvance("Asha Pat"), one_line)
    assert tiny.startswith("Asha") and "09:00" not in tiny
    # A taller card: the name first, then the time before the reason.
    lines = card_lines(appt, bold, small, 160, bold.height() + small.height())
    assert lines[0] == "Asha PatA0" and lines[1].startswith("09:00–09:15")
    # Whatever is cut, the tooltip has it all.
    tip = cell(tab, time(9)).data(Qt.ItemDataRole.ToolTipRole)
    assert "Asha PatA0" in tip and LONG_REASON in tip and "09:00" in tip


def test_the_month_calendar_shows_each_days_load_from_the_data(qtbot, clinic, runner):
    services, doctor, (asha, ravi, meera, john) = clinic
    for patient, hour in ((asha, 9), (ravi, 10), (meera, 11)):
        services.scheduling.book(patient, doctor.id, at(hour))
    tomorrow = TODAY + timedelta(days=1)
    services.scheduling.book(john, doctor.id, at(9) + timedelta(days=1))
    tab = open_tab(qtbot, services, runner)
    qtbot.waitUntil(lambda: tab.calendar.load_on(TODAY) == 3, timeout=5000)
    assert tab.calendar.load_on(tomorrow) == 1
    assert tab.calendar.load_on(TODAY + timedelta(days=2)) == 0
    # A cancellation frees the slot: the day's load drops when the grid reloads.
    [first, *_] = services.scheduling.doctor_day(doctor.id, TODAY)
    services.visits.cancel(first.id, "Changed plans")
    tab.refresh()
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: tab.calendar.load_on(TODAY) == 2, timeout=5000)
    assert services.scheduling.day_loads([doctor.id], TODAY, tomorrow) == {TODAY: 2, tomorrow: 1}
