"""The Audit tab, driven with real clicks and keystrokes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from hms_desktop.services.audit_log import AuditLine, ChangeLine
from hms_desktop.services.errors import AuthenticationFailed
from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.audit.audit_tab import AuditTab, details_text, record_filter
from hms_desktop.ui.audit.audit_table_model import (
    ACTION,
    RECORD,
    SUMMARY,
    WHEN,
    WHO,
    WORKSTATION,
    AuditRecordRole,
    AuditTableModel,
    change_lines,
)
from tests.conftest import add_staff, wait_idle


def open_tab(qtbot, services, runner, **kwargs) -> AuditTab:
    tab = AuditTab(services.audit_log, runner, **kwargs)
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    tab.refresh()
    wait_idle(qtbot, runner)
    return tab


def column(tab: AuditTab, col: int) -> list[str]:
    return [tab.model.index(row, col).data() for row in range(tab.model.rowCount())]


def entries(tab: AuditTab) -> list[AuditLine]:
    return [tab.model.index(row, 0).data(AuditRecordRole) for row in range(tab.model.rowCount())]


def click_row(qtbot, tab: AuditTab, row: int) -> None:
    index = tab.model.index(row, SUMMARY)
    tab.table.scrollTo(index)
    rect = tab.table.visualRect(index)
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def choose(qtbot, combo, text: str) -> None:
    """Pick an item with the keyboard, as a person would: Home, then Down until it shows."""
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text


def _entry(entry_id: int, **overrides) -> AuditLine:
    values = dict(
        id=entry_id, at=datetime(2026, 3, 1, 15, 0, tzinfo=ZoneInfo("Asia/Kolkata")), who="Ada Admin (admin)",
        workstation="DESK-1", action="Staff account changed", action_code="staff.changed",
        record="Staff account: Bob Builder (bob)", entity_type="staff", entity_id="7", summary="Changed account 'bob'",
        changes=(ChangeLine("Full name", "Bob", "Robert"), ChangeLine("Active", "yes", "no"),
                 ChangeLine("E-mail", "(empty)", "b@example.com")),
    )
    values.update(overrides)
    return AuditLine(**values)


def test_audit_model_pages_and_passes_the_model_tester(qtmodeltester):
    model = AuditTableModel()
    wanted: list[int] = []
    model.more_wanted.connect(wanted.append)
    generation = model.start()
    assert not model.canFetchMore()
    assert model.append_page(generation, [_entry(10), _entry(9, action="Signed in", changes=())], page_size=2)
    # A full page means there may be more; asking emits the id to continue below, once.
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert wanted == [9]
    assert not model.canFetchMore()  # waiting for that page
    qtmodeltester.check(model)
    assert model.index(0, WHEN).data() == "2026-03-01 15:00:00"  # as given: the clinic's zone
    assert [model.index(0, c).data() for c in (WHO, WORKSTATION, ACTION, RECORD)] == [
        "Ada Admin (admin)", "DESK-1", "Staff account changed", "Staff account: Bob Builder (bob)",
    ]
    assert model.index(1, ACTION).data() == "Signed in"

    # A page for an older query is dropped.
    assert not model.append_page(generation - 1, [_entry(1)], page_size=2)
    assert model.append_page(generation, [_entry(8, action="Custom thing")], page_size=2)
    assert model.index(2, ACTION).data() == "Custom thing"
    assert not model.canFetchMore()  # a short page was the last
    qtmodeltester.check(model)


def test_change_lines_and_details_text():
    entry = _entry(5)
    assert change_lines(entry) == ["Full name: Bob → Robert", "Active: yes → no", "E-mail: (empty) → b@example.com"]
    text = details_text(entry)
    assert text.splitlines()[0] == "Staff account changed — Staff account: Bob Builder (bob)"
    assert text.splitlines()[1] == "2026-03-01 15:00:00 (Asia/Kolkata) · Ada Admin (admin) at DESK-1 · entry #5"
    assert "Changes:\nFull name: Bob → Robert" in text
    assert "No field changes recorded." in details_text(_entry(6, changes=()))
    assert record_filter(" 42 ") == {"entity_id": "42"}
    assert record_filter("Patient 42") == {"entity_type": "patient", "entity_id": "42"}
    assert record_filter("") == {}


def test_entries_appear_newest_first(qtbot, services, runner, qtmodeltester):
    tab = open_tab(qtbot, services, runner)
    qtmodeltester.check(tab.model)
    assert column(tab, ACTION) == ["Signed in", "Staff account added"]
    assert column(tab, WHO) == ["Ada Admin (admin)", "first-run setup"]
    assert column(tab, WORKSTATION)[0] == services.identity.workstation
    assert column(tab, RECORD) == ["Staff account: Ada Admin (admin)"] * 2
    assert "All 2 matching entries shown" in tab.status.text()

    add_staff(services, "bob", "receptionist")
    qtbot.mouseClick(tab.refresh_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert column(tab, ACTION)[0] == "Staff account added"
    assert column(tab, SUMMARY)[0] == "Created receptionist account 'bob' (Bob)"


def test_filter_by_kind_and_by_record(qtbot, services, runner):
    add_staff(services, "bob", "receptionist")
    bob = next(m for m in services.staff.list() if m.username == "bob")
    services.staff.update(bob.id, bob.version, full_name="Bob Builder", role="nurse")
    with pytest.raises(AuthenticationFailed):
        services.auth.sign_in("nobody", "whatever-it-is")
    patient = services.patients.register(PatientInput(given_name="Ana", family_name="Lima", date_of_birth=date(1990, 1, 2)))
    tab = open_tab(qtbot, services, runner)
    assert tab.model.rowCount() == 6

    choose(qtbot, tab.kind, "Staff")  # passes All and Sign-ins on the way; the newest query wins
    wait_idle(qtbot, runner)
    assert {e.action_code for e in entries(tab)} == {"staff.created", "staff.changed"}
    assert len(entries(tab)) == 3

    choose(qtbot, tab.kind, "Sign-ins")
    wait_idle(qtbot, runner)
    assert [e.action_code for e in entries(tab)] == ["signin.failed", "signin.ok"]

    choose(qtbot, tab.kind, "Patients")
    wait_idle(qtbot, runner)
    assert [e.action_code for e in entries(tab)] == ["patient.created"]

    choose(qtbot, tab.kind, "All")
    qtbot.keyClicks(tab.record, str(bob.id))
    # Typing waits for a pause before asking; the newest filter wins.
    qtbot.waitUntil(lambda: {e.entity_id for e in entries(tab)} == {str(bob.id)}, timeout=5000)
    wait_idle(qtbot, runner)
    assert [e.action_code for e in entries(tab)] == ["staff.changed", "staff.created"]

    tab.record.clear()
    qtbot.keyClicks(tab.record, f"patient {patient.id}")
    qtbot.keyClick(tab.record, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert [e.action_code for e in entries(tab)] == ["patient.created"]

    tab.record.clear()
    qtbot.keyClicks(tab.record, "999999")
    qtbot.keyClick(tab.record, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert tab.model.rowCount() == 0
    assert tab.status.text() == "No entries match."


def test_older_entries_are_fetched_as_you_scroll(qtbot, services, runner, qtmodeltester):
    with services.units.write() as uow:
        for n in range(450):
            uow.audit("signin.failed", entity_type="staff", entity_id=n, summary=f"Bulk entry {n}")
    total = len(services.audit_log.page(limit=1000))
    assert total == 452
    tab = open_tab(qtbot, services, runner)
    assert tab.model.rowCount() == 200
    assert tab.model.has_more
    assert "scroll down for older" in tab.status.text()

    for expected in (400, 452):
        with qtbot.waitSignal(tab.model.more_wanted, timeout=5000):
            tab.table.scrollToBottom()
        wait_idle(qtbot, runner)
        assert tab.model.rowCount() == expected
    assert not tab.model.has_more
    assert tab.status.text() == "All 452 matching entries shown · times in Asia/Kolkata"
    ids = [e.id for e in entries(tab)]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 452
    assert column(tab, ACTION)[-1] == "Staff account added"
    qtmodeltester.check(tab.model)

    # A new filter starts again from the top.
    tab.record.setText("17")
    qtbot.keyClick(tab.record, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    assert column(tab, SUMMARY) == ["Bulk entry 17"]


def test_details_pane_shows_the_field_changes(qtbot, services, runner):
    add_staff(services, "bob", "receptionist")
    bob = next(m for m in services.staff.list() if m.username == "bob")
    services.staff.update(bob.id, bob.version, full_name="Bob Builder", role="nurse")
    tab = open_tab(qtbot, services, runner)
    assert tab.details.toPlainText() == ""

    click_row(qtbot, tab, 0)
    text = tab.details.toPlainText()
    assert text.startswith("Staff account changed — Staff account: Bob Builder (bob)")
    assert "Full name: Bob → Bob Builder" in text
    assert "Role: Receptionist → Nurse" in text
    assert tab.details_title.text() == f"Details of entry #{tab.selected_entry().id}"

    qtbot.keyClick(tab.table, Qt.Key.Key_Down)  # the keyboard moves the selection too
    text = tab.details.toPlainText()
    assert "User name: (empty) → bob" in text
    assert "Role: (empty) → Receptionist" in text

    click_row(qtbot, tab, 2)  # the admin signing in: nothing changed
    assert "No field changes recorded." in tab.details.toPlainText()

    tab.refresh()
    wait_idle(qtbot, runner)
    assert tab.details.toPlainText() == ""
