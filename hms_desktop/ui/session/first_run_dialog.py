"""First run of a new clinic: create the first administrator, and optionally load demo patients."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import ValidationError
from ..common.form_helpers import FieldErrors
from ..common.messages import show_error
from ..common.window_fit import grow_to_fit
from ..common.worker import TaskRunner

if TYPE_CHECKING:  # the database layer is imported after the sign-in window shows (ui/app.py)
    from ...services.identity import CurrentUser

DEFAULT_DEMO_PATIENTS = 2000
DEMO_DOCTORS = 12
DEMO_APPOINTMENTS = 3000


class FirstRunDialog(QDialog):
    """Shown when the database has no staff accounts at all."""

    def __init__(self, services, runner: TaskRunner, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self.user: CurrentUser | None = None
        self.setWindowTitle("Set up HMS Desktop")
        self.setMinimumWidth(480)
        heading = QLabel("Welcome to HMS Desktop")
        heading.setObjectName("heading")
        intro = QLabel(
            f"This database ({services.db.description}) has no staff accounts yet. "
            "Create the first administrator; they can then add the rest of the staff."
        )
        intro.setWordWrap(True)
        self.errors = FieldErrors()
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&Your full name", self.full_name)
        form.addRow("", self.errors.add("full_name", self.full_name))
        form.addRow("&User name", self.username)
        form.addRow("", self.errors.add("username", self.username))
        form.addRow("&Password", self.password)
        form.addRow("", self.errors.add("password", self.password))
        form.addRow("&Repeat password", self.repeat)
        form.addRow("", self.errors.add("repeat", self.repeat))

        self.demo = QCheckBox("Add made-up demo patients, doctors and appointments to try things out")
        self.demo.setObjectName("demo")
        self.demo_count = QSpinBox()
        self.demo_count.setRange(10, 500_000)
        self.demo_count.setSingleStep(1000)
        self.demo_count.setValue(DEFAULT_DEMO_PATIENTS)
        self.demo_count.setEnabled(False)
        self.demo_count.setAccessibleName("Number of demo patients")
        self.demo.toggled.connect(self.demo_count.setEnabled)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo)
        demo_row.addStretch()
        count_row = QHBoxLayout()
        count_label = QLabel("Demo &patients:")
        count_label.setBuddy(self.demo_count)
        count_row.addSpacing(24)
        count_row.addWidget(count_label)
        count_row.addWidget(self.demo_count)
        count_row.addStretch()

        # Filled in once the demo data is made: sign-ins for each role, shown this once.
        self.accounts = QLabel()
        self.accounts.setObjectName("demoAccounts")
        self.accounts.setWordWrap(True)
        self.accounts.setTextFormat(Qt.TextFormat.RichText)
        self.accounts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.accounts.hide()

        self.status = QLabel()
        self.status.setObjectName("subtle")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create and sign in")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(demo_row)
        layout.addLayout(count_row)
        layout.addWidget(self.accounts)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.errors.show({"repeat": "The two passwords are not the same."})
            return
        self.errors.clear()
        self.buttons.setEnabled(False)
        demo = self.demo_count.value() if self.demo.isChecked() else 0
        self.status.setText("Creating the account" + (" and the demo data…" if demo else "…"))
        self._runner.submit(
            self._create, self.username.text(), self.full_name.text(), self.password.text(), demo,
            on_done=self._done, on_error=self._failed, context=self,
        )

    def _create(self, username: str, full_name: str, password: str, demo: int) -> tuple[CurrentUser, list]:
        # Runs on the worker thread: hashing and demo data take a while.
        services = self._services
        services.staff.create_first_admin(username, full_name, password)
        user = services.auth.sign_in(username, password)
        accounts = []
        if demo:
            services.demo.load_patients(demo)
            doctors = min(DEMO_DOCTORS, (demo - 1) // 2)
            if doctors:
                services.demo_schedule.load(doctors=doctors, appointments=min(demo, DEMO_APPOINTMENTS))
            accounts = services.demo_schedule.create_demo_accounts()
        return user, accounts

    def _done(self, result: tuple[CurrentUser, list]) -> None:
        user, accounts = result
        self.user = user
        if not accounts:
            self.accept()
            return
        # Shown once: the temporary passwords are not stored anywhere and cannot be shown again.
        rows = "".join(
            f"<tr><td>{escape(a.role.capitalize())}</td><td><b>{escape(a.username)}</b></td>"
            f"<td><tt>{escape(a.temporary_password)}</tt></td>"
            f"<td>{escape('linked to ' + a.doctor_name if a.doctor_name else '')}</td></tr>"
            for a in accounts
        )
        self.accounts.setText(
            "<p><b>Demo sign-ins, to try each role.</b> Note these temporary passwords now: they are shown "
            "only this once, and each must be changed at its first sign-in.</p>"
            f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
        )
        self.accounts.show()
        self.status.setText("Your administrator account is ready.")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Continue")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).hide()
        self.buttons.accepted.disconnect(self._submit)
        self.buttons.accepted.connect(self.accept)
        self.buttons.setEnabled(True)
        for field in (self.full_name, self.username, self.password, self.repeat, self.demo, self.demo_count):
            field.setEnabled(False)
        grow_to_fit(self)
        ok.setFocus()

    def reject(self) -> None:
        if self.user is not None:  # the accounts exist already: Esc just goes on
            self.accept()
            return
        super().reject()

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.status.clear()
        if isinstance(exc, ValidationError):
            for message in self.errors.show(exc.fields):
                show_error(self, ValidationError({}, message))
        else:
            show_error(self, exc)
