"""Choosing a file to read in: Qt's own dialog (the same on every system, and one a test can drive)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFileDialog, QWidget

from ...paths import documents_dir


def open_existing_file(parent: QWidget, title: str, name_filter: str, object_name: str,
                       chosen: Callable[[str], None]) -> QFileDialog:
    """Open (window-modal, not blocking) a dialog for one existing file; ``chosen(path)`` when one is."""
    dialog = QFileDialog(parent, title, str(documents_dir()), name_filter)
    dialog.setObjectName(object_name)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.fileSelected.connect(chosen)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
