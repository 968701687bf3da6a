"""Adding and editing a staff account, resetting a password, and confirming a deactivation.

Every dialog here is opened with ``open()`` (never a blocking ``exec()``), saves through the worker and
reports the saved account by the ``saved`` signal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import ConflictError, HmsError, ValidationError
from ...services.permissions import ROLES, role_label
from ...services.staff import StaffMember, StaffService
from ..common.conflict_merge import ConflictMerge, FieldSpec
from ..common.discard_guard import DiscardGuard
from ..common.form_helpers import FieldErrors, banner_label
from ..common.messages import show_error
from ..common.worker import TaskRunner

PASSWORD_HINT = "At least 8 characters. A short sentence is easy to remember and hard to guess."


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class _SavingDialog(QDialog):
    """Shared behaviour: Save/Cancel buttons, a busy state, inline errors and a banner for the rest."""

    saved = Signal(object)  # StaffMember

    def __init__(self, staff: StaffService, runner: TaskRunner, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._staff = staff
        self._runner = runner
        self.errors = FieldErrors()
        self.banner = banner_label("bannerError")
        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(460)

    def _submit(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def reject(self) -> None:  # Esc, Cancel and the window's close button
        guard: DiscardGuard | None = getattr(self, "discard_guard", None)
        if guard is None or guard.allow_close():
            super().reject()

    def _run(self, fn: Callable[..., StaffMember], *args: object, **kwargs: object) -> None:
        self.errors.clear()
        self.banner.hide()
        self._set_busy(True)
        self._runner.submit(fn, *args, on_done=self._done, on_error=self._failed, context=self, **kwargs)

    def _set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.save_button.setText("Saving…" if busy else "Save")

    def _done(self, member: StaffMember) -> None:
        self._set_busy(False)
        self.saved.emit(member)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc.fields)
            if unplaced:
                self._show_banner(" ".join(unplaced))
        elif isinstance(exc, HmsError):
            self._show_banner(exc.message)
        else:
            show_error(self, exc)

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
        self._grow()

    def _grow(self) -> None:
        """A message appeared: make room for it rather than squeezing the fields (word-wrapped labels
        do not push a dialog's minimum size up by themselves)."""
        self.layout().activate()
        wanted = self.heightForWidth(self.width()) if self.hasHeightForWidth() else self.sizeHint().height()
        if wanted > self.height():
            self.resize(self.width(), wanted)


class StaffDialog(_SavingDialog):
    """Add a staff account (``member=None``) or edit the name and role of an existing one.

    When someone else changed the account meanwhile, their changes come into the form, what you had
    typed stays on top (theirs shown under a field you both changed), the next Save is made on their
    version (see conflict_merge), and ``member_changed`` tells the staff list.
    """

    member_changed = Signal(object)  # StaffMember, as it now stands in the database

    def __init__(
        self,
        staff: StaffService,
        runner: TaskRunner,
        member: StaffMember | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(staff, runner, parent)
        self.member = member
        adding = member is None
        self.setWindowTitle("Add staff" if adding else f"Edit {member.username}")  # type: ignore[union-attr]

        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setPlaceholderText("e.g. m.jensen")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in ROLES:
            self.role.addItem(role_label(role), role)
        self.email = QLineEdit()
        self.email.setObjectName("email")
        self.email.setPlaceholderText("for \"Forgot password?\" codes (optional)")
        self.password = _password_field("password")
        self.repeat = _password_field("repeat")
        self.merge: ConflictMerge[StaffMember] = ConflictMerge([
            FieldSpec("full_name", "Full name", lambda m: m.full_name, lambda: self.full_name.text().strip(),
                      self.full_name.setText),
            FieldSpec("role", "Role", lambda m: m.role, self.role.currentData, self._select_role, role_label),
            FieldSpec("email", "E-mail", lambda m: m.email, lambda: self.email.text().strip(), self.email.setText),
        ])

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if adding:
            form.addRow("&User name", self.username)
            form.addRow("", self.errors.add("username", self.username))
        else:
            shown = QLabel(member.username)  # type: ignore[union-attr]
            shown.setObjectName("usernameShown")
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow("User name", shown)
        form.addRow("&Full name", self.full_name)
        form.addRow("", self.errors.add("full_name", self.full_name))
        form.addRow("", self.merge.label("full_name"))
        form.addRow("&Role", self.role)
        form.addRow("", self.errors.add("role", self.role))
        form.addRow("", self.merge.label("role"))
        form.addRow("&E-mail", self.email)
        form.addRow("", self.errors.add("email", self.email))
        form.addRow("", self.merge.label("email"))
        if adding:
            form.addRow("Temporary &password", self.password)
            form.addRow("", self.errors.add("password", self.password))
            form.addRow("Repea&t password", self.repeat)
            form.addRow("", self.errors.add("repeat", self.repeat))

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        if adding:
            hint = QLabel(
                f"{PASSWORD_HINT} Give the password to the person privately; "
                "they must choose their own the first time they sign in."
            )
            hint.setObjectName("subtle")
            hint.setWordWrap(True)
            layout.addWidget(hint)
            self.role.setCurrentIndex(max(0, self.role.findData("receptionist")))
            self.username.setFocus()
        else:
            self._load(member)  # type: ignore[arg-type]
            self.full_name.setFocus()
        layout.addWidget(self.buttons)
        self.discard_guard = DiscardGuard(self)

    def _load(self, member: StaffMember) -> None:
        self.member = member
        self.full_name.setText(member.full_name)
        self._select_role(member.role)
        self.email.setText(member.email)

    def _select_role(self, role: str) -> None:
        index = self.role.findData(role)
        if index < 0:  # a role this version does not know yet: show it rather than silently change it
            self.role.addItem(role_label(role), role)
            index = self.role.count() - 1
        self.role.setCurrentIndex(index)

    def _submit(self) -> None:
        if self.member is None:
            if self.password.text() != self.repeat.text():
                self.errors.show({"repeat": "The two passwords are not the same."})
                return
            self._run(
                self._staff.add, self.username.text(), self.full_name.text(), self.role.currentData(),
                self.password.text(), self.email.text(),
            )
        else:
            self._run(
                self._staff.update, self.member.id, self.member.version,
                full_name=self.full_name.text(), role=self.role.currentData(), email=self.email.text(),
            )

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, ConflictError) and isinstance(exc.current, StaffMember) and self.member is not None:
            self._set_busy(False)
            outcome = self.merge.merge(self.member, exc.current)
            self.member = exc.current
            self._show_banner(outcome.sentence(exc.message))
            self.member_changed.emit(exc.current)
            return
        super()._failed(exc)


class ResetPasswordDialog(_SavingDialog):
    """Give someone a temporary password (they forgot theirs, or are locked out)."""

    def __init__(
        self, staff: StaffService, runner: TaskRunner, member: StaffMember, parent: QWidget | None = None
    ) -> None:
        super().__init__(staff, runner, parent)
        self.member = member
        self.setWindowTitle(f"Reset password — {member.username}")
        explain = QLabel(
            f"Set a temporary password for <b>{_html(member.full_name)}</b> ({_html(member.username)}). "
            "They must choose their own password the next time they sign in. "
            "Resetting also clears a lock after too many failed sign-ins."
        )
        explain.setObjectName("bannerInfo")
        explain.setWordWrap(True)
        self.password = _password_field("password")
        self.repeat = _password_field("repeat")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("New temporary &password", self.password)
        form.addRow("", self.errors.add("password", self.password))
        form.addRow("R&epeat password", self.repeat)
        form.addRow("", self.errors.add("repeat", self.repeat))
        hint = QLabel(PASSWORD_HINT)
        hint.setObjectName("subtle")
        hint.setWordWrap(True)
        self.save_button.setText("Reset password")
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.password.setFocus()
        self.discard_guard = DiscardGuard(self)

    def _set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        self.save_button.setText("Resetting…" if busy else "Reset password")

    def _submit(self) -> None:
        if self.password.text() != self.repeat.text():
            self.errors.show({"repeat": "The two passwords are not the same."})
            return
        self._run(self._staff.reset_password, self.member.id, self.password.text())
def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

# Kept importable from here for screens written before it moved to messages.py.
from ..common.messages import confirm as confirm  # noqa: E402
