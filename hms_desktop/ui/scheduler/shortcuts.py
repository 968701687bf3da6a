"""The Scheduler's keys, in one list: the tab binds them and Help -> Keyboard shortcuts shows them."""

from __future__ import annotations

BOOK = "Ctrl+B"
WALK_IN = "Ctrl+Shift+B"
NEXT_FREE = "Ctrl+G"
CHECK_IN = "Ctrl+I"
TODAY = "Ctrl+T"
PREVIOUS = "Alt+Left"
NEXT = "Alt+Right"
PRINT_SLIP = "Ctrl+P"
SAVE_SLIP = "Ctrl+Shift+P"
REFRESH = "F5"
PANEL = "Ctrl+Shift+L"

#: (keys, what they do), in the order Help shows them.
SCHEDULER_KEYS: tuple[tuple[str, str], ...] = (
    (BOOK, "book the selected free slot (or Enter on it)"),
    (WALK_IN, "add a walk-in"),
    (NEXT_FREE, "find the next free time, from any tab (Enter books the first result)"),
    (CHECK_IN, "check in the selected appointment"),
    (TODAY, "go to today"),
    (f"{PREVIOUS} / {NEXT}", "previous / next day (or week)"),
    (PRINT_SLIP, "print the selected appointment's slip"),
    (SAVE_SLIP, "save the slip as a PDF (in the booking dialog: book, then save the slip)"),
    (REFRESH, "reload the schedule"),
    (PANEL, "show or hide the calendar and doctor list"),
)


def help_text() -> str:
    return "\n".join(f"{keys}  {what}" for keys, what in SCHEDULER_KEYS)
