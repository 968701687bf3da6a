"""The Staff tab: who may sign in, with which role; add, edit, reset passwords, deactivate."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import ConflictError, NotFound
from ...services.identity import CurrentUser
from ...services.permissions import Permission
from ...services.staff import StaffMember, StaffService
from ..common.messages import confirm, show_error
from ..common.row_table_model import CELL_PADDING, make_record_table, select_by_id
from ..common.worker import TaskRunner
from .staff_dialog import ResetPasswordDialog, StaffDialog
from .staff_table_model import FULL_NAME, ROLE, USERNAME, SortRole, StaffMemberRole, StaffTableModel

# Text that touches the grid lines is hard to read; sized-to-contents columns include this padding.


class StaffFilterProxy(QSortFilterProxyModel):
    """Hides deactivated accounts unless asked, and matches the filter text on name, user name and role."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._show_inactive = False
        self._text = ""
        self.setSortRole(SortRole)

    def set_show_inactive(self, show: bool) -> None:
        self._change_filter(lambda: setattr(self, "_show_inactive", show))

    def set_text(self, text: str) -> None:
        self._change_filter(lambda: setattr(self, "_text", text.strip().casefold()))

    def _change_filter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateFilter() by a begin/end pair; PySide6 6.7 only has the former.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange()
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        member: StaffMember = self.sourceModel().index(source_row, 0, source_parent).data(StaffMemberRole)
        if member is None:
            return False
        if not member.active and not self._show_inactive:
            return False
        if not self._text:
            return True
        model = self.sourceModel()
        haystack = " ".join(
            str(model.index(source_row, column, source_parent).data() or "") for column in (USERNAME, FULL_NAME, ROLE)
        )
        return all(word in haystack.casefold() for word in self._text.split())


