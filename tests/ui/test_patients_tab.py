"""The Patients tab driven through real clicks and keystrokes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hms_desktop.services.patients import PatientInput, PatientPage, PatientSummary
from hms_desktop.ui.patients.patient_table_model import NAME, PatientIdRole, PatientRole, PatientTableModel
from hms_desktop.ui.patients.patients_tab import PAGE_SIZE, PatientsTab
from tests.conftest import add_staff, second_desk, wait_idle
from tests.ui.widget_helpers import type_into


def person(given="Asha", family="Rao", **kw) -> PatientInput:
    kw.setdefault("date_of_birth", date(1984, 5, 17))
    kw.setdefault("sex", "female")
    return PatientInput(given_name=given, family_name=family, **kw)


@pytest.fixture
def tab(qtbot, services, runner):
    widget = PatientsTab(services.patients, runner, services.auth.current)
    qtbot.addWidget(widget)
    widget.resize(1000, 600)
    widget.show()
    widget.reload()
    wait_idle(qtbot, runner)
    return widget




def names(tab) -> list[str]:
    return [tab.model.patient_at(r).full_name for r in range(tab.model.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester):
    model = PatientTableModel()
    generation = model.start()
    rows = [
        PatientSummary(i, f"000000{i}", f"Given{i}", "Family", "female", date(1980, 1, i), i == 2, "", i == 3)
        for i in range(1, 6)
    ]
    model.append_page(generation, PatientPage(rows, ("x", 5)))
    qtmodeltester.check(model)
    assert model.index(1, NAME).data(PatientIdRole) == 2
    assert model.index(2, NAME).data(PatientRole).archived
    assert model.index(2, NAME).data() == "Given3 Family (archived)"


def test_stale_page_from_an_older_search_is_dropped():
    model = PatientTableModel()
    old = model.start()
    new = model.start()
    row = PatientSummary(1, "00000018", "A", "B", "female", date(1980, 1, 1), False, "", False)
    assert not model.append_page(old, PatientPage([row], None))
    assert model.rowCount() == 0
    assert model.append_page(new, PatientPage([row], None))
    assert model.rowCount() == 1


def test_lists_lazily_a_page_at_a_time(qtbot, services, runner):
    services.demo.load_patients(PAGE_SIZE * 2 + 50, seed=7)
    tab = PatientsTab(services.patients, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    wait_idle(qtbot, runner)
    assert tab.model.rowCount() == PAGE_SIZE
    assert tab.status.text() == f"{PAGE_SIZE * 2 + 50:,} patients"
    # Scrolling to the end asks for the next page, until there is no more.
    for expected in (PAGE_SIZE * 2, PAGE_SIZE * 2 + 50):
        tab.table.scrollToBottom()
        qtbot.waitUntil(lambda e=expected: tab.model.rowCount() == e and not runner.busy)
    assert not tab.model.canFetchMore()
    ids = [tab.model.patient_at(r).id for r in range(tab.model.rowCount())]
    assert len(set(ids)) == len(ids)


def test_typing_searches_live_and_the_newest_search_wins(qtbot, services, tab, runner):
    services.patients.register(person("Asha", "Rao"))
    services.patients.register(person("Ravi", "Rao", date_of_birth=date(1990, 1, 1)))
    services.patients.register(person("Meera", "Iyer", date_of_birth=date(1975, 1, 1)))
    type_into(qtbot, tab.search, "rao")
    qtbot.waitUntil(lambda: names(tab) == ["Asha Rao", "Ravi Rao"])
    type_into(qtbot, tab.search, " rav")  # now "rao rav": only Ravi
    qtbot.waitUntil(lambda: names(tab) == ["Ravi Rao"] and not runner.busy)
    assert tab.status.text() == "1 match"
    tab.search.clear()
    type_into(qtbot, tab.search, "nobody here")
    qtbot.waitUntil(lambda: "No patient matches" in tab.status.text())


def test_sorting_by_clicking_the_header(qtbot, services, tab, runner):
    services.patients.register(person("Young", "Zed", date_of_birth=date(2010, 1, 1)))
    services.patients.register(person("Old", "Abel", date_of_birth=date(1940, 1, 1)))
    tab.reload()
    wait_idle(qtbot, runner)
    assert names(tab) == ["Old Abel", "Young Zed"]
    header = tab.table.horizontalHeader()
    x = header.sectionViewportPosition(NAME) + 5
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=header.viewport().rect().center().__class__(x, 5))
    wait_idle(qtbot, runner)
    assert names(tab) == ["Young Zed", "Old Abel"]


def test_ctrl_n_registers_a_patient_typed_in_by_keyboard(qtbot, services, tab, runner):
    qtbot.keyClick(tab, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(tab.dialogs))
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "王")
    type_into(qtbot, dialog.family_name, "芳")
    type_into(qtbot, dialog.date_of_birth, "17/05/1984")
    assert dialog.age_hint.text().endswith("years old")
    type_into(qtbot, dialog.phone, "+86 138 0013 8000")
    type_into(qtbot, dialog.notes, "Prefers Mandarin'); DROP TABLE patients;--")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog not in tab.dialogs  # closed (and deleted) once saved
    stored = services.patients.search("王").rows
    assert len(stored) == 1
    record = services.patients.get(stored[0].id)
    assert (record.given_name, record.family_name, record.date_of_birth) == ("王", "芳", date(1984, 5, 17))
    assert record.notes == "Prefers Mandarin'); DROP TABLE patients;--"
    # The new patient is shown and selected, ready for the next step.
    qtbot.waitUntil(lambda: tab.selected_id() == record.id)


def test_inline_errors_and_nothing_saved(qtbot, services, tab, runner):
    tab.new_patient()
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "Asha")
    type_into(qtbot, dialog.date_of_birth, "31/02/1990")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "Cannot read that date" in dialog.errors.text("date_of_birth")
    dialog.date_of_birth.clear()
    type_into(qtbot, dialog.date_of_birth, f"{date.today().year + 1}-01-01")
    dialog.email.setText("asha@")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.errors.text("date_of_birth") == "The date of birth is in the future."
    assert "e-mail" in dialog.errors.text("email")
    assert dialog.isVisible()
    assert services.patients.count() == 0


def test_duplicate_warning_opens_the_existing_record(qtbot, services, tab, runner):
    existing = services.patients.register(person("Zoë", "Ødegård", phone="+47 912 34 567"))
    tab.new_patient()
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "zoe")
    type_into(qtbot, dialog.family_name, "odegard")
    type_into(qtbot, dialog.date_of_birth, "1984-05-17")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    duplicates = dialog.duplicates_dialog
    assert duplicates is not None and duplicates.isVisible()
    assert duplicates.table.item(0, 1).text() == "Zoë Ødegård"
    assert "same name and date of birth" in duplicates.table.item(0, 4).text().lower()
    qtbot.mouseClick(duplicates.open_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    opened = [d for d in tab.dialogs if d.record is not None]
    assert opened and opened[-1].record.id == existing.id
    assert services.patients.count() == 1


def test_duplicate_warning_can_be_overridden(qtbot, services, tab, runner):
    services.patients.register(person("Asha", "Rao"))
    tab.new_patient()
    dialog = tab.dialogs[-1]
    type_into(qtbot, dialog.given_name, "Asha")
    type_into(qtbot, dialog.family_name, "Rao")
    type_into(qtbot, dialog.date_of_birth, "1984-05-17")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    qtbot.mouseClick(dialog.duplicates_dialog.anyway_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert services.patients.count() == 2


def test_enter_opens_and_a_concurrent_edit_is_shown_not_overwritten(qtbot, services, tab, runner):
    record = services.patients.register(person(phone="+91 98450 12345"))
    tab.reload()
    wait_idle(qtbot, runner)
    tab.table.setFocus()
    tab.table.setCurrentIndex(tab.model.index(0, NAME))
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    wait_idle(qtbot, runner)
    dialog = tab.dialogs[-1]
    assert dialog.record.id == record.id
    # Meanwhile another desk changes the phone number.
    other = second_desk(services)
    try:
        other.patients.update(record.id, record.version, person(phone="+91 90000 00001"))
    finally:
        other.close()
    dialog.email.clear()
    type_into(qtbot, dialog.email, "asha@example.com")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert dialog.isVisible()
    assert "another desk" in dialog.banner.text() and "Phone" in dialog.banner.text()
    # Their phone is in the form now (this desk had not touched it); what this desk typed is kept.
    assert dialog.phone.text() == "090000 00001"
    assert dialog.merge.labels["phone"].text() == "Updated to the other desk's version."
    assert dialog.email.text() == "asha@example.com"
    stored = services.patients.get(record.id)
    assert stored.phone == "090000 00001" and stored.email == ""
    # Saving again keeps both changes: the other desk's phone is not written back over.
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    stored = services.patients.get(record.id)
    assert (stored.phone, stored.email, stored.version) == ("090000 00001", "asha@example.com", 3)


def test_archive_and_show_archived(qtbot, services, tab, runner):
    services.patients.register(person())
    tab.reload()
    wait_idle(qtbot, runner)
    tab.table.setCurrentIndex(tab.model.index(0, NAME))
    qtbot.mouseClick(tab.archive_button, Qt.MouseButton.LeftButton)
    confirm = tab.archive_dialog
    assert confirm is not None and confirm.isVisible()
    qtbot.keyClicks(confirm.reason, "Duplicate of MRN 00000026")
    qtbot.mouseClick(confirm.confirm_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert tab.model.rowCount() == 0
    assert services.audit.recent(action_prefix="patient.archived")[0].summary.endswith(": Duplicate of MRN 00000026")
    qtbot.mouseClick(tab.show_archived, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert names(tab) == ["Asha Rao"] and tab.model.patient_at(0).archived
    tab.table.setCurrentIndex(tab.model.index(0, NAME))
    assert tab.archive_button.text() == "Restore"
    qtbot.mouseClick(tab.archive_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert not services.patients.get(tab.model.patient_at(0).id).archived


def test_ctrl_f_focuses_search_and_down_moves_into_the_list(qtbot, services, tab, runner):
    services.patients.register(person())
    tab.reload()
    wait_idle(qtbot, runner)
    tab.table.setFocus()
    qtbot.keyClick(tab, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is tab.search
    qtbot.keyClick(tab.search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.table
    type_into(qtbot, tab.search, "rao")
    qtbot.keyClick(tab.search, Qt.Key.Key_Escape)  # Escape empties the search box
    assert tab.search.text() == ""


def test_doctor_cannot_register_from_the_tab(qtbot, services, runner):
    add_staff(services, "drmehta", "doctor")
    doctor = second_desk(services, "drmehta", "Staff-pass-1")
    try:
        tab = PatientsTab(doctor.patients, runner, doctor.auth.current)
        qtbot.addWidget(tab)
        assert not tab.new_button.isEnabled()
        assert tab.archive_button.isHidden()
        tab.new_patient()
        assert tab.dialogs == []
    finally:
        runner.wait_for_idle()
        doctor.close()


def test_the_total_shows_as_an_estimate_until_the_exact_count_arrives(qtbot, services, runner, monkeypatch):
    import threading

    from hms_desktop.ui.patients.patients_tab import about

    assert [about(n) for n in (0, 87, 1234, 1480, 203_417, 1_049_999)] == [0, 87, 1200, 1500, 200_000, 1_000_000]
    services.demo.load_patients(1234, seed=3)
    counted = threading.Event()
    exact_count = services.patients.count

    def count_when_let(*args, **kwargs):  # the real count, held back until the test has looked
        counted.wait(10)
        return exact_count(*args, **kwargs)

    monkeypatch.setattr(services.patients, "count", count_when_let)
    tab = PatientsTab(services.patients, runner, services.auth.current)
    qtbot.addWidget(tab)
    tab.show()
    tab.reload()
    qtbot.waitUntil(lambda: tab.status.text() == "about 1,200 patients")
    assert tab.model.rowCount() == PAGE_SIZE  # the first rows came first
    counted.set()
    qtbot.waitUntil(lambda: tab.status.text() == "1,234 patients")
    wait_idle(qtbot, runner)
