"""Render the admin screens (Staff, Audit, Clinic settings and their dialogs) to PNG files for review.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/admin_screenshots.py shots/

Builds a throw-away SQLite database with a few staff accounts (one locked, one deactivated), demo
patients and some audit history, then opens each admin screen as an administrator would see it.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from PySide6.QtWidgets import QMessageBox  # noqa: E402
from screenshot_kit import ADMIN_PASSWORD, output_folder, save, scratch_clinic, settle  # noqa: E402 - sets up the environment first

from hms_desktop.bootstrap import build_services  # noqa: E402
from hms_desktop.services.errors import AuthenticationFailed  # noqa: E402
from hms_desktop.ui.app import make_application  # noqa: E402
from hms_desktop.ui.audit.audit_tab import AuditTab  # noqa: E402
from hms_desktop.ui.audit.audit_table_model import AuditRecordRole  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402
from hms_desktop.ui.settings.clinic_settings_dialog import ClinicSettingsDialog  # noqa: E402
from hms_desktop.ui.staff.staff_dialog import ResetPasswordDialog, StaffDialog  # noqa: E402
from hms_desktop.ui.staff.staff_tab import StaffTab  # noqa: E402

STAFF_PASSWORD = "Staff-pass-1"






def main() -> int:
    folder = output_folder()
    services, user = scratch_clinic("hms-admin-shots-")
    for username, name, role in (
        ("m.jensen", "Maria Jensen", "receptionist"),
        ("dr.okafor", "Dr. Chinedu Okafor", "doctor"),
        ("l.fernandez", "Lucía Fernández-Castillo", "nurse"),
        ("p.nair", "Priya Nair", "receptionist"),
        ("t.old", "Tom Oldfield", "receptionist"),
    ):
        services.staff.add(username, name, role, STAFF_PASSWORD)
    members = {m.username: m for m in services.staff.list()}
    services.staff.update(members["p.nair"].id, members["p.nair"].version, full_name="Priya Nair-Menon", role="nurse")
    services.staff.set_active(members["t.old"].id, members["t.old"].version, False)
    for _ in range(5):  # lock one account
        try:
            services.auth.sign_in("m.jensen", "wrong-password")
        except AuthenticationFailed:
            pass
    other = build_services(services.db.url.render_as_string(hide_password=False))
    other.auth.sign_in("dr.okafor", STAFF_PASSWORD)
    other.close()
    services.auth.sign_in("asha", ADMIN_PASSWORD)
    services.demo.load_patients(300)
    services.settings.update(replace(services.settings.get(), clinic_name="Riverside Family Clinic", idle_lock_minutes=15))

    app = make_application()
    runner = TaskRunner()

    staff_tab = StaffTab(services.staff, runner, user)
    staff_tab.resize(1100, 520)
    staff_tab.show()
    staff_tab.refresh()
    save(staff_tab, folder, "staff_tab", runner)
    staff_tab.show_inactive.setChecked(True)
    staff_tab.select_member(members["l.fernandez"].id)
    save(staff_tab, folder, "staff_tab_all", runner)

    add = StaffDialog(services.staff, runner, None, staff_tab)
    add.open()
    add.username.setText("asha")
    add.full_name.setText("")
    add.password.setText("short")
    add.repeat.setText("short")
    add._submit()
    save(add, folder, "staff_add_dialog_errors", runner)
    add.close()

    current = services.staff.get(members["dr.okafor"].id)
    edit = StaffDialog(services.staff, runner, current, staff_tab)
    edit.open()
    other = build_services(services.db.url.render_as_string(hide_password=False))
    other.auth.sign_in("asha", ADMIN_PASSWORD)
    other.staff.update(current.id, current.version, full_name="Dr. Chinedu A. Okafor", role="doctor")
    other.close()
    edit.full_name.setText("Dr. C. Okafor")
    edit._submit()
    save(edit, folder, "staff_edit_conflict", runner)
    edit.close()

    reset = ResetPasswordDialog(services.staff, runner, services.staff.get(members["m.jensen"].id), staff_tab)
    reset.open()
    save(reset, folder, "staff_reset_password", runner)
    reset.close()

    staff_tab.show_inactive.setChecked(False)
    staff_tab.select_member(members["l.fernandez"].id)
    staff_tab.toggle_selected_active()
    settle(runner)
    box = staff_tab.findChild(QMessageBox, "confirmDeactivate")
    save(box, folder, "staff_confirm_deactivate", runner)
    box.reject()

    audit_tab = AuditTab(services.audit_log, runner)
    audit_tab.resize(1200, 640)
    audit_tab.show()
    audit_tab.refresh()
    settle(runner)
    for row in range(audit_tab.model.rowCount()):
        if audit_tab.model.index(row, 0).data(AuditRecordRole).action == "staff.changed":
            audit_tab.table.selectRow(row)
            break
    save(audit_tab, folder, "audit_tab", runner)
    audit_tab.kind.setCurrentText("Sign-ins")
    save(audit_tab, folder, "audit_tab_signins", runner)

    settings = ClinicSettingsDialog(services.settings, runner)
    settings.open()
    save(settings, folder, "settings_dialog", runner)
    settings.clinic_name.setText("")
    settings._submit()
    save(settings, folder, "settings_dialog_error", runner)
    settings.close()

    runner.wait_for_idle()
    services.close()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
