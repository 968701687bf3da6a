"""First run of a new clinic: create the first administrator, and optionally load demo patients."""

from __future__ import annotations

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
from ...services.identity import CurrentUser
from ..common.form_helpers import FieldErrors
from ..common.messages import show_error
from ..common.worker import TaskRunner

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
        self.demo.toggled.connect(self.demo_count.setEnabled)
        demo_row = QHBoxLayout()
        demo_row.addWidget(self.demo)
        demo_row.addWidget(self.demo_count)
        demo_row.addStretch()

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

    def _create(self, username: str, full_name: str, password: str, demo: int) -> CurrentUser:
        # Runs on the worker thread: hashing and demo data take a while.
        services = self._services
        services.staff.create_first_admin(username, full_name, password)
        user = services.auth.sign_in(username, password)
        if demo:
            services.demo.load_patients(demo)
            doctors = min(DEMO_DOCTORS, (demo - 1) // 2)
            if doctors:
                services.demo_schedule.load(doctors=doctors, appointments=min(demo, DEMO_APPOINTMENTS))
        return user

    def _done(self, user: CurrentUser) -> None:
        self.user = user
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        self.status.clear()
        if isinstance(exc, ValidationError):
            for message in self.errors.show(exc.fields):
                show_error(self, ValidationError({}, message))
        else:
            show_error(self, exc)
