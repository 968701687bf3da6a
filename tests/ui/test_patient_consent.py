"""The registration form records which channels a patient accepts appointment messages by, by
clicks, on both databases; SMS without a phone is refused under the boxes and nothing is saved."""

from __future__ import annotations

from PySide6.QtCore import Qt

from hms_desktop.ui.patients.patients_tab import PatientsTab
from tests.conftest import wait_idle
from tests.ui.widget_helpers import type_into


def _new_patient(qtbot, services, runner):  # noqa: ANN001, ANN202
    tab = PatientsTab(services.patients, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    wait_idle(qtbot, runner)
    tab.new_patient()
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "Asha")
    type_into(qtbot, dialog.family_name, "Rao")
    type_into(qtbot, dialog.date_of_birth, "1984-05-17")
    return dialog


def test_sms_ticked_at_registration_is_recorded_and_sms_without_a_phone_is_refused(qtbot, services, runner):
    dialog = _new_patient(qtbot, services, runner)
    boxes = dialog.message_channels
    assert boxes.email.isChecked() and not boxes.sms.isChecked(), "e-mail by default, as before"
    qtbot.mouseClick(boxes.sms, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "mobile number" in dialog.errors.text("message_channels")
    assert services.patients.count() == 0

    type_into(qtbot, dialog.phone, "+91 98450 12345")
    qtbot.mouseClick(boxes.email, Qt.MouseButton.LeftButton)  # SMS only
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    (saved,) = services.patients.search("Asha").rows
    assert services.patients.get(saved.id).message_channels == "sms"


def test_neither_box_means_no_messages(qtbot, services, runner):
    dialog = _new_patient(qtbot, services, runner)
    qtbot.mouseClick(dialog.message_channels.email, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    (saved,) = services.patients.search("Asha").rows
    assert services.patients.get(saved.id).message_channels == ""
