"""Showing errors and notices. Service errors carry sentences written for the desk; anything else
is a bug, logged with its traceback and shown as such."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from ...paths import log_dir
from ...services.errors import EnvironmentProblem, HmsError

log = logging.getLogger(__name__)


def _box(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, details: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("hmsMessage")
    if details:
        box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # open(), not exec(): the window stays responsive and tests are never stuck in a nested loop.
    box.open()
    return box


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    if isinstance(exc, EnvironmentProblem):
        return _box(parent, QMessageBox.Icon.Critical, exc.title, exc.message)
    if isinstance(exc, HmsError):
        return _box(parent, QMessageBox.Icon.Warning, exc.title, exc.message)
    return show_crash(parent, exc)


def show_info(parent: QWidget | None, title: str, text: str) -> QMessageBox:
    return _box(parent, QMessageBox.Icon.Information, title, text)


def show_crash(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("Unexpected error:\n%s", details)
    return _box(
        parent,
        QMessageBox.Icon.Critical,
        "Unexpected error",
        "Something unexpected went wrong in HMS Desktop. What was already saved is safe; the last action "
        f"may not have finished.\n\nThe details were written to the log in {log_dir()}. "
        "Please tell your administrator what you were doing.",
        details,
    )


def install_crash_handler() -> None:
    """An exception escaping a slot goes to the log and a dialog, never a silent console trace."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        exc.__traceback__ = tb
        try:
            show_error(None, exc)
        except Exception:  # noqa: BLE001 - never let the handler itself crash the app
            log.exception("Could not show the error dialog")

    sys.excepthook = hook


def confirm(
    parent: QWidget,
    *,
    title: str,
    text: str,
    action: str,
    on_yes: Callable[[], None],
    name: str = "confirm",
    informative: str = "",
) -> QMessageBox:
    """A Yes/Cancel question that does not block: ``on_yes`` runs if the person agrees.

    The box is returned (and findable by ``name``) so tests can click its buttons.
    """
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName(name)
    box.setTextFormat(Qt.TextFormat.PlainText)  # names are data, never markup
    if informative:
        box.setInformativeText(informative)
    yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
    yes.setObjectName("confirmYes")
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def finished() -> None:
        if box.clickedButton() is yes:
            on_yes()

    box.finished.connect(finished)
    box.open()
    return box
