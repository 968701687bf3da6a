"""Two desks edit the same record through the real dialogs (two sets of services, one database).

The fault this holds: desk B's save was refused because desk A had saved a new phone; B's form
still held the old phone, and B's next Save wrote it back over A's without a word.
"""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from hms_desktop.services.patients import PatientInput
from hms_desktop.ui.common.worker import TaskRunner
from hms_desktop.ui.patients.patient_dialog import PatientDialog
from tests.conftest import second_desk, wait_idle
from tests.ui.widget_helpers import type_into


@pytest.fixture
def desk_b(services, qtbot):  # noqa: ARG001 - qtbot: a QApplication exists
    other = second_desk(services)
    runner = TaskRunner()
    yield other, runner
    runner.shutdown(10_000)
    other.close()


def retype(qtbot, widget, text: str) -> None:
    widget.setFocus()
    if hasattr(widget, "selectAll"):
        widget.selectAll()
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    type_into(qtbot, widget, text)


def test_after_the_conflict_notice_saving_again_keeps_the_other_desks_change(qtbot, services, runner, desk_b):
    other, runner_b = desk_b
    record = services.patients.register(
        PatientInput(given_name="Asha", family_name="Rao", date_of_birth=date(1984, 5, 17),
                     phone="+91 98450 12345", address="12 Old Road")
    )
    dialog_a = PatientDialog(services.patients, runner, services.patients.get(record.id))
    dialog_b = PatientDialog(other.patients, runner_b, other.patients.get(record.id))
    qtbot.addWidget(dialog_a)
    qtbot.addWidget(dialog_b)
    dialog_a.show()
    dialog_b.show()

    # Desk A saves a new phone number.
    retype(qtbot, dialog_a.phone, "+91 90000 11111")
    with qtbot.waitSignal(dialog_a.saved, timeout=10_000):
        qtbot.mouseClick(dialog_a.save_button, Qt.MouseButton.LeftButton)

    # Desk B, editing the address of the version it opened, is refused with the notice.
    dialog_b.address.setFocus()
    dialog_b.address.selectAll()
    qtbot.keyClick(dialog_b.address, Qt.Key.Key_Delete)
    type_into(qtbot, dialog_b.address, "7 New Street")
    qtbot.mouseClick(dialog_b.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner_b)
    assert dialog_b.isVisible()
    assert "another desk" in dialog_b.banner.text()
    assert "Phone" in dialog_b.banner.text()
    # The form holds the other desk's phone, this desk's address, and edits their version now.
    assert dialog_b.phone.text() == "090000 11111"
    assert dialog_b.address.toPlainText() == "7 New Street"
    assert dialog_b.record.version == record.version + 1

    # Saving again keeps A's phone and B's address; the audit log never shows the phone going back.
    with qtbot.waitSignal(dialog_b.saved, timeout=10_000):
        qtbot.mouseClick(dialog_b.save_button, Qt.MouseButton.LeftButton)
    stored = services.patients.get(record.id)
    assert (stored.phone, stored.address, stored.version) == ("090000 11111", "7 New Street", record.version + 2)
    changes = [e.changes for e in services.audit.recent(entity_type="patient", entity_id=str(record.id))]
    assert {"address": ["12 Old Road", "7 New Street"]} in changes
    assert {"phone": ["+919845012345", "+919000011111"]} in changes
    assert not any(c and c.get("phone") == ["+919000011111", "+919845012345"] for c in changes)


def test_fields_both_desks_changed_keep_mine_and_show_theirs(qtbot, services, runner, desk_b):
    other, runner_b = desk_b
    record = services.patients.register(
        PatientInput(given_name="Ravi", family_name="Kumar", date_of_birth=date(1990, 1, 2), email="old@example.com")
    )
    dialog_a = PatientDialog(services.patients, runner, services.patients.get(record.id))
    dialog_b = PatientDialog(other.patients, runner_b, other.patients.get(record.id))
    qtbot.addWidget(dialog_a)
    qtbot.addWidget(dialog_b)
    retype(qtbot, dialog_a.email, "a@example.com")
    with qtbot.waitSignal(dialog_a.saved, timeout=10_000):
        qtbot.mouseClick(dialog_a.save_button, Qt.MouseButton.LeftButton)
    retype(qtbot, dialog_b.email, "b@example.com")
    qtbot.mouseClick(dialog_b.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner_b)
    assert dialog_b.email.text() == "b@example.com"
    assert dialog_b.merge.labels["email"].text() == "The other desk saved: a@example.com — yours is kept above."
    assert "You both changed E-mail" in dialog_b.banner.text()
    # "Use their version" puts every field back to theirs.
    qtbot.mouseClick(dialog_b.use_theirs_button, Qt.MouseButton.LeftButton)
    assert dialog_b.email.text() == "a@example.com"
    assert not dialog_b.merge.labels["email"].isVisible()


def test_two_staff_dialogs_the_other_desks_role_survives_my_save(qtbot, services, runner, desk_b):
    from hms_desktop.ui.staff.staff_dialog import StaffDialog
    from tests.conftest import add_staff

    other, runner_b = desk_b
    add_staff(services, "bob", "receptionist")
    bob = next(m for m in services.staff.list() if m.username == "bob")
    dialog_a = StaffDialog(services.staff, runner, bob)
    dialog_b = StaffDialog(other.staff, runner_b, other.staff.get(bob.id))
    qtbot.addWidget(dialog_a)
    qtbot.addWidget(dialog_b)
    dialog_a.show()
    dialog_b.show()
    # Desk A makes Bob a nurse.
    dialog_a.role.setFocus()
    qtbot.keyClicks(dialog_a.role, "Nurse")
    with qtbot.waitSignal(dialog_a.saved, timeout=10_000):
        qtbot.mouseClick(dialog_a.save_button, Qt.MouseButton.LeftButton)
    # Desk B, which opened Bob before that, corrects his name and is refused once.
    retype(qtbot, dialog_b.full_name, "Robert Builder")
    qtbot.mouseClick(dialog_b.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner_b)
    assert dialog_b.isVisible() and "Someone else changed the account 'bob'" in dialog_b.banner.text()
    assert dialog_b.role.currentData() == "nurse" and dialog_b.full_name.text() == "Robert Builder"
    with qtbot.waitSignal(dialog_b.saved, timeout=10_000):
        qtbot.mouseClick(dialog_b.save_button, Qt.MouseButton.LeftButton)
    stored = services.staff.get(bob.id)
    assert (stored.full_name, stored.role) == ("Robert Builder", "nurse")
