"""Change one's own password (also forced after an administrator reset it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...services.errors import ValidationError
from ..common.form_helpers import FieldErrors
from ..common.messages import show_error
from ..common.worker import TaskRunner

if TYPE_CHECKING:  # the database layer is imported after the sign-in window shows (ui/app.py)
    from ...services.auth import AuthService


class ChangePasswordDialog(QDialog):
    def __init__(self, auth: AuthService, runner: TaskRunner, *, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self._runner = runner
        self.setWindowTitle("Change your password")
        self.errors = FieldErrors()
        self.current = self._password_field("current")
        self.new = self._password_field("new")
        self.repeat = self._password_field("repeat")
        form = QFormLayout()
        form.addRow("&Current password", self.current)
        form.addRow("", self.errors.add("current_password", self.current))
        form.addRow("&New password", self.new)
        form.addRow("", self.errors.add("new_password", self.new))
        form.addRow("&Repeat new password", self.repeat)
        form.addRow("", self.errors.add("repeat", self.repeat))
        layout = QVBoxLayout(self)
        if forced:
            note = QLabel("An administrator set a temporary password for you. Please choose your own now.")
            note.setObjectName("bannerInfo")
            note.setWordWrap(True)
            layout.addWidget(note)
        hint = QLabel("At least 8 characters. A short sentence is easy to remember and hard to guess.")
        hint.setObjectName("subtle")
        hint.setWordWrap(True)
        layout.addLayout(form)
        layout.addWidget(hint)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _password_field(self, name: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def _submit(self) -> None:
        if self.new.text() != self.repeat.text():
            self.errors.show({"repeat": "The two new passwords are not the same."})
            return
        self.errors.clear()
        self.buttons.setEnabled(False)
        self._runner.submit(
            self._auth.change_own_password, self.current.text(), self.new.text(),
            on_done=lambda _: self.accept(), on_error=self._failed, context=self,
        )

    def _failed(self, exc: Exception) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            for message in self.errors.show(exc.fields):
                show_error(self, ValidationError({}, message))
        else:
            show_error(self, exc)
