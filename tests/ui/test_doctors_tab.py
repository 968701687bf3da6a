"""The Doctors tab, the doctor dialog and the specialty list, driven with real clicks and keystrokes,
on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from hms_desktop.services.doctors import DoctorRecord, SpecialtyRecord
from hms_desktop.services.scheduling import SessionInput, Slot
from hms_desktop.ui.doctors.doctor_dialog import DoctorDialog
from hms_desktop.ui.doctors.doctor_table_model import (
    EXPERIENCE,
    FEE,
    HEADERS,
    LOADING,
    LOCATION,
    NAME,
    NEXT_AVAILABLE,
    NONE_FREE,
    NOT_BOOKABLE,
    SPECIALTIES,
    STATUS,
    DoctorRole,
    DoctorTableModel,
    SortRole,
)
from hms_desktop.ui.doctors.doctors_tab import DoctorsTab
from hms_desktop.ui.doctors.specialties_dialog import SpecialtiesDialog
from tests.conftest import STAFF_PASSWORD, add_staff, second_desk, wait_idle
from tests.services.conftest import fix_clock, make_doctor
from tests.ui.widget_helpers import named_box, open_dialog

KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.fixture
def tab(qtbot, services, runner):
    fix_clock(services)
    widget = DoctorsTab(services, runner, services.auth.current)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    widget.refresh()
    wait_idle(qtbot, runner)
    return widget






def closed(dialog: QWidget) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def cell(tab: DoctorsTab, name: str, column: int) -> str:
    row = tab.names().index(name)
    return tab.proxy.index(row, column).data()


def click_row(qtbot, tab: DoctorsTab, name: str) -> None:
    row = tab.names().index(name)
    rect = tab.table.visualRect(tab.proxy.index(row, NAME))
    qtbot.mouseClick(tab.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert tab.selected_doctor().full_name == name


def click_specialty(qtbot, dialog: DoctorDialog, name: str) -> None:
    item = dialog.specialties.item_named(name)
    assert item is not None, [i.text() for i in dialog.specialties.items()]
    rect = dialog.specialties.visualItemRect(item)
    qtbot.mouseClick(dialog.specialties.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def retype(qtbot, widget, text: str) -> None:
    """Select what is there and type over it, as a person would."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(widget, Qt.Key.Key_Delete)
    qtbot.keyClicks(widget, text)


# --- the model ---------------------------------------------------------------------------------


def _doctor(**overrides) -> DoctorRecord:
    values = dict(
        id=1, full_name="Dr Meera Iyer", specialties=(SpecialtyRecord(1, "Dermatology", True),),
        qualifications="MBBS, MD", years_experience=14, location="East wing, room 2", phone="", email="",
        consultation_fee_minor=75050, notes="", active=True, verified=True, verified_at=None,
        staff_account_id=None, version=1,
    )
    values.update(overrides)
    return DoctorRecord(**values)


def _slot(doctor_id: int, local: datetime, minutes: int = 15) -> Slot:
    return Slot(doctor_id, local.astimezone(UTC), (local + timedelta(minutes=minutes)).astimezone(UTC), local,
                local + timedelta(minutes=minutes))


