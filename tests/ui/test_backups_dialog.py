"""Admin > Backups and audit check, driven by clicks and keys on a real database (both kinds for the
settings and the audit check; SQLite for backing up and restoring)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.backups.backups_dialog import BackupsDialog, RestoreConfirmDialog
from tests.conftest import wait_idle


def _dialog(qtbot, services, runner) -> BackupsDialog:
    dialog = BackupsDialog(services, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, runner)
    return dialog


def test_settings_load_save_and_refuse_bad_values(qtbot, services, runner, tmp_path):
    dialog = _dialog(qtbot, services, runner)
    assert dialog.save_button.isEnabled() and dialog.daily.value() == 7
    dialog.folder.clear()
    qtbot.keyClicks(dialog.folder, str(tmp_path / "backups"))
    dialog.daily.setValue(3)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.backups.settings().folder == str(tmp_path / "backups")
    assert services.backups.settings().daily == 3
    dialog.second_folder.clear()
    qtbot.keyClicks(dialog.second_folder, "not/absolute")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "full path" in dialog.errors.text("second_folder")
    assert services.backups.settings().second_folder == ""


def test_the_sign_out_backup_option_follows_the_schedule_and_is_saved(qtbot, services, runner):
    dialog = _dialog(qtbot, services, runner)
    assert dialog.at_sign_out.isChecked() and dialog.at_sign_out.isEnabled()
    assert "no other desk is signed in" in dialog.at_sign_out_note.text()
    qtbot.mouseClick(dialog.at_sign_out, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.backups.settings().at_last_sign_out is False
    dialog.schedule.setFocus()
    qtbot.keyClick(dialog.schedule, Qt.Key.Key_Down)  # "Only when I press Back up now"
    assert dialog.schedule.currentData() == "off"
    assert not dialog.at_sign_out.isEnabled() and "none at sign-out" in dialog.at_sign_out_note.text()


def test_audit_check_reports_intact_then_the_changed_row(qtbot, services, runner):
    from sqlalchemy import text

    dialog = _dialog(qtbot, services, runner)
    dialog.tabs.setCurrentIndex(2)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "intact" in dialog.audit_result.text()
    with services.db.engine.begin() as conn:
        victim = conn.execute(text("SELECT min(id) FROM audit_log")).scalar()
        conn.execute(text("UPDATE audit_log SET summary = 'edited' WHERE id = :i"), {"i": victim})
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert f"audit row {victim} was changed" in dialog.audit_result.text()


# A PostgreSQL database is restored on the server (the service refuses; tested in tests/services).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_back_up_now_then_restore_after_the_warning(qtbot, services, runner, tmp_path, monkeypatch):
    from hms_desktop.services.backups import BackupSettings

    services.backups.save_settings(BackupSettings(folder=str(tmp_path / "b")))
    dialog = _dialog(qtbot, services, runner)
    dialog.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.log_table.rowCount() == 1
    assert dialog.log_table.item(0, 3).text() == "Yes"
    services.patients.register(PatientInput(given_name="Later", family_name="Patient", date_of_birth=date(1990, 1, 1)))
    assert services.patients.count() == 1

    asked = []
    monkeypatch.setattr(RestoreConfirmDialog, "ask", classmethod(lambda cls, e, db, parent=None: asked.append(e) or False))
    dialog.log_table.selectRow(0)
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert len(asked) == 1 and services.patients.count() == 1  # declined: nothing changed

    monkeypatch.setattr(RestoreConfirmDialog, "ask", classmethod(lambda cls, e, db, parent=None: True))
    with qtbot.waitSignal(dialog.restored, timeout=20_000):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.patients.count() == 0
    assert "The data it replaced is kept in" in dialog.log_banner.text()
    kinds = [dialog.log_table.item(r, 1).text() for r in range(dialog.log_table.rowCount())]
    assert kinds[0].startswith("restore") and any("before restore" in k for k in kinds)


def test_restore_confirmation_needs_the_box_ticked(qtbot, services):
    from datetime import datetime

    from hms_desktop.services.backups import BackupEntry

    entry = BackupEntry(datetime(2026, 12, 1, 18, 5), "backup", "daily", "/backups/clinic.sqlite3", 1000, "a" * 64, True)
    box = RestoreConfirmDialog(entry, "clinic.sqlite3")
    qtbot.addWidget(box)
    box.show()
    assert not box.restore_button.isEnabled()
    qtbot.mouseClick(box.understood, Qt.MouseButton.LeftButton)
    assert box.restore_button.isEnabled()
