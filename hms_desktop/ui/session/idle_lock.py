"""Locks an idle workstation: patient data is covered, unsaved input stays where it was, and the
signed-in person's password opens it again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.auth import AuthService
from ...services.errors import AccountLocked, AuthenticationFailed, HmsError
from ..common.window_fit import grow_to_fit
from ..common.worker import TaskRunner

_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class _Cover(QWidget):
    """An opaque sheet over one window, following its size."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        label = QLabel("Locked")
        layout = QVBoxLayout(self)
        layout.addWidget(label, alignment=Qt.AlignmentFlag.AlignCenter)
        window.installEventFilter(self)
        self.setGeometry(window.rect())
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class LockDialog(QDialog):
    unlocked = Signal()
    sign_out_requested = Signal(str)  # why, for the sign-in window ("" when the person chose it)

    def __init__(self, auth: AuthService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self._runner = runner
        user = auth.current
        self.setWindowTitle("Workstation locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        heading = QLabel("This workstation is locked")
        heading.setObjectName("heading")
        who = QLabel(
            f"Signed in as {user.full_name} ({user.role_label}). Enter your password to continue where you "
            "left off; anything you had not saved is still there."
            if user else "Enter your password to continue."
        )
        who.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.message = QLabel()
        self.message.setObjectName("bannerError")
        self.message.setWordWrap(True)
        self.message.hide()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setObjectName("primary")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._try_unlock)
        sign_out = QPushButton("Sign out instead")
        sign_out.clicked.connect(lambda: self.sign_out_requested.emit(""))
        buttons = QHBoxLayout()
        buttons.addWidget(sign_out)
        buttons.addStretch()
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(who)
        layout.addWidget(self.password)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)

    def reject(self) -> None:
        """Escape must not open a locked workstation."""

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        event.ignore()

    def _try_unlock(self) -> None:
        if not self.password.text():
            return
        self.unlock_button.setEnabled(False)
        self._runner.submit(
            self._auth.verify_current_password, self.password.text(),
            on_done=self._checked, on_error=self._failed, context=self,
        )

    def _ready(self) -> None:
        self.unlock_button.setEnabled(True)
        self.unlock_button.setDefault(True)  # re-enabling does not make it the default again
        self.password.setFocus()

    def _checked(self, ok: bool) -> None:
        self._ready()
        self.password.clear()
        if ok:
            self.unlocked.emit()
        else:
            self._say("That password is not right.")

    def _failed(self, exc: Exception) -> None:
        self._ready()
        self.password.clear()
        if isinstance(exc, AccountLocked):
            # The sign-in window says it: this desk's session is over, the next person may sign in.
            self.sign_out_requested.emit(exc.message + " You have been signed out.")
            return
        if isinstance(exc, AuthenticationFailed) and exc.attempts_left is not None:
            left = exc.attempts_left
            self._say(
                "That password is not right. "
                + (f"{left} more attempts before the account is locked." if left > 1 else
                   "One more wrong password locks the account for 15 minutes and signs you out.")
            )
            return
        self._say(exc.message if isinstance(exc, HmsError) else str(exc))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        grow_to_fit(self)


class IdleLock(QObject):
    """Watches keyboard and mouse input application-wide; locks after ``minutes`` without any."""

    locked_changed = Signal(bool)
    sign_out_requested = Signal(str)

    def __init__(self, auth: AuthService, runner: TaskRunner, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._auth = auth
        self._runner = runner
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.lock)
        self._covers: list[_Cover] = []
        self.dialog: LockDialog | None = None
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def set_minutes(self, minutes: int) -> None:
        self.set_timeout_ms(minutes * 60_000)

    def set_timeout_ms(self, ms: int) -> None:
        self._timeout_ms = ms
        if ms > 0 and not self.locked:
            self._timer.start(ms)
        else:
            self._timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in _INPUT_EVENTS and not self.locked and self._timeout_ms > 0:
            self._timer.start(self._timeout_ms)
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_L
            and event.modifiers() == Qt.KeyboardModifier.ControlModifier
            and not self.locked
            and self._auth.current is not None
        ):
            # Ctrl+L while a dialog is open: the main window's shortcut is blocked by the dialog's
            # modality, so the lock listens for it application-wide.
            self.lock()
            return True
        return False

    def lock(self) -> None:
        if self.locked or self._auth.current is None:
            return
        self._timer.stop()
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and not isinstance(window, LockDialog) and window.windowType() in (
                Qt.WindowType.Window, Qt.WindowType.Dialog
            ):
                self._covers.append(_Cover(window))
        self.dialog = LockDialog(self._auth, self._runner)
        self.dialog.unlocked.connect(self.unlock)
        self.dialog.sign_out_requested.connect(self._sign_out)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.password.setFocus()
        self.locked_changed.emit(True)

    def unlock(self) -> None:
        for cover in self._covers:
            # Hidden at once: deleteLater waits for the event loop, and until then the sheet would
            # still hide the window's contents (a test caught it still showing after an unlock).
            cover.hide()
            cover.deleteLater()
        self._covers.clear()
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None
        self.set_timeout_ms(self._timeout_ms)
        self.locked_changed.emit(False)

    def _sign_out(self, message: str = "") -> None:
        self.unlock()
        self._timer.stop()
        self.sign_out_requested.emit(message)

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
