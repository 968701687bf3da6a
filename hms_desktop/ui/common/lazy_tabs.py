"""Tabs built when they are first shown, not when the window opens.

The main window of an administrator has ten tabs; building them all before the Patients tab could
show its first rows cost most of the wait after signing in (bench/ui.py). A tab that nothing else
in the window talks to while it is hidden (Billing, Doctors, Staff, Audit log, Dashboard, Reports) is added
as an empty page with its label; the first time it is shown, or the first time code asks for it,
the real tab is built and takes the page's place, at the same position and with the same label.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QTabWidget, QWidget


class LazyTabs:
    def __init__(self, tabs: QTabWidget) -> None:
        self._tabs = tabs
        self._waiting: dict[str, tuple[QWidget, Callable[[], QWidget]]] = {}
        self._built: dict[str, QWidget] = {}

    def add(self, name: str, label: str, build: Callable[[], QWidget]) -> None:
        """A tab ``label`` whose widget ``build()`` makes when it is first needed."""
        placeholder = QWidget(objectName=f"{name}Placeholder")
        self._tabs.addTab(placeholder, label)
        self._waiting[name] = (placeholder, build)

    def get(self, name: str) -> QWidget | None:
        """The tab (built now if it was not yet), or None if the window has no such tab."""
        if name in self._waiting:
            return self._build(name)
        return self._built.get(name)

    def has(self, name: str) -> bool:
        """Whether the window has the tab, built or not (without building it)."""
        return name in self._waiting or name in self._built

    def page(self, index: int) -> QWidget | None:
        """The widget at ``index``, built if it was still waiting to be."""
        widget = self._tabs.widget(index)
        for name, (placeholder, _) in list(self._waiting.items()):
            if placeholder is widget:
                return self._build(name)
        return widget

    def _build(self, name: str) -> QWidget:
        placeholder, build = self._waiting.pop(name)
        widget = build()
        index = self._tabs.indexOf(placeholder)
        label = self._tabs.tabText(index)
        current = self._tabs.currentIndex() == index
        # Swapped without telling the window: to it, the tab it was shown is still the one shown.
        blocker = QSignalBlocker(self._tabs)
        self._tabs.removeTab(index)
        self._tabs.insertTab(index, widget, label)
        if current:
            self._tabs.setCurrentIndex(index)
        del blocker
        placeholder.deleteLater()
        self._built[name] = widget
        return widget
