"""Inline validation messages next to form fields."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QLabel, QWidget

from ...services.errors import HmsError, ValidationError
from .messages import show_error


def _restyle(widget: QWidget) -> None:
    # Qt applies style-sheet selectors on properties and names only when a widget is polished again.
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    """Give a field the red look of ``*[invalid="true"]`` in style.qss, or take it away."""
    widget.setProperty("invalid", invalid)
    _restyle(widget)


def show_banner(label: QLabel, text: str, kind: str) -> None:
    """Show ``text`` in a banner label styled by ``kind``: bannerInfo, bannerWarning or bannerError."""
    label.setObjectName(kind)
    label.setText(text)
    _restyle(label)
    label.show()


def banner_label(kind: str = "bannerError") -> QLabel:
    """A hidden, word-wrapping label styled by ``kind`` (see show_banner)."""
    label = QLabel()
    label.setObjectName(kind)
    label.setWordWrap(True)
    label.hide()
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class FieldErrors:
    """Maps service field names to the label under each field, and the widget to focus."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def add(self, name: str, widget: QWidget) -> QLabel:
        label = error_label()
        self._labels[name] = label
        self._widgets[name] = widget
        return label

    def clear(self) -> None:
        for label in self._labels.values():
            label.clear()
            label.hide()
        for widget in self._widgets.values():
            mark_invalid(widget, False)

    def show(self, errors: Mapping[str, str]) -> list[str]:
        """Show each message under its field; returns the messages that have no field here."""
        self.clear()
        unplaced = []
        first: QWidget | None = None
        for name, message in errors.items():
            label = self._labels.get(name)
            if label is None:
                unplaced.append(message)
                continue
            label.setText(message)
            label.show()
            widget = self._widgets[name]
            mark_invalid(widget, True)
            first = first or widget
        if first is not None:
            first.setFocus()
        return unplaced

    def text(self, name: str) -> str:
        label = self._labels.get(name)
        return label.text() if label is not None and label.isVisible() else ""


def report_in_form(parent: QWidget, exc: Exception, errors: FieldErrors, banner: QLabel) -> None:
    """A service refused what the form asked: each field's message under that field, any other
    refusal in the form's banner, and anything unexpected to the crash dialog."""
    if isinstance(exc, ValidationError):
        for message in errors.show(exc.fields):
            show_banner(banner, message, "bannerError")
    elif isinstance(exc, HmsError):
        show_banner(banner, exc.message, "bannerError")
    else:
        show_error(parent, exc)
