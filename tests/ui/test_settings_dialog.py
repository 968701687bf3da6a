"""The clinic settings dialog, driven with real keystrokes, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, replace

import shiboken6
from PySide6.QtCore import Qt

from hms_desktop.services.settings import ClinicSettings
from hms_desktop.ui.settings.clinic_settings_dialog import ClinicSettingsDialog
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle


def open_dialog(qtbot, settings, runner) -> ClinicSettingsDialog:
    dialog = ClinicSettingsDialog(settings, runner)
    qtbot.addWidget(dialog)
    dialog.open()
    wait_idle(qtbot, runner)
    return dialog


def retype(qtbot, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(widget, text)


def test_loads_edits_and_saves_the_clinic_settings(qtbot, services, runner):
    dialog = open_dialog(qtbot, services.settings, runner)
    assert dialog.clinic_name.text() == "HMS Clinic"
    assert dialog.idle_lock.value() == 10
    assert dialog.save_button.isEnabled()

    retype(qtbot, dialog.clinic_name, "Riverside Family Clinic")
    retype(qtbot, dialog.idle_lock, "25")
    with qtbot.waitSignal(dialog.saved, timeout=10000) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args[0] == ClinicSettings(clinic_name="Riverside Family Clinic", idle_lock_minutes=25)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())

    assert services.settings.get() == ClinicSettings(clinic_name="Riverside Family Clinic", idle_lock_minutes=25)
    entry = services.audit.recent(action_prefix="settings.")[0]
    assert entry.changes == {
        "clinic_name": ["HMS Clinic", "Riverside Family Clinic"],
        "idle_lock_minutes": [10, 25],
    }


def test_zero_minutes_reads_never_and_is_saved(qtbot, services, runner):
    dialog = open_dialog(qtbot, services.settings, runner)
    retype(qtbot, dialog.idle_lock, "0")
    assert dialog.idle_lock.value() == 0
    qtbot.keyClick(dialog.idle_lock, Qt.Key.Key_Up)
    assert dialog.idle_lock.text() == "1 min"
    qtbot.keyClick(dialog.idle_lock, Qt.Key.Key_Down)
    assert dialog.idle_lock.text() == "Never lock"  # not "0 min", which would read like "at once"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.settings.get().idle_lock_minutes == 0
    assert dialog.idle_lock.maximum() == 240


def test_an_empty_clinic_name_is_shown_next_to_the_field(qtbot, services, runner):
    dialog = open_dialog(qtbot, services.settings, runner)
    retype(qtbot, dialog.clinic_name, "   ")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.isVisible()
    assert dialog.errors.text("clinic_name") == "Give the clinic a name of 1 to 120 characters."
    assert dialog.clinic_name.property("invalid") is True
    assert dialog.buttons.isEnabled()
    assert services.settings.get().clinic_name == "HMS Clinic"


def test_a_role_without_the_permission_is_told_so(qtbot, services, runner):
    add_staff(services, "desk", "receptionist")
    desk = second_desk(services, "desk", STAFF_PASSWORD)
    try:
        dialog = open_dialog(qtbot, desk.settings, runner)  # reading is allowed (the login window needs it)
        retype(qtbot, dialog.clinic_name, "Mine Now")
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, runner)
        assert dialog.isVisible()
        assert dialog.banner.isVisible()
        assert "does not allow this" in dialog.banner.text()
        assert services.settings.get().clinic_name == "HMS Clinic"
    finally:
        desk.close()


@dataclass(frozen=True)
class _LaterSettings(ClinicSettings):
    """ClinicSettings as a later version might have it, with a field this form does not know."""

    receipt_footer: str = ""


class _FakeSettingsService:
    def __init__(self) -> None:
        self.stored = _LaterSettings(clinic_name="North Clinic", idle_lock_minutes=5, receipt_footer="Get well soon")
        self.saved: list[ClinicSettings] = []

    def get(self) -> ClinicSettings:
        return self.stored

    def update(self, new: ClinicSettings) -> ClinicSettings:
        self.saved.append(new)
        self.stored = new
        return new


def test_fields_the_form_does_not_show_are_kept(qtbot, runner):
    fake = _FakeSettingsService()
    dialog = open_dialog(qtbot, fake, runner)
    retype(qtbot, dialog.clinic_name, "North Clinic Annexe")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert fake.saved == [replace(fake.stored, clinic_name="North Clinic Annexe")]
    assert fake.saved[0].receipt_footer == "Get well soon"
    assert fake.saved[0].idle_lock_minutes == 5


def test_time_zone_is_chosen_by_typing_part_of_its_name(qtbot, services, runner):
    dialog = open_dialog(qtbot, services.settings, runner)
    assert dialog.time_zone.isVisible()
    assert dialog.time_zone.currentText() == services.settings.get().time_zone
    assert dialog.time_zone.findText("Europe/London") >= 0
    retype(qtbot, dialog.time_zone, "Mars/Olympus")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "is not a time zone name" in dialog.errors.text("time_zone")

    retype(qtbot, dialog.time_zone, "Europe/London")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.settings.get().time_zone == "Europe/London"


def test_the_largest_attachment_is_set_in_megabytes(qtbot, services, runner):
    dialog = open_dialog(qtbot, services.settings, runner)
    assert dialog.attachment_limit.value() == 10 and dialog.attachment_limit.text() == "10 MB"
    retype(qtbot, dialog.attachment_limit, "25")
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert services.settings.get().attachment_limit_mb == 25
    assert services.audit.recent(action_prefix="settings.")[0].changes == {"attachment_limit_mb": [10, 25]}
    assert dialog.attachment_limit.maximum() == 50 and dialog.attachment_limit.minimum() == 1
