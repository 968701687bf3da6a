"""The Staff tab, driven with real clicks and keystrokes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from hms_desktop.services.errors import AuthenticationFailed, ValidationError
from hms_desktop.services.staff import StaffMember
from hms_desktop.ui.staff.staff_dialog import ResetPasswordDialog, StaffDialog
from hms_desktop.ui.staff.staff_tab import StaffTab
from hms_desktop.ui.staff.staff_table_model import (
    FULL_NAME,
    LAST_SIGN_IN,
    ROLE,
    STATUS,
    USERNAME,
    StaffMemberRole,
    StaffTableModel,
)
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.ui.widget_helpers import named_box, open_dialog

NEW_PASSWORD = "Rita-temp-pass-1"


@pytest.fixture
def tab(qtbot, services, runner):
    tab = StaffTab(services.staff, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.resize(1000, 500)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    return tab




def closed(dialog: QWidget) -> bool:
    # Dialogs delete themselves on close; either way they are gone.
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def usernames(tab: StaffTab) -> list[str]:
    return [tab.proxy.index(row, USERNAME).data() for row in range(tab.proxy.rowCount())]


def cell(tab: StaffTab, username: str, column: int) -> str:
    row = usernames(tab).index(username)
    return tab.proxy.index(row, column).data()


def click_row(qtbot, tab: StaffTab, username: str) -> None:
    row = usernames(tab).index(username)
    rect = tab.table.visualRect(tab.proxy.index(row, USERNAME))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected_member().username == username






def member(services, username: str) -> StaffMember:
    return next(m for m in services.staff.list() if m.username == username)


# --- the model ---------------------------------------------------------------------------------


def _member(**overrides) -> StaffMember:
    values = dict(
        id=1, username="rita", full_name="Rita Reception", role="receptionist", active=True, locked_until=None,
        last_signin_at=None, must_change_password=False, version=1,
    )
    values.update(overrides)
    return StaffMember(**values)


def test_staff_model_columns_roles_and_statuses(qtmodeltester):
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    locked_until = now + timedelta(minutes=10)
    model = StaffTableModel(now=lambda: now)
    model.set_rows(
        [
            _member(),
            _member(id=2, username="old", active=False, last_signin_at=now - timedelta(days=3)),
            _member(id=3, username="locked", locked_until=locked_until, must_change_password=True),
            _member(id=4, username="was.locked", locked_until=now - timedelta(minutes=1)),
        ]
    )
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == [
        "User name", "Full name", "Role", "Status", "Last sign-in",
    ]
    status = [model.index(r, STATUS).data() for r in range(4)]
    assert status == [
        "Active", "Deactivated", f"Locked until {locked_until.astimezone().strftime('%H:%M')}", "Active",
    ]
    assert model.index(0, ROLE).data() == "Receptionist"
    assert model.index(0, LAST_SIGN_IN).data() == "Never"
    assert model.index(1, LAST_SIGN_IN).data() == (now - timedelta(days=3)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert model.index(2, FULL_NAME).data(StaffMemberRole).username == "locked"
    # Replacing a row in place keeps the others.
    model.update_member(_member(full_name="Rita Renamed", version=2))
    assert model.index(0, FULL_NAME).data() == "Rita Renamed"
    assert model.rowCount() == 4
    qtmodeltester.check(model)


def test_the_tab_lists_active_staff_and_filters(qtbot, services, runner, qtmodeltester):
    add_staff(services, "rita", "receptionist")
    add_staff(services, "doc.who", "doctor")
    gone = member(services, "doc.who")
    services.staff.set_active(gone.id, gone.version, False)
    tab = StaffTab(services.staff, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.proxy)
    assert sorted(usernames(tab)) == ["admin", "rita"]
    assert "1 deactivated hidden" in tab.status.text()

    qtbot.mouseClick(tab.show_inactive, Qt.MouseButton.LeftButton)
    assert sorted(usernames(tab)) == ["admin", "doc.who", "rita"]
    assert cell(tab, "doc.who", STATUS) == "Deactivated"

    qtbot.keyClicks(tab.filter, "recep")
    assert usernames(tab) == ["rita"]
    tab.filter.clear()
    qtbot.keyClicks(tab.filter, "ada adm")  # words match anywhere in name, user name or role
    assert usernames(tab) == ["admin"]


# --- adding ------------------------------------------------------------------------------------


def test_add_a_receptionist_who_can_then_sign_in(qtbot, services, runner, tab):
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    assert dialog.role.currentData() == "receptionist"  # the usual case comes first
    qtbot.keyClicks(dialog.username, "rita")
    qtbot.keyClicks(dialog.full_name, "Rita Reception")
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.repeat, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.saved, timeout=10000) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert saved.args[0].username == "rita"
    qtbot.waitUntil(lambda: closed(dialog))

    assert cell(tab, "rita", FULL_NAME) == "Rita Reception"
    assert cell(tab, "rita", ROLE) == "Receptionist"
    assert cell(tab, "rita", STATUS) == "Active"
    assert tab.selected_member().username == "rita"
    assert "Rita Reception" in tab.notice.text()

    desk = second_desk(services, "rita", NEW_PASSWORD)
    try:
        assert desk.auth.current.role == "receptionist"
        assert desk.auth.current.must_change_password
    finally:
        desk.close()


def test_a_taken_user_name_is_shown_next_to_the_field(qtbot, services, runner, tab):
    add_staff(services, "rita", "receptionist")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    qtbot.keyClicks(dialog.username, "RITA")
    qtbot.keyClicks(dialog.full_name, "Another Rita")
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.repeat, NEW_PASSWORD + "x")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # The repeat is checked here, before anything goes to the database.
    assert dialog.errors.text("repeat") == "The two passwords are not the same."
    assert not runner.busy

    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, NEW_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "already taken" in dialog.errors.text("username")
    assert dialog.errors.text("repeat") == ""
    assert dialog.isVisible()
    assert dialog.username.property("invalid") is True
    assert dialog.buttons.isEnabled()
    assert [m.full_name for m in services.staff.list() if m.username == "rita"] == ["Rita"]


def test_add_dialog_shows_every_field_problem_at_once(qtbot, services, runner, tab):
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    qtbot.keyClicks(dialog.username, "X")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.errors.text("username").startswith("Use 2 to 64 characters")
    assert dialog.errors.text("full_name") == "Enter the person's full name."
    assert dialog.errors.text("password")
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    # What was typed is not thrown away without asking.
    question = named_box(qtbot, dialog, "discardGuard")
    assert not closed(dialog)
    qtbot.mouseClick(question.findChild(QPushButton, "confirmYes"), Qt.MouseButton.LeftButton)
    assert closed(dialog)
    assert usernames(tab) == ["admin"]


# --- editing and conflicts --------------------------------------------------------------------


def test_edit_name_and_role(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    assert dialog.full_name.text() == "Bob"
    dialog.full_name.selectAll()
    qtbot.keyClicks(dialog.full_name, "Bob Builder")
    qtbot.keyClicks(dialog.role, "Nurse")  # keyboard search in the closed combo box
    assert dialog.role.currentData() == "nurse"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: closed(dialog))
    assert (cell(tab, "bob", FULL_NAME), cell(tab, "bob", ROLE)) == ("Bob Builder", "Nurse")
    assert member(services, "bob").role == "nurse"


def test_edit_the_e_mail_address_a_bad_one_is_shown_next_to_the_field(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    assert dialog.email.text() == ""
    qtbot.keyClicks(dialog.email, "bob@")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert "does not look like an e-mail address" in dialog.errors.text("email")
    assert dialog.isVisible() and dialog.email.text() == "bob@"  # nothing typed is lost
    qtbot.keyClicks(dialog.email, "Example.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: closed(dialog))
    assert member(services, "bob").email == "bob@example.com"


def test_edit_conflict_shows_the_other_desks_change(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)

    other = second_desk(services)
    try:
        bob = member(other, "bob")
        other.staff.update(bob.id, bob.version, full_name="Robert Other-Desk", role="doctor")
    finally:
        other.close()

    dialog.full_name.selectAll()
    qtbot.keyClicks(dialog.full_name, "Bob Mine")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    # Still open: my name kept (we both changed it, theirs shown beneath), their role taken.
    assert dialog.isVisible()
    assert "Someone else changed the account 'bob'" in dialog.banner.text()
    assert dialog.full_name.text() == "Bob Mine"
    assert dialog.merge.labels["full_name"].text() == "The other desk saved: Robert Other-Desk — yours is kept above."
    assert dialog.role.currentData() == "doctor"
    assert dialog.merge.labels["role"].text() == "Updated to the other desk's version."
    # The list shows their change too.
    assert cell(tab, "bob", FULL_NAME) == "Robert Other-Desk"
    assert cell(tab, "bob", ROLE) == "Doctor"

    # Saving again keeps my name on top of their version, and their role.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: closed(dialog))
    assert cell(tab, "bob", FULL_NAME) == "Bob Mine"
    assert member(services, "bob").role == "doctor"


def test_a_refusal_without_a_field_is_shown_in_the_banner(qtbot, services, runner, tab):
    """The dialog used to call a method that does not exist when a ValidationError named no field
    it shows (such as the unit of work's "the database cannot store that value", keyed "")."""
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog: StaffDialog = open_dialog(qtbot, tab, StaffDialog)
    dialog._failed(ValidationError({"": "The database cannot store that value.", "active": "Not here."}))
    assert dialog.banner.isVisible()
    assert dialog.banner.text() == "The database cannot store that value. Not here."
    assert dialog.isVisible()


def test_deactivate_conflict_shows_a_message_and_reloads_the_row(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")

    other = second_desk(services)
    try:
        bob = member(other, "bob")
        other.staff.update(bob.id, bob.version, full_name="Bob Changed", role="nurse")
    finally:
        other.close()

    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    box = named_box(qtbot, tab, "confirmDeactivate")
    qtbot.mouseClick(box.findChild(QWidget, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    error = named_box(qtbot, tab, "hmsMessage")
    assert error.windowTitle() == "Changed by someone else"
    assert "Someone else changed the account 'bob'" in error.text()
    assert (cell(tab, "bob", FULL_NAME), cell(tab, "bob", STATUS)) == ("Bob Changed", "Active")
    assert member(services, "bob").active


# --- passwords and deactivation ---------------------------------------------------------------


def test_reset_password_clears_a_lock(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    desk = second_desk(services)
    try:
        for _ in range(5):
            with pytest.raises(AuthenticationFailed):
                desk.auth.sign_in("bob", "not-the-password")
    finally:
        desk.close()
    tab.refresh()
    wait_idle(qtbot, runner)
    assert cell(tab, "bob", STATUS).startswith("Locked until ")

    click_row(qtbot, tab, "bob")
    qtbot.mouseClick(tab.reset_button, Qt.MouseButton.LeftButton)
    dialog: ResetPasswordDialog = open_dialog(qtbot, tab, ResetPasswordDialog)
    explanation = dialog.findChild(QWidget, "bannerInfo").text()
    assert "choose their own password the next time they sign in" in explanation
    assert "clears a lock" in explanation
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.repeat, "short")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.errors.text("password")  # the service's rule, shown under the field

    for field in (dialog.password, dialog.repeat):
        field.clear()
        qtbot.keyClicks(field, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.saved, timeout=10000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert cell(tab, "bob", STATUS) == "Active"
    assert "temporary password" in tab.notice.text()

    desk = second_desk(services, "bob", NEW_PASSWORD)
    try:
        assert desk.auth.current.must_change_password
    finally:
        desk.close()


def test_deactivate_asks_first_and_reactivate_does_not(qtbot, services, runner, tab):
    add_staff(services, "bob", "receptionist")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "bob")
    assert tab.active_button.text() == "Deactivate…"

    # Cancel: nothing happens.
    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    box = named_box(qtbot, tab, "confirmDeactivate")
    assert "Bob (bob)" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not runner.busy
    assert member(services, "bob").active

    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    box = named_box(qtbot, tab, "confirmDeactivate")
    qtbot.mouseClick(box.findChild(QWidget, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert not member(services, "bob").active
    assert "bob" not in usernames(tab)  # hidden until "Show deactivated" is ticked
    assert "Deactivated the account of Bob" in tab.notice.text()

    qtbot.mouseClick(tab.show_inactive, Qt.MouseButton.LeftButton)
    assert cell(tab, "bob", STATUS) == "Deactivated"
    click_row(qtbot, tab, "bob")
    assert tab.active_button.text() == "Reactivate"
    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert cell(tab, "bob", STATUS) == "Active"
    assert member(services, "bob").active

    desk = second_desk(services, "bob", STAFF_PASSWORD)  # signs in again
    assert desk.auth.current.username == "bob"
    desk.close()


def test_you_cannot_deactivate_yourself(qtbot, services, runner, tab):
    click_row(qtbot, tab, "admin")
    assert not tab.active_button.isEnabled()
    assert tab.edit_button.isEnabled()


def test_without_permission_the_buttons_are_off_and_the_refusal_is_shown(qtbot, services, runner):
    add_staff(services, "desk", "receptionist")
    desk = second_desk(services, "desk", STAFF_PASSWORD)
    try:
        tab = StaffTab(desk.staff, runner, desk.auth.current)
        qtbot.addWidget(tab)
        tab.show()
        assert not tab.add_button.isEnabled()
        tab.refresh()
        wait_idle(qtbot, runner)
        error = named_box(qtbot, tab, "hmsMessage")
        assert error.windowTitle() == "Not allowed"
        assert tab.model.rowCount() == 0
    finally:
        desk.close()
