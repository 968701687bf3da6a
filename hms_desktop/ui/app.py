"""Starting the desktop application: choose and reach the database, sign in, open the main window.

The sign-in window comes first. SQLAlchemy, the models, the services and the main window's modules
(about two thirds of the start-up time) are imported on the worker thread while the person types,
together with reaching the database and bringing its schema up to date (``open_clinic``). The
window opens with the clinic's name from the last run; a sign-in pressed before the worker is done
waits behind it in the worker's queue. tests/ui/test_start_up.py fails if a heavy module is
imported before the window shows.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ..config import resolve_database, save_database_url
from ..paths import resources_dir
from ..services.errors import HmsError
from .common.main_thread_gc import MainThreadGarbageCollector
from .common.messages import install_crash_handler
from .common.worker import TaskRunner
from .session.change_password_dialog import ChangePasswordDialog
from .session.database_dialog import DatabaseDialog
from .session.first_run_dialog import FirstRunDialog
from .session.login_dialog import LoginDialog

if TYPE_CHECKING:
    from ..bootstrap import Services
    from ..services.identity import CurrentUser
    from .main_window import MainWindow

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    QCoreApplication.setOrganizationName("HMS")
    QCoreApplication.setApplicationName("HMS Desktop")
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    if getattr(app, "hms_gc", None) is None:
        app.hms_gc = MainThreadGarbageCollector(app)  # type: ignore[attr-defined]
    app.setStyle("Fusion")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "hms.svg")))
    style = resources_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app  # type: ignore[return-value]


CLINIC_NAME_KEY = "session/clinic_name"  # shown in the sign-in window before the database is reached
OPENING = "opening…"


@dataclass(frozen=True)
class OpenedClinic:
    """What ``open_clinic`` found, handed from the worker to the GUI thread."""

    services: Services
    has_accounts: bool
    clinic_name: str


def open_clinic(url: str) -> OpenedClinic:
    """On the worker: import the database layer and the services, reach the database, bring its
    schema up to date, and import the main window's modules for the moment someone signs in.
    Raises ValueError for an address this program does not understand, HmsError for a database it
    cannot reach, anything else for one it cannot prepare."""
    from ..bootstrap import build_services
    from ..services import migrations
    from . import main_window  # noqa: F401 - imported here, off the GUI thread

    services = build_services(url)
    try:
        services.db.check_connection()
        backup = migrations.upgrade(services.db)
        if backup:
            log.info("Upgraded the database schema after backing it up to %s", backup)
        has_accounts = services.auth.has_any_accounts()
        clinic = ""
        if has_accounts:
            try:
                clinic = services.settings.get().clinic_name
            except HmsError:
                clinic = "HMS Desktop"
        services.db.warm_up()
    except BaseException:
        services.close()
        raise
    return OpenedClinic(services, has_accounts, clinic)


class _SignInWhenReady:
    """The sign-in window's ``auth`` until the services exist. Its call runs on the worker, queued
    behind ``open_clinic``, so by then the services are there (or the opening failed and the
    window is gone)."""

    def __init__(self, controller: AppController) -> None:
        self._controller = controller

    def sign_in(self, username: str, password: str) -> CurrentUser:
        return self._opened().auth.sign_in(username, password)

    def request_reset(self, username: str) -> str:
        return self._opened().password_reset.request_reset(username)

    def confirm_reset(self, username: str, code: str, new_password: str) -> None:
        self._opened().password_reset.confirm_reset(username, code, new_password)

    def _opened(self) -> Services:
        services = self._controller.opened_services
        if services is None:
            raise HmsError("The database could not be opened; choose one first.")
        return services


class AppController(QObject):
    """Walks through start-up: database -> (first run | sign in) -> main window -> sign out -> sign in."""

    def __init__(self, app: QApplication, database: str | None) -> None:
        super().__init__()
        self.app = app
        self.database = database
        self.runner = TaskRunner(self)
        self.services: Services | None = None
        self.window: MainWindow | None = None
        self.login: LoginDialog | None = None
        self.first_run: FirstRunDialog | None = None
        self.database_dialog: DatabaseDialog | None = None
        self.password_dialog: ChangePasswordDialog | None = None
        self.opening = False  # open_clinic queued or running on the worker
        self.opened_services: Services | None = None  # the newest opened, as the worker sees it
        self.runner.session_end_handler = self.session_ended

    def start(self) -> None:
        """Show the sign-in window now; resolve, reach and prepare the database on the worker."""
        remembered = QSettings().value(CLINIC_NAME_KEY)
        self.login = self._login_window(remembered if isinstance(remembered, str) and remembered else "HMS Desktop",
                                        OPENING)
        self.login.show()
        self.login.raise_()
        self.login.activateWindow()
        self.opening = True
        # Queued now, so that a sign-in pressed at once waits behind it; but the worker starts
        # importing only once the event loop has drawn the window (the GIL is not shared before).
        shown = threading.Event()
        QTimer.singleShot(0, shown.set)

        def url() -> str:
            shown.wait(5)
            return resolve_database(self.database).url

        self._open(url, remember=False)

    @property
    def ready(self) -> bool:
        """Start-up is over: a database is open (or the person is being asked for one)."""
        return not self.opening

    # --- database ----------------------------------------------------------------------------

    def try_database(self, url: str, *, remember: bool, retried: bool = False) -> None:
        self.opening = True
        self._open(lambda: url, remember=remember, retried=retried)

    def _open(self, url_of, *, remember: bool, retried: bool = False) -> None:  # type: ignore[no-untyped-def]
        tried: list[str] = []

        def work() -> OpenedClinic:
            tried.append(url_of())
            opened = open_clinic(tried[0])
            # Set here, on the worker: the sign-in queued behind this call runs before the GUI
            # thread has been handed the result.
            self.opened_services = opened.services
            return opened

        def failed(exc: Exception) -> None:
            self.opening = False
            url = tried[0] if tried else ""
            if self.services is None:
                self._drop_login()  # the start-up window: there is nothing to sign in to
            if isinstance(exc, ValueError):
                self.ask_for_database(str(exc), url, retried=retried)
            elif isinstance(exc, HmsError):
                self.ask_for_database(exc.message, url, retried=retried)
            else:  # e.g. a newer schema than this version knows
                log.error("Could not prepare the database", exc_info=exc)
                self.ask_for_database(f"The database could not be prepared: {exc}", url, retried=retried)

        self.runner.submit(work, on_done=lambda opened: self._opened(opened, tried[0], remember), on_error=failed)

    def _opened(self, opened: OpenedClinic, url: str, remember: bool) -> None:
        self.opening = False
        if remember:
            save_database_url(url)
        if self.services is not None and self.services is not opened.services:
            self.services.close()
        self.services = opened.services
        if opened.clinic_name:
            QSettings().setValue(CLINIC_NAME_KEY, opened.clinic_name)
        self.after_database(opened)

    def ask_for_database(self, problem: str | None, url: str, *, retried: bool = False) -> None:
        from ..services.database import describe_url, normalise_url

        try:
            current = describe_url(normalise_url(url))
        except ValueError:
            current = "(not a database address this program understands)"
        if problem and retried:
            # "Try again" with the server still down must not look as if nothing happened.
            problem = f"Still not reachable (tried again at {datetime.now().strftime('%H:%M:%S')}). {problem}"
        if self.database_dialog is not None:
            self.database_dialog.hide()
            self.database_dialog.deleteLater()
        dialog = DatabaseDialog(problem=problem, current=current, url=url)
        self.database_dialog = dialog

        def chosen() -> None:
            if dialog.chosen_url:
                self.try_database(dialog.chosen_url, remember=dialog.remember.isChecked())
            else:
                self.try_database(url, remember=False, retried=True)

        def cancelled() -> None:
            if self.services is None:
                self.app.quit()
            elif self.login is not None:
                self.login.show()

        dialog.accepted.connect(chosen)
        dialog.rejected.connect(cancelled)
        dialog.show()

    # --- signing in --------------------------------------------------------------------------

    def after_database(self, opened: OpenedClinic) -> None:
        assert self.services is not None
        if self.database_dialog is not None and self.database_dialog.isVisible():
            self.database_dialog.hide()
        if not opened.has_accounts:
            self._drop_login()
            self.first_run = FirstRunDialog(self.services, self.runner)
            self.first_run.accepted.connect(lambda: self.signed_in(self.first_run.user))  # type: ignore[union-attr]
            self.first_run.rejected.connect(self.app.quit)
            self.first_run.show()
            return
        if self.login is not None and self.login.isVisible():
            # Still the window shown at start-up, maybe half filled in: keep it, name the clinic.
            self.login.set_clinic(opened.clinic_name, self.services.db.description)
            return
        self.show_login(clinic=opened.clinic_name)

    def show_login(self, message: str = "", *, clinic: str | None = None) -> None:
        """The sign-in window, for the next person; ``message`` says why the last one ended."""
        assert self.services is not None
        if clinic is None:
            try:
                clinic = self.services.settings.get().clinic_name
            except HmsError:
                clinic = "HMS Desktop"
        self._drop_login()
        self.login = self._login_window(clinic, self.services.db.description)
        if message:
            self.login.show_message(message)
        self.login.show()
        self.login.raise_()
        self.login.activateWindow()

    def _login_window(self, clinic: str, database_description: str) -> LoginDialog:
        ready = _SignInWhenReady(self)
        login = LoginDialog(ready, self.runner, clinic_name=clinic, database_description=database_description,
                            resets=ready)
        login.accepted.connect(lambda: self.signed_in(login.user))
        login.rejected.connect(self._login_cancelled)
        login.change_database_requested.connect(self._change_database)
        return login

    def _drop_login(self) -> None:
        if self.login is not None:
            old, self.login = self.login, None
            old.hide()
            old.deleteLater()

    def _login_cancelled(self) -> None:
        if self.database_dialog is None or not self.database_dialog.isVisible():
            self.app.quit()

    def _change_database(self) -> None:
        assert self.login is not None
        if self.services is None:
            return  # still opening: the Database window comes up by itself if that fails
        self.login.hide()
        self.ask_for_database(None, self.services.db.url.render_as_string(hide_password=False))

    def signed_in(self, user: CurrentUser | None) -> None:
        assert self.services is not None and user is not None
        if user.must_change_password:
            # Nothing of the clinic's data until the temporary password has been replaced.
            dialog = ChangePasswordDialog(self.services.auth, self.runner, forced=True)
            dialog.setObjectName("forcedPasswordChange")
            self.password_dialog = dialog
            dialog.accepted.connect(lambda: self._password_changed(user))
            dialog.rejected.connect(lambda: self.sign_out())
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()
            return
        self.open_main_window(user)

    def _password_changed(self, user: CurrentUser) -> None:
        dialog, self.password_dialog = self.password_dialog, None
        if dialog is not None:
            dialog.hide()
            dialog.deleteLater()
        self.open_main_window(self.services.auth.current if self.services and self.services.auth.current else user)
        if self.window is not None:
            self.window.statusBar().showMessage("Your password has been changed.", 8000)

    def open_main_window(self, user: CurrentUser) -> None:
        from .main_window import MainWindow  # imported by open_clinic on the worker already

        assert self.services is not None
        settings = self.services.settings.get()
        self.window = MainWindow(
            self.services, self.runner, user, idle_lock_minutes=settings.idle_lock_minutes,
            clinic_name=settings.clinic_name,
        )
        self.window.sign_out_requested.connect(self.sign_out)
        self.window.show()

    def session_ended(self, message: str) -> None:
        """A service call found this desk's account deactivated or given another role."""
        if self.window is None and self.password_dialog is None:
            return  # another queued call of the same session found out first: already signed out
        self.sign_out(message)

    def sign_out(self, message: str = "") -> None:
        """Back to the sign-in window for the next person, nothing of this one's screens left.

        The sign-in window is shown before the main window closes: with no window open, Qt would
        end the program (which is how signing out, and a lock-out at the idle lock, used to quit).
        """
        assert self.services is not None
        window, self.window = self.window, None
        if window is not None:
            window.idle_lock.stop()
        self.show_login(message)
        for widget in QApplication.topLevelWidgets():
            if widget is not self.login and widget.isVisible():
                widget.hide()  # dialogs, messages and the lock window of the session that ended
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
            self.password_dialog = None
        if window is not None:
            window.close()
            window.deleteLater()
        if self.services.auth.current is not None:
            # On the worker: the last desk out takes the sign-out backup there, off the GUI thread.
            self.runner.submit(self.leave, on_error=lambda exc: log.info("Sign-out: %s", exc))

    def leave(self) -> None:
        """Sign this desk out, with the backup when it is the last desk signed in (Admin -> Backups)."""
        assert self.services is not None
        self.services.auth.sign_out(when_last_out=self.services.backups.backup_at_sign_out)


