"""One guard for every form: Esc, Cancel or the window's close button on a form holding typed data
asks before throwing it away.

A dialog makes a guard after filling its fields (``mark_clean`` again whenever it fills them anew,
say after loading choices), and lets it decide in ``reject``::

    def reject(self) -> None:
        if self.discard_guard.allow_close():
            super().reject()

What counts as typed data is read from the form itself (line edits, text boxes, drop-downs, spin
boxes, check boxes, checkable lists), so a new field is guarded without anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from .messages import confirm


def form_snapshot(form: QWidget) -> tuple[object, ...]:
    """What the person can have changed in ``form``, in a comparable shape."""
    values: list[object] = []
    for widget in form.findChildren(QWidget):
        if isinstance(widget, QLineEdit) and not isinstance(widget.parent(), QAbstractSpinBox | QComboBox):
            values.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            values.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            values.append(widget.currentText() if widget.isEditable() else widget.currentIndex())
        elif isinstance(widget, QSpinBox):
            values.append(widget.value())
        elif isinstance(widget, QCheckBox | QRadioButton) and isinstance(widget, QAbstractButton):
            values.append(widget.isChecked())
        elif isinstance(widget, QListWidget):
            values.append(tuple(widget.item(i).checkState().value for i in range(widget.count())))
    return tuple(values)


class DiscardGuard:
    """Says whether a form may close now; if it holds typed data, asks first and closes it on "Discard"."""

    def __init__(self, dialog: QDialog) -> None:
        self._dialog = dialog
        self._clean = form_snapshot(dialog)
        self._leaving = False
        self._then: Callable[[], None] | None = None
        self.question: QMessageBox | None = None

    def mark_clean(self) -> None:
        """The form as it is now is what "nothing typed" means (after filling or loading it)."""
        self._clean = form_snapshot(self._dialog)

    def release(self) -> None:
        """Let the next close through without asking (the person chose to leave another way)."""
        self._leaving = True

    @property
    def dirty(self) -> bool:
        return form_snapshot(self._dialog) != self._clean

    def allow_close(self, *, then: Callable[[], None] | None = None) -> bool:
        """True: close now. False: the question is open; "Discard" closes the form, then runs ``then``."""
        if self._leaving or not self.dirty:
            return True
        self._then = then
        if self.question is not None and self.question.isVisible():
            return False
        self.question = confirm(
            self._dialog, title="Discard what you typed?",
            text="This form holds changes that have not been saved. Discard them?",
            informative="Choose Cancel to go back to the form.",
            action="Discard", on_yes=self._discard, name="discardGuard",
        )
        return False

    def _discard(self) -> None:
        self._leaving = True
        self._dialog.reject()
        then, self._then = self._then, None
        if then is not None:
            then()
