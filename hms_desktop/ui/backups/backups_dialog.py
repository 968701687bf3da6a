"""Admin > Backups and audit check: backup settings, the backup log (back up now, restore), and the
audit log's chain check. Every service call runs on the worker; nothing here blocks the window."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...services import desk_sessions
from ...services.backups import BackupEntry, BackupSettings
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner

LOG_COLUMNS = ("When", "What", "Size", "Verified", "Where")


class RestoreConfirmDialog(QDialog):
    """The clear warning before a restore; Restore is enabled only once the box is ticked."""

    def __init__(self, entry: BackupEntry, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreConfirm")
        self.setWindowTitle("Restore a backup")
        self.setMinimumWidth(480)
        warning = QLabel(
            f"This replaces ALL the data in {database} by the backup taken {entry.when:%d %b %Y at %H:%M}.\n\n"
            "Everything saved since then (patients, appointments, changes) will be gone from the database. "
            "The current data is backed up first, so it can be brought back.\n\n"
            "Every other desk must sign out before you go on."
        )
        warning.setObjectName("bannerWarning")
        warning.setWordWrap(True)
        warning.setTextFormat(Qt.TextFormat.PlainText)
        where = QLabel(entry.path)
        where.setObjectName("subtle")
        where.setWordWrap(True)
        self.understood = QCheckBox("I understand that the data saved since this backup will be replaced")
        self.understood.setObjectName("understood")
        self.buttons = QDialogButtonBox()
        self.restore_button = QPushButton("Restore")
        self.restore_button.setObjectName("danger")
        self.restore_button.setEnabled(False)
        self.buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        self.understood.toggled.connect(self.restore_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(where)
        layout.addWidget(self.understood)
        layout.addWidget(self.buttons)

    @classmethod
    def ask(cls, entry: BackupEntry, database: str, parent: QWidget | None = None) -> bool:
        return cls(entry, database, parent).exec() == QDialog.DialogCode.Accepted


class BackupsDialog(QDialog):
    """Three tabs: Settings, Backup log, Audit check."""

    restored = Signal(object)  # the BackupEntry of the backup of what the restore replaced

    def __init__(self, services: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backups = services.backups
        self._audit = services.audit
        self._database = services.db.description
        self._runner = runner
        self.current: BackupSettings | None = None
        self.entries: list[BackupEntry] = []
        self.setObjectName("backupsDialog")
        self.setWindowTitle("Backups and audit check")
        self.setMinimumSize(720, 480)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._settings_tab(), "&Settings")
        self.tabs.addTab(self._log_tab(), "Backup &log")
        self.tabs.addTab(self._audit_tab(), "&Audit check")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(close)
        self._runner.submit(self._backups.settings, on_done=self._loaded, on_error=self._settings_failed, context=self)
        self.reload_log()

    # --- settings ---------------------------------------------------------------------------

    def _settings_tab(self) -> QWidget:
        page = QWidget()
        self.errors = FieldErrors()
        self.settings_banner = banner_label()
        self.folder = QLineEdit(objectName="folder")
        self.folder.setPlaceholderText("the backups folder in this computer's data directory")
        self.second_folder = QLineEdit(objectName="second_folder")
        self.second_folder.setPlaceholderText("optional: a USB disk or a network share")
        self.schedule = QComboBox(objectName="schedule")
        self.schedule.addItem("Every day", "daily")
        self.schedule.addItem("Only when I press Back up now", "off")
        self.at_sign_out = QCheckBox("Also when the last person of the day signs out", objectName="at_last_sign_out")
        self.at_sign_out_note = QLabel(objectName="subtle")
        self.at_sign_out_note.setWordWrap(True)
        # "Off" means no automatic backup at all, the sign-out one included (BackupService.backup_at_sign_out).
        self.schedule.currentIndexChanged.connect(self._schedule_changed)
        self.daily, self.weekly, self.monthly = (QSpinBox(objectName=n) for n in ("daily", "weekly", "monthly"))
        for box, unit in ((self.daily, "days"), (self.weekly, "weeks"), (self.monthly, "months")):
            box.setRange(0, 366)
            box.setSuffix(f" {unit}")
            box.setMinimumWidth(120)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Backup &folder", self._with_browse(self.folder))
        form.addRow("", self.errors.add("folder", self.folder))
        form.addRow("Second &copy in", self._with_browse(self.second_folder))
        form.addRow("", self.errors.add("second_folder", self.second_folder))
        form.addRow("Bac&k up", self.schedule)
        # The option and what it means, together (a form row each would space them apart).
        at_sign_out = QWidget()
        pair = QVBoxLayout(at_sign_out)
        pair.setContentsMargins(0, 0, 0, 0)
        pair.setSpacing(2)
        pair.addWidget(self.at_sign_out)
        pair.addWidget(self.at_sign_out_note)
        form.addRow("", at_sign_out)
        form.addRow("", self.errors.add("schedule", self.schedule))
        keep = QHBoxLayout()
        for label, box in (("daily for", self.daily), ("weekly for", self.weekly), ("monthly for", self.monthly)):
            keep.addWidget(QLabel(label))
            keep.addWidget(box)
        keep.addStretch(1)
        form.addRow("Keep copies", keep)
        form.addRow("", self.errors.add("daily", self.daily))
        hint = QLabel("Each backup is checked right after it is made (integrity, row counts, SHA-256). "
                      "The newest copy of each day, week and month is kept for as long as set here.")
        hint.setObjectName("subtle")
        hint.setWordWrap(True)
        self.save_button = QPushButton("Save settings", objectName="primary")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self._save)
        layout = QVBoxLayout(page)
        layout.addWidget(self.settings_banner)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        return page

    def _schedule_changed(self) -> None:
        on = self.schedule.currentData() != "off"
        self.at_sign_out.setEnabled(on)
        minutes = int(desk_sessions.STALE_AFTER.total_seconds() // 60)
        self.at_sign_out_note.setText(
            f"Taken when someone signs out or quits and no other desk is signed in to this database "
            f"(a desk not heard from for {minutes} minutes counts as gone)." if on else
            "No automatic backups: none at sign-out either.")

    def _with_browse(self, field: QLineEdit) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        browse = QPushButton("Choose…")
        browse.clicked.connect(lambda: self._browse(field))
        row.addWidget(browse)
        return box

    def _browse(self, field: QLineEdit) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", field.text() or str(Path.home()))
        if chosen:
            field.setText(chosen)

    def _loaded(self, settings: BackupSettings) -> None:
        self.current = settings
        self.folder.setText(settings.folder)
        self.second_folder.setText(settings.second_folder)
        self.schedule.setCurrentIndex(max(0, self.schedule.findData(settings.schedule)))
        self.at_sign_out.setChecked(settings.at_last_sign_out)
        self._schedule_changed()
        self.daily.setValue(settings.daily)
        self.weekly.setValue(settings.weekly)
        self.monthly.setValue(settings.monthly)
        self.save_button.setEnabled(True)

    def _settings_failed(self, exc: Exception) -> None:
        report_in_form(self, exc, self.errors, self.settings_banner)

    def _save(self) -> None:
        if self.current is None:
            return
        new = replace(
            self.current, folder=self.folder.text().strip(), second_folder=self.second_folder.text().strip(),
            schedule=self.schedule.currentData(), at_last_sign_out=self.at_sign_out.isChecked(),
            daily=self.daily.value(), weekly=self.weekly.value(), monthly=self.monthly.value(),
        )
        self.errors.clear()
        self.save_button.setEnabled(False)
        self._runner.submit(self._backups.save_settings, new, on_done=self._saved, on_error=self._save_failed, context=self)

    def _saved(self, settings: BackupSettings) -> None:
        self.current = settings
        self.save_button.setEnabled(True)
        show_banner(self.settings_banner, "Saved.", "bannerInfo")
        self.reload_log()

    def _save_failed(self, exc: Exception) -> None:
        self.save_button.setEnabled(True)
        report_in_form(self, exc, self.errors, self.settings_banner)

    # --- the backup log ---------------------------------------------------------------------

    def _log_tab(self) -> QWidget:
        page = QWidget()
        self.log_banner = banner_label()
        self.log_table = QTableWidget(0, len(LOG_COLUMNS), objectName="backupLog")
        self.log_table.setHorizontalHeaderLabels(LOG_COLUMNS)
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.log_table.verticalHeader().setVisible(False)
        header = self.log_table.horizontalHeader()
        for i in range(len(LOG_COLUMNS) - 1):
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(LOG_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.backup_button = QPushButton("Back up &now", objectName="primary")
        self.backup_button.clicked.connect(self.back_up_now)
        self.restore_button = QPushButton("&Restore selected…")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        self.log_table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.log_banner)
        layout.addWidget(self.log_table, 1)
        layout.addLayout(buttons)
        return page

    def reload_log(self) -> None:
        self._runner.submit(self._backups.history, on_done=self._show_log, on_error=self._log_failed,
                            context=self, key="backups.history")

    def _show_log(self, entries: list[BackupEntry]) -> None:
        self.entries = entries
        self.log_table.setRowCount(len(entries))
        for row, e in enumerate(entries):
            verified = "Yes" if e.verified else f"No: {e.why_not}"
            what = f"{e.kind} ({e.reason})" if e.reason else e.kind
            cells = (f"{e.when:%Y-%m-%d %H:%M}", what, _size(e.size), verified, e.path)
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(f"{e.path}\nSHA-256 {e.sha256}" + (f"\n{e.why_not}" if e.why_not else ""))
                self.log_table.setItem(row, col, item)
        self._selection_changed()

    def _log_failed(self, exc: Exception) -> None:
        show_banner(self.log_banner, str(exc), "bannerError")

    def _selected(self) -> BackupEntry | None:
        rows = self.log_table.selectionModel().selectedRows()
        if not rows:
            return None
        entry = self.entries[rows[0].row()]
        return entry if entry.kind == "backup" and entry.verified else None

    def _selection_changed(self) -> None:
        self.restore_button.setEnabled(self._selected() is not None)

    def back_up_now(self) -> None:
        self.backup_button.setEnabled(False)
        show_banner(self.log_banner, "Backing up… you can go on working.", "bannerInfo")
        self._runner.submit(self._backups.backup_now, on_done=self._backed_up, on_error=self._backup_failed, context=self)

    def _backed_up(self, entry: BackupEntry) -> None:
        self.backup_button.setEnabled(True)
        if entry.verified:
            show_banner(self.log_banner, f"Backed up and verified: {entry.path}", "bannerInfo")
        else:
            show_banner(self.log_banner, f"The backup could not be verified: {entry.why_not}", "bannerError")
        self.reload_log()

    def _backup_failed(self, exc: Exception) -> None:
        self.backup_button.setEnabled(True)
        show_banner(self.log_banner, f"No backup was made: {exc}", "bannerError")

    def restore_selected(self) -> None:
        entry = self._selected()
        if entry is None or not RestoreConfirmDialog.ask(entry, self._database, self):
            return
        self.restore_button.setEnabled(False)
        self.backup_button.setEnabled(False)
        show_banner(self.log_banner, "Restoring…", "bannerInfo")
        self._runner.submit(self._backups.restore, Path(entry.path), on_done=self._restored,
                            on_error=self._restore_failed, context=self)

    def _restored(self, before: BackupEntry) -> None:
        self.backup_button.setEnabled(True)
        show_banner(self.log_banner, f"Restored. The data it replaced is kept in {before.path}", "bannerInfo")
        self.reload_log()
        self.restored.emit(before)

    def _restore_failed(self, exc: Exception) -> None:
        self.backup_button.setEnabled(True)
        message = "; ".join(getattr(exc, "fields", {}).values()) or str(exc)
        show_banner(self.log_banner, f"Nothing was restored: {message}", "bannerError")

    # --- the audit check --------------------------------------------------------------------

    def _audit_tab(self) -> QWidget:
        page = QWidget()
        intro = QLabel("Every audit row carries a hash over its content and the row before it. The check walks "
                       "every chain and names the first row that was changed, removed or slipped in outside the "
                       "application.")
        intro.setWordWrap(True)
        self.check_button = QPushButton("&Check the audit log", objectName="primary")
        self.check_button.clicked.connect(self.check_audit)
        self.audit_result = QLabel("Not checked yet.", objectName="auditResult")
        self.audit_result.setWordWrap(True)
        self.audit_result.setTextFormat(Qt.TextFormat.PlainText)
        self.audit_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.audit_result)
        layout.addStretch(1)
        return page

    def check_audit(self) -> None:
        self.check_button.setEnabled(False)
        self.audit_result.setText("Checking…")
        self._runner.submit(self._audit.verify_chain, on_done=self._checked, on_error=self._check_failed, context=self)

    def _checked(self, check: Any) -> None:
        self.check_button.setEnabled(True)
        self.audit_result.setObjectName("auditResult")
        self.audit_result.setText(check.message)
        self.audit_result.setProperty("ok", check.ok)

    def _check_failed(self, exc: Exception) -> None:
        self.check_button.setEnabled(True)
        self.audit_result.setText(f"The check could not run: {exc}")


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)
