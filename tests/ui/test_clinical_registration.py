"""The doctor's registration number, printed on prescriptions, is edited in the doctor dialog and
kept when anything else of the doctor is changed there; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt

from hms_desktop.ui.doctors.doctor_dialog import DoctorDialog
from hms_desktop.ui.doctors.doctors_tab import DoctorsTab
from tests.conftest import wait_idle
from tests.services.conftest import fix_clock, make_doctor
from tests.ui.test_doctors_tab import click_row, closed
from tests.ui.widget_helpers import open_dialog


def test_the_registration_number_is_shown_edited_and_kept(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services, "Dr Priya Nair")
    services.doctors.update(doctor.id, doctor.version, replace(doctor.as_input(), registration_number="KMC 45821"))
    tab = DoctorsTab(services, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)

    def edit() -> DoctorDialog:
        click_row(qtbot, tab, "Dr Priya Nair")
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
        dialog = open_dialog(qtbot, tab, DoctorDialog)
        qtbot.waitUntil(lambda: dialog.loaded)
        return dialog

    dialog = edit()
    assert dialog.registration_number.text() == "KMC 45821"
    # Another field changed: the registration number is not wiped by the save.
    dialog.location.selectAll()
    qtbot.keyClicks(dialog.location, "Room 4")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog))
    stored = services.doctors.get(doctor.id)
    assert (stored.location, stored.registration_number) == ("Room 4", "KMC 45821")

    dialog = edit()
    dialog.registration_number.selectAll()
    qtbot.keyClicks(dialog.registration_number, "KMC 99001")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog))
    assert services.doctors.get(doctor.id).registration_number == "KMC 99001"