def test_doctor_model_columns_roles_and_qtmodeltester(qtmodeltester):
    model = DoctorTableModel()
    model.set_rows([
        _doctor(),
        _doctor(id=2, full_name="Dr Kabir Shah", verified=False, consultation_fee_minor=120000, years_experience=1,
                specialties=(SpecialtyRecord(2, "Cardiology", True), SpecialtyRecord(1, "Dermatology", True))),
        _doctor(id=3, full_name="Dr Old", active=False, consultation_fee_minor=0),
        _doctor(id=4, full_name="Dr Busy"),
        _doctor(id=5, full_name="Dr Later"),
    ])
    qtmodeltester.check(model)
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())] == list(
        HEADERS.values()
    ) == ["Name", "Specialties", "Location / room", "Fee", "Experience", "Status", "Next available"]
    assert model.index(0, FEE).data() == "₹750.50"
    assert model.index(1, FEE).data() == "₹1,200.00"
    assert model.index(1, SPECIALTIES).data() == "Cardiology, Dermatology"
    assert model.index(0, LOCATION).data() == "East wing, room 2"
    assert [model.index(r, EXPERIENCE).data() for r in (0, 1)] == ["14 years", "1 year"]
    assert [model.index(r, STATUS).data() for r in range(3)] == ["Active", "Unverified", "Inactive"]
    assert model.index(2, NAME).data(DoctorRole).full_name == "Dr Old"
    # Fees sort as numbers, not text.
    assert model.index(1, FEE).data(SortRole) > model.index(0, FEE).data(SortRole) > model.index(2, FEE).data(SortRole)

    # Next available: loading until told; never for a doctor who cannot be booked.
    assert [model.index(r, NEXT_AVAILABLE).data() for r in range(5)] == [
        LOADING, NOT_BOOKABLE, NOT_BOOKABLE, LOADING, LOADING,
    ]
    assert model.waiting_for_next_available() == [1, 4, 5]
    today = date(2030, 1, 7)
    model.set_next_available(
        {1: _slot(1, datetime(2030, 1, 7, 9, 15, tzinfo=KOLKATA)), 4: None,
         5: _slot(5, datetime(2030, 1, 10, 16, 0, tzinfo=KOLKATA))},
        today,
    )
    assert [model.index(r, NEXT_AVAILABLE).data() for r in (0, 3, 4)] == [
        "Today 09:15", NONE_FREE, "Thu 10 Jan 16:00",
    ]
    model.set_next_available({1: _slot(1, datetime(2030, 1, 8, 9, 0, tzinfo=KOLKATA))})
    assert model.index(0, NEXT_AVAILABLE).data() == "Tomorrow 09:00"
    assert model.waiting_for_next_available() == []
    qtmodeltester.check(model)

    # A changed doctor replaces its row and goes back to "loading"; a new one is appended.
    model.update_doctor(_doctor(location="Room 9", version=2))
    assert model.index(0, LOCATION).data() == "Room 9"
    assert model.index(0, NEXT_AVAILABLE).data() == LOADING
    model.update_doctor(_doctor(id=6, full_name="Dr New"))
    assert model.rowCount() == 6
    qtmodeltester.check(model)
    assert DoctorTableModel(currency="INR", locale="en_IN")._display(_doctor(), FEE) == "₹750.50"
    assert DoctorTableModel(currency="EUR", locale="de_DE")._display(_doctor(), FEE) == "750,50\xa0€"


# --- adding, verifying -------------------------------------------------------------------------


def test_add_a_doctor_through_the_dialog_then_verify(qtbot, services, runner, tab, qtmodeltester):
    derm = services.doctors.add_specialty("Dermatology")
    services.doctors.add_specialty("General Medicine")
    add_staff(services, "drmeera", "doctor")
    add_staff(services, "rita", "receptionist")

    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog: DoctorDialog = open_dialog(qtbot, tab, DoctorDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    # Only accounts with the doctor role can be linked.
    choices = [dialog.staff_account.itemText(i) for i in range(dialog.staff_account.count())]
    assert choices == ["Not linked", "Drmeera (drmeera)"]

    qtbot.keyClicks(dialog.full_name, "Dr Meera Iyer")
    click_specialty(qtbot, dialog, "Dermatology")
    assert dialog.specialties.checked_ids() == (derm.id,)
    qtbot.keyClicks(dialog.qualifications, "MBBS, MD (Dermatology)")
    retype(qtbot, dialog.years_experience, "14")
    qtbot.keyClicks(dialog.location, "East wing, room 2")
    qtbot.keyClicks(dialog.phone, "+91 98450 22222")
    qtbot.keyClicks(dialog.fee, "750.50")
    qtbot.keyClicks(dialog.staff_account, "Drm")
    with qtbot.waitSignal(dialog.saved, timeout=10_000) as saved:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog))

    stored = services.doctors.get(saved.args[0].id)
    assert stored.consultation_fee_minor == 75050
    assert (stored.full_name, stored.years_experience, stored.location) == ("Dr Meera Iyer", 14, "East wing, room 2")
    assert [s.name for s in stored.specialties] == ["Dermatology"]
    assert stored.staff_account_id == next(m.id for m in services.staff.list() if m.username == "drmeera")
    assert (stored.verified, stored.active) == (False, True)
    qtmodeltester.check(tab.model)
    assert cell(tab, "Dr Meera Iyer", FEE) == "₹750.50"
    assert cell(tab, "Dr Meera Iyer", STATUS) == "Unverified"
    assert cell(tab, "Dr Meera Iyer", NEXT_AVAILABLE) == NOT_BOOKABLE
    assert tab.selected_doctor().id == stored.id
    assert "verifies" in tab.notice.text()

    # Verify it from the edit dialog.
    qtbot.mouseClick(tab.open_button, Qt.MouseButton.LeftButton)
    dialog = open_dialog(qtbot, tab, DoctorDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    assert dialog.verify_strip.isVisible() and dialog.verify_button.isVisible()
    with qtbot.waitSignal(dialog.doctor_changed, timeout=10_000):
        qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert not dialog.verify_strip.isVisible()
    assert services.doctors.get(stored.id).verified
    assert cell(tab, "Dr Meera Iyer", STATUS) == "Active"
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: closed(dialog))
    # No hours yet, so nothing free; once bookable the column is looked up.
    wait_idle(qtbot, runner)
    assert cell(tab, "Dr Meera Iyer", NEXT_AVAILABLE) == NONE_FREE


