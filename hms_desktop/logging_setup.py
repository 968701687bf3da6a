"""One place that sets up logging: a rotating file in the data directory, warnings to stderr."""

from __future__ import annotations

import logging
import logging.handlers

from .paths import log_dir


def configure(verbose: bool = False) -> None:
    root = logging.getLogger()
    if getattr(root, "_hms_configured", False):
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        file_handler = logging.handlers.RotatingFileHandler(
            log_dir() / "hms.log", maxBytes=2_000_000, backupCount=5, encoding="utf-8"
        )
        file_handler.setFormatter(fmt)
        root.addHandler(file_handler)
    except OSError:
        pass  # a read-only data directory must not stop the app; stderr still gets warnings
    console = logging.StreamHandler()
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(fmt)
    root.addHandler(console)
    root._hms_configured = True  # type: ignore[attr-defined]