def run_gui(database: str | None) -> int:
    app = make_application()
    install_crash_handler()
    controller = AppController(app, database)
    QTimer.singleShot(0, controller.start)
    code = app.exec()
    controller.runner.shutdown(10_000)
    if controller.services is not None and controller.services.auth.current is not None:
        # Quitting while signed in is a sign-out too. The event loop has ended (no window left to
        # freeze), so the last desk's backup runs here, before the program exits.
        try:
            controller.leave()
        except Exception:  # noqa: BLE001 - quitting: log and go
            log.exception("Sign-out at quit failed")
    if controller.services is not None:
        controller.services.close()
    return code


def self_test() -> int:
    """Start the real main window offscreen on a throw-away database and check that it works."""
    from ..bootstrap import build_services
    from ..services import migrations
    from .main_window import MainWindow

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("HMS_BCRYPT_ROUNDS", "4")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hms-self-test-") as folder:
        os.environ["HMS_DATA_DIR"] = folder
        services = build_services(f"sqlite:///{Path(folder) / 'self-test.sqlite3'}")
        try:
            migrations.upgrade(services.db)
            services.staff.create_first_admin("selftest", "Self Test", "Self-test-pass-1")
            user = services.auth.sign_in("selftest", "Self-test-pass-1")
            services.demo.load_patients(50)
            app = make_application()
            runner = TaskRunner()
            window = MainWindow(services, runner, user)
            window.show()
            loop = QEventLoop()
            deadline = time.perf_counter() + 20
            model = window.patients_tab.model
            while (model.rowCount() == 0 or runner.busy) and time.perf_counter() < deadline:
                loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            problems = []
            if not window.isVisible():
                problems.append("the main window is not visible")
            if model.rowCount() != 50:
                problems.append(f"the Patients tab listed {model.rowCount()} of 50 patients")
            if window.tabs.count() < 1:
                problems.append("no tabs")
            tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
            from ..services.clinical import icd10

            # Package data a bundle can miss (read through importlib.resources, invisible to imports).
            if not any(c.code == "J45.9" for c in icd10.search("asthma", limit=50)):
                problems.append("the ICD-10 code list could not be read")
            window.close()
            runner.shutdown(5000)
            app.processEvents()
        finally:
            services.close()
    elapsed = time.perf_counter() - started
    if problems:
        print("Self-test FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"Self-test passed in {elapsed:.1f} s: main window up with tabs {', '.join(tabs)}; "
          f"{model.rowCount()} patients listed; Qt platform {QApplication.platformName()}.")
    return 0