def test_the_dialog_shows_errors_next_to_the_fields(qtbot, services, runner, tab):
    services.doctors.add_specialty("Dermatology")
    qtbot.mouseClick(tab.add_button, Qt.MouseButton.LeftButton)
    dialog: DoctorDialog = open_dialog(qtbot, tab, DoctorDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    qtbot.keyClicks(dialog.full_name, "Dr Fee Typo")
    qtbot.keyClicks(dialog.fee, "12.345")
    qtbot.keyClicks(dialog.email, "nobody@")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    # Checked here at once: the fee, and the rest of the form with it.
    assert "two digits" in dialog.errors.text("consultation_fee_minor")
    assert "e-mail" in dialog.errors.text("email")
    assert "specialty" in dialog.errors.text("specialty_ids")
    assert dialog.isVisible()

    retype(qtbot, dialog.fee, "500")
    retype(qtbot, dialog.email, "fee@example.com")
    retype(qtbot, dialog.full_name, "12345")  # the service's own rule: a name has letters
    click_specialty(qtbot, dialog, "Dermatology")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.errors.text("full_name")))
    assert dialog.errors.text("consultation_fee_minor") == ""
    assert services.doctors.search(include_inactive=True) == []


# --- finding a doctor as a caller asks -------------------------------------------------------


