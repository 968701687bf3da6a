"""The charting library (pyqtgraph, with numpy) imported in the background once the main window is
up, so the first Dashboard, report chart or vitals trend does not wait for it.

The import is most of a first chart's time (about 0.4-0.8 s here, against some 30 ms to draw), and
nothing needs it to show the sign-in window or the Patients tab, so it is not imported at start-up
(tests/ui/test_start_up.py). A plain thread, not the app's worker: the worker's queue is the desk's
(a search must not wait behind an import). Importing creates no Qt object, so it is safe off the GUI
thread; if the GUI thread asks for the module meanwhile, Python's import lock makes it wait for this
import instead of doing its own.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


def _import() -> None:
    try:
        import pyqtgraph  # noqa: F401 - loaded for later
    except Exception:  # noqa: BLE001 - a chart will say what is wrong when it is drawn
        log.exception("Loading the charting library in the background failed")


def preload() -> threading.Thread:
    """Start importing the charting library on a background thread; returns the thread."""
    thread = threading.Thread(target=_import, name="chart-preload", daemon=True)
    thread.start()
    return thread
