""""Forgot password?" from the sign-in window: a code by e-mail, then the code and a new password.

Both calls run on the worker (the mail is only queued, but bcrypt hashes the new password)."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import HmsError, ValidationError
from ..common.form_helpers import FieldErrors
from ..common.window_fit import grow_to_fit
from ..common.worker import TaskRunner


class ResetsPasswords(Protocol):
    """services.password_reset, or the app shell's stand-in while the services are being imported."""

    def request_reset(self, username: str) -> str: ...

    def confirm_reset(self, username: str, code: str, new_password: str) -> None: ...


class ForgotPasswordDialog(QDialog):
    def __init__(self, resets: ResetsPasswords, runner: TaskRunner, username: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._resets = resets
        self._runner = runner
        self.setWindowTitle("Forgot password")
        self.setMinimumWidth(460)
        self.errors = FieldErrors()

        self.username = QLineEdit(username.strip())
        self.username.setObjectName("reset_username")
        self.send_button = QPushButton("Send code")
        self.send_button.clicked.connect(self._send)
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText("8 digits from the e-mail")
        self.new = self._password_field("new")
        self.repeat = self._password_field("repeat")
        self.set_button = QPushButton("Set password")
        self.set_button.setObjectName("primary")
        self.set_button.clicked.connect(self._confirm)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)

        name_row = QHBoxLayout()
        name_row.addWidget(self.username, 1)
        name_row.addWidget(self.send_button)
        form = QFormLayout()
        name_label = QLabel("&User name")
        name_label.setBuddy(self.username)  # a row holding a layout gets no buddy by itself
        form.addRow(name_label, name_row)
        form.addRow("", self.errors.add("username", self.username))
        form.addRow("&Code", self.code)
        form.addRow("", self.errors.add("code", self.code))
        form.addRow("&New password", self.new)
        form.addRow("", self.errors.add("new_password", self.new))
        form.addRow("&Repeat new password", self.repeat)
        form.addRow("", self.errors.add("repeat", self.repeat))

        intro = QLabel("Type your user name and press Send code: a code goes to the e-mail address on "
                       "your account. Then type it here with your new password.")
        intro.setWordWrap(True)
        self.message = QLabel()
        self.message.setObjectName("bannerInfo")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.set_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        # Enter sends the code from the user name, sets the password from the last field, and never
        # presses a button by itself (a QDialog's auto-default one would be Close).
        for button in (self.send_button, self.set_button, close):
            button.setAutoDefault(False)
        self.username.returnPressed.connect(self._send)
        self.repeat.returnPressed.connect(self._confirm)
        (self.code if self.username.text() else self.username).setFocus()

    def _password_field(self, name: str) -> QLineEdit:
        field = QLineEdit()
        field.setObjectName(name)
        field.setEchoMode(QLineEdit.EchoMode.Password)
        return field

    def _send(self) -> None:
        if not self.username.text().strip():
            self.errors.show({"username": "Enter your user name."})
            return
        self.errors.clear()
        self._busy(True)
        self._runner.submit(self._resets.request_reset, self.username.text(), on_done=self._sent,
                            on_error=self._failed, context=self)

    def _sent(self, answer: str) -> None:
        self._busy(False)
        self._show(answer, error=False)
        self.code.setFocus()

    def _confirm(self) -> None:
        problems = {}
        if not self.username.text().strip():
            problems["username"] = "Enter your user name."
        if not self.code.text().strip():
            problems["code"] = "Type the code from the e-mail."
        if self.new.text() != self.repeat.text():
            problems["repeat"] = "The two new passwords are not the same."
        if problems:
            self.errors.show(problems)
            return
        self.errors.clear()
        self._busy(True)
        self._runner.submit(self._resets.confirm_reset, self.username.text(), self.code.text(), self.new.text(),
                            on_done=self._confirmed, on_error=self._failed, context=self)

    def _confirmed(self, _: object) -> None:
        self._busy(False)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        if isinstance(exc, ValidationError) and exc.fields:
            unplaced = self.errors.show(exc.fields)
            if unplaced:
                self._show("; ".join(unplaced), error=True)
            else:
                self.message.hide()
        elif isinstance(exc, HmsError):
            self._show(exc.message, error=True)
        else:
            raise exc

    def _show(self, text: str, *, error: bool) -> None:
        self.message.setObjectName("bannerError" if error else "bannerInfo")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.message.show()
        grow_to_fit(self)

    def _busy(self, busy: bool) -> None:
        for widget in (self.send_button, self.set_button, self.username, self.code, self.new, self.repeat):
            widget.setEnabled(not busy)