def test_filter_by_specialty_location_and_weekday(qtbot, services, runner, tab, qtmodeltester):
    derm = services.doctors.add_specialty("Dermatology")
    cardio = services.doctors.add_specialty("Cardiology")
    thursday = [SessionInput(3, time(9), time(12), 15)]
    monday = [SessionInput(0, time(9), time(12), 15)]
    make_doctor(services, "Dr Meera Iyer", specialty=derm, location="East Wing, room 2", sessions=thursday)
    make_doctor(services, "Dr Kabir Shah", specialty=derm, location="East wing, room 5", sessions=monday)
    make_doctor(services, "Dr Anil Kumar", specialty=derm, location="West wing", sessions=thursday)
    make_doctor(services, "Dr Heart East", specialty=cardio, location="East wing", sessions=thursday)
    tab.refresh()
    wait_idle(qtbot, runner)
    qtmodeltester.check(tab.model)
    qtmodeltester.check(tab.proxy)
    assert tab.names() == ["Dr Anil Kumar", "Dr Heart East", "Dr Kabir Shah", "Dr Meera Iyer"]
    # Filled in after the list: the fixed clock is Monday 07:00, so Monday's doctor is free today.
    assert cell(tab, "Dr Kabir Shah", NEXT_AVAILABLE) == "Today 09:00"
    assert cell(tab, "Dr Meera Iyer", NEXT_AVAILABLE) == "Thu 10 Jan 09:00"

    # "A dermatologist in the east wing on Thursday."
    qtbot.keyClicks(tab.specialty_filter, "Derm")
    assert tab.specialty_filter.currentText() == "Dermatology"
    wait_idle(qtbot, runner)
    assert tab.names() == ["Dr Anil Kumar", "Dr Kabir Shah", "Dr Meera Iyer"]
    qtbot.keyClicks(tab.location_filter, "east wing")
    qtbot.waitUntil(lambda: tab.names() == ["Dr Kabir Shah", "Dr Meera Iyer"])
    qtbot.keyClicks(tab.weekday_filter, "Th")
    assert tab.weekday_filter.currentData() == 3
    qtbot.waitUntil(lambda: tab.names() == ["Dr Meera Iyer"])
    assert tab.search_filters() == {
        "words": "", "specialty_id": derm.id, "location": "east wing", "weekday": 3, "include_inactive": False,
    }
    assert tab.status.text().startswith("1 doctor match")

    # The name box narrows by words in any order; Esc clears every filter.
    qtbot.keyClicks(tab.name_filter, "iyer mee")
    wait_idle(qtbot, runner)
    qtbot.waitUntil(lambda: not tab._search_timer.isActive())
    wait_idle(qtbot, runner)
    assert tab.names() == ["Dr Meera Iyer"]
    qtbot.keyClick(tab.name_filter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(tab.names()) == 4)
    assert tab.specialty_filter.currentData() is None and tab.weekday_filter.currentData() is None

    # Or all of it typed in the one box, as the caller says it.
    qtbot.keyClicks(tab.name_filter, "a dermatologist in the east wing on Thursday")
    qtbot.waitUntil(lambda: tab.names() == ["Dr Meera Iyer"], timeout=5000)
    wait_idle(qtbot, runner)
    assert "read as: Dermatology, “east” in the name or location, “wing” in the name or location, works on Thursday" \
        in tab.status.text()
    tab.name_filter.clear()
    qtbot.keyClicks(tab.name_filter, "cardio thu")
    qtbot.waitUntil(lambda: tab.names() == ["Dr Heart East"], timeout=5000)


# --- editing at two desks ----------------------------------------------------------------------


def test_an_edit_conflict_keeps_my_input_and_shows_theirs(qtbot, services, runner, tab):
    doctor = make_doctor(services, "Dr Priya Nair", location="East wing, room 12")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "Dr Priya Nair")
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog: DoctorDialog = open_dialog(qtbot, tab, DoctorDialog)
    qtbot.waitUntil(lambda: dialog.loaded)
    assert dialog.fee.text() == "500.00"

    # Meanwhile, at another desk: a new room and a new fee.
    other = second_desk(services)
    try:
        current = other.doctors.get(doctor.id)
        other.doctors.update(doctor.id, current.version,
                             replace(current.as_input(), location="West wing, room 3", consultation_fee_minor=60000))
    finally:
        other.close()

    retype(qtbot, dialog.phone, "+91 98450 77777")
    retype(qtbot, dialog.fee, "800")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    assert dialog.isVisible()
    assert "another desk" in dialog.banner.text()
    # Only they changed the room: theirs is taken. We both changed the fee: mine stays, theirs shown.
    assert dialog.location.text() == "West wing, room 3"
    assert "Updated" in dialog.merge.labels["location"].text()
    assert dialog.fee.text() == "800"
    assert "600.00" in dialog.merge.labels["consultation_fee_minor"].text()
    assert dialog.merge.labels["consultation_fee_minor"].isVisible()
    assert dialog.phone.text() == "+91 98450 77777"
    assert not dialog.merge.labels["phone"].isVisible()
    assert cell(tab, "Dr Priya Nair", LOCATION) == "West wing, room 3"  # the list shows their save too

    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    stored = services.doctors.get(doctor.id)
    assert (stored.location, stored.consultation_fee_minor, stored.phone) == (
        "West wing, room 3", 80000, "098450 77777",
    )