class StaffTab(QWidget):
    def __init__(
        self, staff: StaffService, runner: TaskRunner, current_user: CurrentUser, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._staff = staff
        self._runner = runner
        self._user = current_user
        self._can_manage = current_user.can(Permission.STAFF_MANAGE)

        self.add_button = QPushButton("Add staff…")
        self.add_button.setObjectName("addStaff")
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("editStaff")
        self.reset_button = QPushButton("Reset password…")
        self.reset_button.setObjectName("resetPassword")
        self.active_button = QPushButton("Deactivate…")
        self.active_button.setObjectName("toggleActive")
        self.show_inactive = QCheckBox("Show &deactivated")
        self.show_inactive.setObjectName("showDeactivated")
        self.filter = QLineEdit()
        self.filter.setObjectName("staffFilter")
        self.filter.setPlaceholderText("Filter by name, user name or role")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMinimumWidth(240)

        toolbar = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.reset_button, self.active_button):
            toolbar.addWidget(button)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.show_inactive)
        toolbar.addStretch(1)
        toolbar.addWidget(self.filter)

        self.notice = QLabel()
        self.notice.setObjectName("bannerInfo")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.model = StaffTableModel(self)
        self.proxy = StaffFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setObjectName("staffTable")
        self.table.setStyleSheet(CELL_PADDING)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(FULL_NAME, Qt.SortOrder.AscendingOrder)
        make_record_table(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(FULL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(110)

        self.status = QLabel()
        self.status.setObjectName("subtle")

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self.add_button.clicked.connect(self.add_staff)
        self.edit_button.clicked.connect(self.edit_selected)
        self.reset_button.clicked.connect(self.reset_selected_password)
        self.active_button.clicked.connect(self.toggle_selected_active)
        self.show_inactive.toggled.connect(self._show_inactive_toggled)
        self.filter.textChanged.connect(self._filter_changed)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.proxy.modelReset.connect(self._update_actions)
        self.proxy.layoutChanged.connect(self._update_actions)

        if not self._can_manage:
            for button in (self.add_button, self.edit_button, self.reset_button, self.active_button):
                button.setToolTip("Only an administrator can change staff accounts.")
        self._update_actions()

    # --- public ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload the staff list (all accounts; the checkbox only hides or shows deactivated ones)."""
        self.status.setText("Loading…")
        self._runner.submit(
            self._staff.list, include_inactive=True,
            on_done=self._loaded, on_error=self._load_failed, context=self,
        )

    def selected_member(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(StaffMemberRole) if rows else None

    def select_member(self, staff_id: int) -> None:
        select_by_id(self.table, self.proxy, self.model, staff_id)

    # --- actions -----------------------------------------------------------------------------

    def add_staff(self) -> None:
        dialog = StaffDialog(self._staff, self._runner, None, self)
        dialog.saved.connect(self._added)
        self._open(dialog)

    def edit_selected(self) -> None:
        member = self.selected_member()
        if member is None or not self._can_manage:
            return
        dialog = StaffDialog(self._staff, self._runner, member, self)
        dialog.saved.connect(self._changed)
        dialog.member_changed.connect(self._show_member)
        self._open(dialog)

    def reset_selected_password(self) -> None:
        member = self.selected_member()
        if member is None or not self._can_manage:
            return
        dialog = ResetPasswordDialog(self._staff, self._runner, member, self)
        dialog.saved.connect(self._password_reset)
        self._open(dialog)

    def toggle_selected_active(self) -> None:
        member = self.selected_member()
        if member is None or not self._can_manage:
            return
        if member.active:
            confirm(
                self,
                title="Deactivate account",
                text=f"Deactivate the account of {member.full_name} ({member.username})?",
                informative="They will no longer be able to sign in. The account and everything it did "
                "stay on record, and you can reactivate it at any time.",
                action="Deactivate",
                name="confirmDeactivate",
                on_yes=lambda: self._set_active(member, False),
            )
        else:
            self._set_active(member, True)

    # --- results -----------------------------------------------------------------------------

    def _open(self, dialog: StaffDialog | ResetPasswordDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def _set_active(self, member: StaffMember, active: bool) -> None:
        self.active_button.setEnabled(False)
        self._runner.submit(
            self._staff.set_active, member.id, member.version, active,
            on_done=lambda m: self._activity_changed(m), on_error=self._action_failed, context=self,
        )

    def _loaded(self, members: list[StaffMember]) -> None:
        selected = self.selected_member()
        self.model.set_rows(members)
        if selected is not None:
            self.select_member(selected.id)
        self._update_status()

    def _load_failed(self, exc: Exception) -> None:
        self.status.setText("Could not load the staff list.")
        show_error(self, exc)

    def _added(self, member: StaffMember) -> None:
        self._show_member(member)
        self.select_member(member.id)
        self._tell(
            f"Added {member.full_name} ({member.username}) as {member.role_label.lower()}. "
            "Give them the temporary password privately; they choose their own at first sign-in."
        )

    def _changed(self, member: StaffMember) -> None:
        self._show_member(member)
        self._tell(f"Saved the changes to {member.full_name} ({member.username}).")

    def _password_reset(self, member: StaffMember) -> None:
        self._show_member(member)
        self._tell(
            f"Set a temporary password for {member.full_name} ({member.username}); any lock is cleared. "
            "They must choose their own password at next sign-in."
        )

    def _activity_changed(self, member: StaffMember) -> None:
        self._show_member(member)
        verb = "Reactivated" if member.active else "Deactivated"
        self._tell(f"{verb} the account of {member.full_name} ({member.username}).")

    def _show_member(self, member: StaffMember) -> None:
        self.model.update_member(member)
        self._update_status()
        self._update_actions()

    def _action_failed(self, exc: Exception) -> None:
        self._update_actions()
        if isinstance(exc, ConflictError) and isinstance(exc.current, StaffMember):
            # Show what the other desk did before explaining, so the message matches the row.
            self._show_member(exc.current)
        elif isinstance(exc, ConflictError | NotFound):
            self.refresh()
        show_error(self, exc)

    # --- state -------------------------------------------------------------------------------

    def _tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    def _show_inactive_toggled(self, show: bool) -> None:
        self.proxy.set_show_inactive(show)
        self._update_status()

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_status()

    def _update_status(self) -> None:
        total = self.model.rowCount()
        inactive = sum(1 for row in range(total) if not self.model.member(row).active)
        shown = self.proxy.rowCount()
        text = f"{shown} of {total} accounts shown"
        if inactive and not self.show_inactive.isChecked():
            text += f" · {inactive} deactivated hidden"
        self.status.setText(text)

    def _update_actions(self) -> None:
        member = self.selected_member()
        manage = self._can_manage
        self.add_button.setEnabled(manage)
        self.edit_button.setEnabled(manage and member is not None)
        self.reset_button.setEnabled(manage and member is not None)
        if member is not None and not member.active:
            self.active_button.setText("Reactivate")
        else:
            self.active_button.setText("Deactivate…")
        is_me = member is not None and member.id == self._user.id
        self.active_button.setEnabled(manage and member is not None and not (member.active and is_me))
        if is_me and member is not None and member.active:
            self.active_button.setToolTip("You cannot deactivate your own account.")
        elif manage:
            self.active_button.setToolTip("")
