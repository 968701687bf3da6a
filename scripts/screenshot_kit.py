"""What the screenshot scripts share: a throw-away clinic, waiting for the screen to settle, saving.

Import it before anything from hms_desktop: it makes password hashing cheap for the demo accounts.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HMS_BCRYPT_ROUNDS", "4")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from hms_desktop.bootstrap import Services, build_services  # noqa: E402
from hms_desktop.services import migrations  # noqa: E402
from hms_desktop.services.identity import CurrentUser  # noqa: E402
from hms_desktop.ui.common.worker import TaskRunner  # noqa: E402

ADMIN_PASSWORD = "Front-desk-1"


def output_folder(default: str = "shots") -> Path:
    """The folder named on the command line (or ``default``), created if need be."""
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scratch_dir(prefix: str) -> Path:
    """A new temporary folder that also serves as the app's data directory (logs, backups)."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["HMS_DATA_DIR"] = str(tmp)
    return tmp


def scratch_clinic(prefix: str) -> tuple[Services, CurrentUser]:
    """A migrated SQLite clinic in a new temporary folder, signed in as its first admin, Asha Rao."""
    tmp = scratch_dir(prefix)
    services = build_services(f"sqlite:///{tmp / 'shots.sqlite3'}")
    migrations.upgrade(services.db)
    services.staff.create_first_admin("asha", "Asha Rao", ADMIN_PASSWORD)
    return services, services.auth.sign_in("asha", ADMIN_PASSWORD)


def settle(runner: TaskRunner | None = None, ms: int = 300) -> None:
    """Let the event loop run for ``ms``, then until the worker has delivered everything."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    while runner is not None and runner.busy:
        settle(None, 50)


def save(widget: QWidget, folder: Path, name: str, runner: TaskRunner | None = None, ms: int = 400) -> Path:
    settle(runner, ms)
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    print(path)
    return path
