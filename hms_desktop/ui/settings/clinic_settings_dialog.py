"""Clinic-wide settings, shared by every workstation (per-user preferences live in QSettings).

The form shows the fields it knows. ClinicSettings may grow fields this form does not show yet; they
are kept as loaded when saving (``dataclasses.replace`` on the loaded settings), never reset. The time
zone row appears only when the settings have a ``time_zone`` field.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, fields, replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...services.errors import HmsError, ValidationError
from ...services.settings import ATTACHMENT_LIMIT_MOST_MB, ClinicSettings, SettingsService
from ..common.form_helpers import FieldErrors, banner_label
from ..common.messages import show_error
from ..common.worker import TaskRunner

MAX_IDLE_LOCK_MINUTES = 240


@dataclass(frozen=True)
class _Loaded:
    settings: ClinicSettings
    time_zones: list[str]


def _load(settings: SettingsService) -> _Loaded:
    """On the worker: the settings, and the zone names (read from disk, so not on the GUI thread)."""
    current = settings.get()
    zones: list[str] = []
    if _has_field(current, "time_zone"):
        zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return _Loaded(current, zones)


def _has_field(settings: Any, name: str) -> bool:
    return any(f.name == name for f in fields(settings))


class ClinicSettingsDialog(QDialog):
    """Loads the settings on the worker when created; Save writes them and emits ``saved``."""

    saved = Signal(object)  # ClinicSettings, as saved
    loaded = Signal(object)  # ClinicSettings, as loaded (the form is usable from then on)

    def __init__(self, settings: SettingsService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self._runner = runner
        self.current: ClinicSettings | None = None
        self.setWindowTitle("Clinic settings")
        self.setMinimumWidth(540)
        self.errors = FieldErrors()

        intro = QLabel("These settings apply to every workstation of the clinic.")
        intro.setObjectName("subtle")
        intro.setWordWrap(True)

        self.banner = banner_label()

        self.clinic_name = QLineEdit()
        self.clinic_name.setObjectName("clinic_name")
        self.clinic_name.setMaxLength(120)
        self.idle_lock = QSpinBox()
        self.idle_lock.setObjectName("idle_lock_minutes")
        self.idle_lock.setRange(0, MAX_IDLE_LOCK_MINUTES)
        self.idle_lock.setSuffix(" min")  # " min" reads right for 1 and for 30
        # Shown instead of "0 minutes", which would read like "lock at once".
        self.idle_lock.setSpecialValueText("Never lock")
        self.idle_lock.setMinimumWidth(140)
        self.idle_lock.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        idle_hint = QLabel(f"without use (0 = never; at most {MAX_IDLE_LOCK_MINUTES})")
        idle_hint.setObjectName("subtle")
        idle_row = QHBoxLayout()
        idle_row.setContentsMargins(0, 0, 0, 0)
        idle_row.addWidget(self.idle_lock)
        idle_row.addWidget(idle_hint, 1)
        self.attachment_limit = QSpinBox()
        self.attachment_limit.setObjectName("attachment_limit_mb")
        self.attachment_limit.setRange(1, ATTACHMENT_LIMIT_MOST_MB)
        self.attachment_limit.setSuffix(" MB")
        self.attachment_limit.setMinimumWidth(140)
        self.attachment_limit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        limit_hint = QLabel("a lab report, scan or letter, kept in the database (and so in every backup)")
        limit_hint.setObjectName("subtle")
        limit_hint.setWordWrap(True)
        limit_row = QHBoxLayout()
        limit_row.setContentsMargins(0, 0, 0, 0)
        limit_row.addWidget(self.attachment_limit)
        limit_row.addWidget(limit_hint, 1)
        self.time_zone = QComboBox()
        self.time_zone.setObjectName("time_zone")
        self.time_zone.setEditable(True)
        self.time_zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.time_zone.setMaxVisibleItems(15)
        self.time_zone.lineEdit().setPlaceholderText("e.g. Asia/Kolkata")
        completer = QCompleter(self.time_zone.model(), self.time_zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)  # "london" finds Europe/London
        self.time_zone.setCompleter(completer)
        self.time_zone_label = QLabel("&Time zone")
        self.time_zone_label.setBuddy(self.time_zone)
        self.time_zone_hint = QLabel("Appointment times are shown, and day schedules laid out, in this zone.")
        self.time_zone_hint.setObjectName("subtle")
        self.time_zone_hint.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Clinic &name", self.clinic_name)
        form.addRow("", self.errors.add("clinic_name", self.clinic_name))
        idle_label = QLabel("&Lock workstation after")
        idle_label.setBuddy(self.idle_lock)
        form.addRow(idle_label, idle_row)
        form.addRow("", self.errors.add("idle_lock_minutes", self.idle_lock))
        limit_label = QLabel("Largest &attachment")
        limit_label.setBuddy(self.attachment_limit)
        form.addRow(limit_label, limit_row)
        form.addRow("", self.errors.add("attachment_limit_mb", self.attachment_limit))
        form.addRow(self.time_zone_label, self.time_zone)
        form.addRow("", self.time_zone_hint)
        form.addRow("", self.errors.add("time_zone", self.time_zone))
        self._show_time_zone(False)

        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("primary")
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addSpacing(8)
        layout.addWidget(self.buttons)

        self._set_enabled(False)
        self._runner.submit(_load, self._settings, on_done=self._loaded, on_error=self._load_failed, context=self)

    def _set_enabled(self, enabled: bool) -> None:
        self.clinic_name.setEnabled(enabled)
        self.idle_lock.setEnabled(enabled)
        self.attachment_limit.setEnabled(enabled)
        self.time_zone.setEnabled(enabled)
        self.save_button.setEnabled(enabled)

    def _show_time_zone(self, show: bool) -> None:
        for widget in (self.time_zone_label, self.time_zone, self.time_zone_hint):
            widget.setVisible(show)

    def _loaded(self, loaded: _Loaded) -> None:
        settings = loaded.settings
        self.current = settings
        self.clinic_name.setText(settings.clinic_name)
        self.idle_lock.setValue(settings.idle_lock_minutes)
        if _has_field(settings, "attachment_limit_mb"):
            self.attachment_limit.setValue(settings.attachment_limit_mb)  # type: ignore[attr-defined]
        if _has_field(settings, "time_zone"):
            self.time_zone.addItems(loaded.time_zones)
            self.time_zone.setCurrentText(settings.time_zone)  # type: ignore[attr-defined]
            self._show_time_zone(True)
            self.adjustSize()  # the dialog was sized without this row
        self._set_enabled(True)
        self.clinic_name.setFocus()
        self.clinic_name.selectAll()
        self.loaded.emit(settings)

    def _load_failed(self, exc: Exception) -> None:
        self.banner.setText("Could not load the clinic settings. " + (exc.message if isinstance(exc, HmsError) else ""))
        self.banner.show()
        if not isinstance(exc, HmsError):
            show_error(self, exc)

    def edited(self) -> ClinicSettings:
        """The loaded settings with this form's values; fields the form does not show are kept."""
        assert self.current is not None, "settings not loaded yet"
        values: dict[str, Any] = {
            "clinic_name": self.clinic_name.text().strip(),
            "idle_lock_minutes": self.idle_lock.value(),
        }
        if _has_field(self.current, "attachment_limit_mb"):
            values["attachment_limit_mb"] = self.attachment_limit.value()
        if _has_field(self.current, "time_zone"):
            values["time_zone"] = self.time_zone.currentText().strip()
        return replace(self.current, **values)

    def _submit(self) -> None:
        if self.current is None:
            return
        self.errors.clear()
        self.banner.hide()
        self.buttons.setEnabled(False)
        self.save_button.setText("Saving…")
        self._runner.submit(self._settings.update, self.edited(), on_done=self._saved, on_error=self._failed, context=self)

    def _saved(self, settings: ClinicSettings) -> None:
        self._done_busy()
        self.current = settings
        self.saved.emit(settings)
        self.accept()

    def _failed(self, exc: Exception) -> None:
        self._done_busy()
        if isinstance(exc, ValidationError):
            unplaced = self.errors.show(exc.fields)
            if unplaced:
                self.banner.setText(" ".join(unplaced))
                self.banner.show()
        elif isinstance(exc, HmsError):
            self.banner.setText(exc.message)
            self.banner.show()
        else:
            show_error(self, exc)

    def _done_busy(self) -> None:
        self.buttons.setEnabled(True)
        self.save_button.setText("Save")
