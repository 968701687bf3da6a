"""Issue 8's goal, measured: the front desk's two common journeys through the real main window,
keys only, each test counting its own steps (a run of typed characters is one step, each key or
chord is one). A first-time walk-in is registered, booked into the next free time of a chosen
doctor and handed a slip in 12 steps or fewer; a returning patient is found, booked and handed a
slip in 7 or fewer. The slip goes to a PDF file through the print path and is read back."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from hms_desktop.ui.main_window import MainWindow
from tests.conftest import wait_idle
from tests.documents.pdf_text import text as pdf_text
from tests.services.conftest import TODAY, at, fix_clock, make_doctor, make_patients

ALT, CTRL, SHIFT = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
FIRST_TIME_GOAL, RETURNING_GOAL = 12, 7


class Desk:
    """A receptionist at the keyboard: every key goes to whatever has the focus, and is counted."""

    def __init__(self, qtbot, runner, window) -> None:  # type: ignore[no-untyped-def]
        self.window = window
        self.qtbot = qtbot
        self.runner = runner
        self.steps: list[str] = []

    def focus(self):  # type: ignore[no-untyped-def]
        if QApplication.focusWidget() is None:
            # A window manager activates the window under a closed dialog; the offscreen screen
            # does not, so do what it would (not a step: the receptionist does nothing).
            top = QApplication.activeModalWidget() or self.window
            top.activateWindow()
        self.qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=10_000)
        return QApplication.focusWidget()

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(self.focus(), text)
        self.steps.append(repr(text))
        self._settle()

    def key(self, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier, label: str = "") -> None:  # type: ignore[no-untyped-def]
        self.qtbot.keyClick(self.focus(), key, modifier)
        self.steps.append(label or key.name)
        self._settle()

    def see_results(self, window) -> None:  # type: ignore[no-untyped-def]
        """The next free times appear as the doctor is chosen; the receptionist glances (not a step)."""
        dialog = window.scheduler_tab.next_free_dialog
        assert dialog is not None and dialog.doctor.hasFocus()
        self.qtbot.waitUntil(lambda: dialog.results.count() > 0 and dialog.book_button.isDefault(), timeout=10_000)

    def _settle(self) -> None:
        QApplication.processEvents()
        wait_idle(self.qtbot, self.runner)
        self.qtbot.wait(150)  # debounced searches, a button's mnemonic (an animated click) and dialogs opening
        wait_idle(self.qtbot, self.runner)


def _front_desk(qtbot, services, runner, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    # A documents folder of this test's own: a slip left by another test would ask "Replace it?".
    monkeypatch.setenv("HMS_DATA_DIR", str(tmp_path / "data"))
    fix_clock(services)
    make_doctor(services, "Dr Priya Nair")
    max_doctor = make_doctor(services, "Dr Max Schmidt", location="West wing, room 3")
    patients = make_patients(services, 4)
    window = MainWindow(services, runner, services.auth.current)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    wait_idle(qtbot, runner)
    return window, max_doctor, patients


def _saved_slip(qtbot) -> Path:  # type: ignore[no-untyped-def]
    saved = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and shiboken6.isValid(w)]
    assert not [w for w in saved if w.isVisible()], "the save dialog is still open"
    from hms_desktop.paths import documents_dir

    [slip] = documents_dir().glob("Appointment slip *.pdf")
    return slip


def test_a_first_time_walk_in_is_registered_booked_and_handed_a_slip_in_12_steps(qtbot, services, runner, monkeypatch, tmp_path):
    window, doctor, _patients = _front_desk(qtbot, services, runner, monkeypatch, tmp_path)
    desk = Desk(qtbot, runner, window)
    desk.key(Qt.Key.Key_G, CTRL, "Ctrl+G")  # from the Patients tab: the Scheduler's next free time
    desk.type("Dr Max")
    desk.see_results(window)
    desk.key(Qt.Key.Key_Return)  # books the first free time: the booking dialog, on the patient search
    booking = window.scheduler_tab.booking_dialog
    assert booking is not None and booking.slot.doctor_id == doctor.id
    desk.type("Zoe Walker")  # nobody by that name yet
    desk.key(Qt.Key.Key_N, ALT, "Alt+N")  # Register new patient…: the names are filled in, on to the birth date
    form = booking.finder.patient_dialog
    assert form is not None and (form.given_name.text(), form.family_name.text()) == ("Zoe", "Walker")
    assert desk.focus() is form.date_of_birth
    desk.type("1990-04-01")
    desk.key(Qt.Key.Key_Return)  # registers; the booking dialog moves on to the reason
    assert booking.finder.patient is not None and booking.finder.patient.name == "Zoe Walker"
    desk.key(Qt.Key.Key_Return)  # books
    desk.key(Qt.Key.Key_P, CTRL | SHIFT, "Ctrl+Shift+P")  # save the slip as a PDF: the documents folder
    desk.key(Qt.Key.Key_Return)
    slip = _saved_slip(qtbot)

    [patient] = services.patients.search("Zoe Walker").rows
    [appt] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert appt.patient_id == patient.id and appt.kind == "scheduled"
    assert appt.local_start == at(9)  # the clock says 07:00; his day starts at 09:00 and is empty
    written = pdf_text(slip.read_bytes())
    assert "Zoe Walker" in written and "Dr Max Schmidt" in written and appt.patient_mrn in written
    assert len(desk.steps) <= FIRST_TIME_GOAL, desk.steps


def test_a_returning_patient_is_found_booked_and_handed_a_slip_in_7_steps(qtbot, services, runner, monkeypatch, tmp_path):
    window, doctor, (_asha, _ravi, meera, _john) = _front_desk(qtbot, services, runner, monkeypatch, tmp_path)
    assert window.tabs.currentWidget() is window.patients_tab  # where the desk starts
    desk = Desk(qtbot, runner, window)
    desk.key(Qt.Key.Key_G, CTRL, "Ctrl+G")  # the next free time, from any tab
    desk.type("Dr Max")
    desk.see_results(window)
    desk.key(Qt.Key.Key_Return)  # books his first free time: the booking dialog, on the patient search
    booking = window.scheduler_tab.booking_dialog
    assert booking is not None and booking.slot.doctor_id == doctor.id
    desk.type("meera")
    desk.key(Qt.Key.Key_Return)  # the one match is chosen; on to the reason
    assert booking.finder.patient is not None and booking.finder.patient.id == meera
    desk.key(Qt.Key.Key_P, CTRL | SHIFT, "Ctrl+Shift+P")  # Book and save slip: the save dialog opens
    desk.key(Qt.Key.Key_Return)  # saves, in the documents folder
    slip = _saved_slip(qtbot)

    [appt] = services.scheduling.doctor_day(doctor.id, TODAY)
    assert appt.patient_id == meera and appt.local_start == at(9) and appt.kind == "scheduled"
    written = pdf_text(slip.read_bytes())
    assert "Meera PatC2" in written and "Dr Max Schmidt" in written and appt.patient_mrn in written
    assert len(desk.steps) <= RETURNING_GOAL, desk.steps