def test_deactivate_asks_first_and_receptionists_only_look(qtbot, services, runner, tab):
    make_doctor(services, "Dr Priya Nair")
    tab.refresh()
    wait_idle(qtbot, runner)
    click_row(qtbot, tab, "Dr Priya Nair")
    qtbot.mouseClick(tab.active_button, Qt.MouseButton.LeftButton)
    box = named_box(qtbot, tab, "confirmDeactivateDoctor")
    qtbot.mouseClick(box.findChild(QWidget, "confirmYes"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, runner)
    assert cell(tab, "Dr Priya Nair", STATUS) == "Inactive"
    assert tab.active_button.text() == "Reactivate"
    assert not services.doctors.search("priya")[0:1]  # inactive doctors are left out of a plain search

    add_staff(services, "rita", "receptionist")
    desk = second_desk(services, "rita", STAFF_PASSWORD)
    try:
        fix_clock(desk)
        front = DoctorsTab(desk, runner, desk.auth.current)
        qtbot.addWidget(front)
        front.show()
        qtbot.mouseClick(front.show_inactive, Qt.MouseButton.LeftButton)
        front.refresh()
        wait_idle(qtbot, runner)
        assert front.names() == ["Dr Priya Nair"]
        assert not front.add_button.isVisible() and not front.specialties_button.isVisible()
        click_row(qtbot, front, "Dr Priya Nair")
        assert front.open_button.text() == "Details…"
        assert not front.hours_button.isEnabled()
        qtbot.mouseClick(front.open_button, Qt.MouseButton.LeftButton)
        dialog: DoctorDialog = open_dialog(qtbot, front, DoctorDialog)
        wait_idle(qtbot, runner)
        assert dialog.full_name.isReadOnly() and not dialog.save_button.isVisible()
        dialog.close()
    finally:
        wait_idle(qtbot, runner)
        desk.close()


# --- the specialty list ------------------------------------------------------------------------


def test_specialties_add_rename_and_retire(qtbot, services, runner, tab):
    qtbot.mouseClick(tab.specialties_button, Qt.MouseButton.LeftButton)
    dialog: SpecialtiesDialog = open_dialog(qtbot, tab, SpecialtiesDialog)
    wait_idle(qtbot, runner)
    qtbot.keyClicks(dialog.name, "Dermatology")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.names() == ["Dermatology"])
    assert "Added" in dialog.status.text()
    assert dialog.name.text() == ""
    qtbot.keyClicks(dialog.name, "cardiology")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.names() == ["cardiology", "Dermatology"])

    # A name already on the list (ignoring case) is refused next to the box.
    qtbot.keyClicks(dialog.name, "  DERMATOLOGY ")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(dialog.errors.text("name")))
    assert "already" in dialog.errors.text("name")

    # Rename: pick it, type the new name, press Rename.
    item = dialog.list.item(dialog.names().index("cardiology"))
    qtbot.mouseClick(dialog.list.viewport(), Qt.MouseButton.LeftButton, pos=dialog.list.visualItemRect(item).center())
    assert dialog.name.text() == "cardiology"
    retype(qtbot, dialog.name, "Cardiology (Heart)")
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cardiology (Heart)" in dialog.names())
    assert sorted(s.name for s in services.doctors.specialties()) == ["Cardiology (Heart)", "Dermatology"]

    # Retire the selected one: it stays listed, marked, and leaves the list offered for new doctors.
    assert dialog.selected().name == "Cardiology (Heart)"
    qtbot.mouseClick(dialog.retire_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cardiology (Heart) (retired)" in dialog.names())
    assert [s.name for s in services.doctors.specialties()] == ["Dermatology"]
    assert dialog.retire_button.text().replace("&", "") == "Restore"

    # The tab's filter follows the list.
    wait_idle(qtbot, runner)
    filters = [tab.specialty_filter.itemText(i) for i in range(tab.specialty_filter.count())]
    assert filters == ["Any specialty", "Cardiology (Heart) (retired)", "Dermatology"]
    dialog.close()
