"""The sign-in window. The password check (bcrypt) runs on the worker thread.

At start-up the window is shown before the database layer is imported (ui/app.py): it opens with
the clinic's name from the last run and "opening" for the database, and ``set_clinic`` fills them
in once the worker has reached the database. A sign-in pressed before that waits in the worker's
queue behind the opening, so nothing is lost and the window keeps answering."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import HmsError
from ..common.window_fit import grow_to_fit
from ..common.worker import TaskRunner
from .forgot_password_dialog import ForgotPasswordDialog, ResetsPasswords

if TYPE_CHECKING:
    from ...services.identity import CurrentUser


class SignsIn(Protocol):
    """What the window needs of the services (AuthService, or the app shell's stand-in for it
    while the services are still being imported)."""

    def sign_in(self, username: str, password: str) -> CurrentUser: ...


class LoginDialog(QDialog):
    signed_in = Signal(object)  # CurrentUser
    change_database_requested = Signal()

    def __init__(
        self,
        auth: SignsIn,
        runner: TaskRunner,
        *,
        clinic_name: str,
        database_description: str,
        resets: ResetsPasswords | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._auth = auth
        self._resets = resets
        self.forgot_dialog: ForgotPasswordDialog | None = None
        self._runner = runner
        self.user: CurrentUser | None = None
        self.setMinimumWidth(480)

        self.heading = heading = QLabel()
        heading.setObjectName("heading")
        sub = QLabel("HMS Desktop — sign in to continue")
        sub.setObjectName("subtle")

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText("your user name")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("&User name", self.username)
        form.addRow("&Password", self.password)

        self.message = QLabel()
        self.message.setObjectName("bannerError")
        self.message.setWordWrap(True)
        self.message.hide()

        self.buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("primary")
        self.sign_in_button.setDefault(True)
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        self.where = where = QLabel()
        where.setObjectName("subtle")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        change = QPushButton("Use another database…")
        change.setFlat(True)
        change.clicked.connect(self.change_database_requested)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(sub)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        if resets is not None:
            self.forgot_button = QPushButton("Forgot password?")
            self.forgot_button.setFlat(True)
            self.forgot_button.setAutoDefault(False)  # Enter must still sign in once it has been clicked
            self.forgot_button.clicked.connect(self._forgot)
            layout.addWidget(self.forgot_button, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(8)
        layout.addWidget(where)
        layout.addWidget(change, alignment=Qt.AlignmentFlag.AlignLeft)
        self.set_clinic(clinic_name, database_description)
        self.username.setFocus()

    def set_clinic(self, clinic_name: str, database_description: str) -> None:
        self.setWindowTitle(f"Sign in — {clinic_name}")
        self.heading.setText(clinic_name)
        self.where.setText(f"Database: {database_description}")

    def _submit(self) -> None:
        name = self.username.text()
        password = self.password.text()
        if not name.strip() or not password:
            self._show("Enter your user name and password.")
            return
        self._busy(True)
        self._runner.submit(self._auth.sign_in, name, password, on_done=self._ok, on_error=self._failed, context=self)

    def _forgot(self) -> None:
        assert self._resets is not None
        self.forgot_dialog = dialog = ForgotPasswordDialog(self._resets, self._runner, self.username.text(), self)
        dialog.accepted.connect(lambda: self._password_reset(dialog.username.text()))
        dialog.open()

    def _password_reset(self, username: str) -> None:
        self.username.setText(username.strip())
        self.password.clear()
        self.password.setFocus()
        self.sign_in_button.setDefault(True)
        self._show("Your new password is set. Sign in with it.")

    def _ok(self, user: CurrentUser) -> None:
        self._busy(False)
        self.user = user
        self.password.clear()
        self.signed_in.emit(user)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        if not isinstance(exc, HmsError):
            raise exc
        self._show(exc.message)
        self.password.clear()
        self.password.setFocus()

    def show_message(self, text: str) -> None:
        """Why the last session ended, or what went wrong with this attempt; never cut off."""
        self._show(text)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        grow_to_fit(self)

    def _busy(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        # A disabled button stops being the default one; Enter must sign in again after a failure.
        self.sign_in_button.setDefault(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "Sign in")
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)
