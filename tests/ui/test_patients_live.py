"""The Patients list refreshes the rows on screen when another desk changes a patient (it used to
keep showing the stale phone until someone searched again); on both databases."""

from __future__ import annotations

from datetime import date

from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.common.live_updates import ChangeWatcher
from hms_desktop.ui.patients.patient_table_model import PHONE
from hms_desktop.ui.patients.patients_tab import PatientsTab
from tests.conftest import second_desk, wait_idle


def test_another_desks_edit_shows_in_the_visible_row(qtbot, services, runner):
    asha = services.patients.register(
        PatientInput(given_name="Asha", family_name="Rao", date_of_birth=date(1984, 5, 17), phone="+91 98450 12345")
    )
    services.patients.register(PatientInput(given_name="Ravi", family_name="Kumar", date_of_birth=date(1990, 1, 2)))
    watcher = ChangeWatcher(services.scheduling.open_change_feed)
    tab = PatientsTab(services.patients, runner, services.auth.current, watcher=watcher)
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    wait_idle(qtbot, runner)
    row = tab.model.row_of(asha.id)
    assert tab.model.index(row, PHONE).data() == "098450 12345"
    watcher.start()
    other = second_desk(services)
    try:
        current = other.patients.get(asha.id)
        other.patients.update(asha.id, current.version, PatientInput(
            given_name="Asha", family_name="Rao", date_of_birth=date(1984, 5, 17), phone="+91 90000 11111"))
        qtbot.waitUntil(lambda: tab.model.index(row, PHONE).data() == "090000 11111", timeout=10_000)
        assert tab.model.rowCount() == 2  # refreshed in place: the list was not reloaded
    finally:
        watcher.stop()
        other.close()
