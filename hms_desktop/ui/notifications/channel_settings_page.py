"""What the mail server and SMS gateway pages share: the channel's settings loaded on the worker,
a test sent and a save made with the secret as typed (empty keeps the one in the keyring), and the
outcome in one place: field errors under their fields, anything else in the banner, success in
``result``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QPushButton, QWidget

from ...services.notifications.service import NotificationService
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner

SAVED_WORDS = "Saved. Every desk uses these settings from now on."


class ChannelSettingsPage(QWidget):
    """A base for one channel's settings page. A subclass builds its fields, then sets
    ``secret`` (the password or key box), ``test_button`` and ``save_button``."""

    saved = Signal(object)  # the settings record, as saved
    loaded = Signal()

    secret: QLineEdit
    test_button: QPushButton
    save_button: QPushButton

    def __init__(self, service: NotificationService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.current: Any = None
        self.errors = FieldErrors()
        self.banner = banner_label()
        self.result = banner_label("bannerInfo")

    def _load(self, fetch: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        self.setEnabled(False)
        self._runner.submit(fetch, on_done=on_done,
                            on_error=lambda exc: report_in_form(self, exc, self.errors, self.banner), context=self)

    def _test_allowed(self) -> bool:
        return True

    def _busy(self, busy: bool) -> None:
        self.save_button.setEnabled(not busy)
        self.test_button.setEnabled(not busy and self._test_allowed())

    def _run(self, call: Callable[..., Any], *args: Any, on_done: Callable[[Any], None]) -> None:
        """Clear what the last try said, then run ``call`` on the worker."""
        self.errors.clear()
        self.banner.hide()
        self.result.hide()
        self._busy(True)
        self._runner.submit(call, *args, on_done=on_done, on_error=self._failed, context=self)

    def _succeeded(self, words: str) -> None:
        self._busy(False)
        show_banner(self.result, words, "bannerInfo")

    def _saved(self, settings: Any) -> None:
        self.current = settings
        self.secret.clear()
        self._succeeded(SAVED_WORDS)
        self.saved.emit(settings)

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        report_in_form(self, exc, self.errors, self.banner)
