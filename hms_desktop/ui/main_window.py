"""The main window: tabs for what the signed-in person's role allows, and who/where in the status bar."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from .. import __version__
from ..services import desk_sessions
from ..services.identity import CurrentUser
from ..services.permissions import Permission
from .billing.billing_tab import billing_keys
from .common import chart_preload
from .common.balances import balance_loader
from .common.lazy_tabs import LazyTabs
from .common.live_updates import ChangeWatcher
from .common.messages import show_error, show_info
from .common.window_fit import ElidedLabel, clamp_to_screen
from .common.worker import TaskRunner
from .notifications.bell import BellButton
from .notifications.desk_dispatch import DeskDispatch
from .patients.patients_tab import PatientsTab
from .scheduler.shortcuts import NEXT_FREE
from .scheduler.shortcuts import help_text as scheduler_keys
from .session.change_password_dialog import ChangePasswordDialog
from .session.idle_lock import IdleLock

PREFERRED_SIZE = QSize(1200, 760)


log = logging.getLogger(__name__)

BACKUP_CHECK_MS = 60 * 60 * 1000
FIRST_BACKUP_CHECK_MS = 2 * 60 * 1000
# After the Patients tab's first rows, before a person is likely to open a chart.
CHART_PRELOAD_MS = 1500


class MainWindow(QMainWindow):
    sign_out_requested = Signal(str)  # why the session ended ("" when the person signed out)

    def __init__(self, services, runner: TaskRunner, user: CurrentUser, *, idle_lock_minutes: int = 10,  # type: ignore[no-untyped-def]
                 clinic_name: str = "HMS Clinic") -> None:
        super().__init__()
        self.services = services
        self.runner = runner
        self.user = user
        self.setWindowTitle(f"{clinic_name} — HMS Desktop")

        self.tabs = QTabWidget(objectName="mainTabs")
        self.setCentralWidget(self.tabs)
        # One live-update feed for the whole window: bookings, moves, cancellations and arrivals
        # made at other workstations reach every tab that shows them.
        self.watcher: ChangeWatcher | None = None
        if user.can(Permission.SCHEDULE_VIEW):
            self.watcher = ChangeWatcher(services.scheduling.open_change_feed, self)
        self.patients_tab = PatientsTab(services.patients, runner, user, watcher=self.watcher,
                                        scheduling=services.scheduling)
        self.patients_tab.status_message.connect(self._show_status)
        if user.can(Permission.DOCTOR_VIEW):
            self.patients_tab.offer_doctors(services.doctors.search)
        self.queues_tab: QWidget | None = None
        self.scheduler_tab: QWidget | None = None
        # Billing, Doctors, Staff, Audit log, Dashboard and Reports are built when first shown
        # (lazy_tabs.py): what the window opens with is what a desk needs in its first second.
        self.lazy_tabs = LazyTabs(self.tabs)
        is_doctor = user.role == "doctor"
        if user.can(Permission.SCHEDULE_VIEW):
            from .queues.queues_tab import QueuesTab

            self.queues_tab = QueuesTab(services, runner, user, self.watcher)
            self.queues_tab.notify.connect(self._show_status)
        if is_doctor and self.queues_tab is not None:
            self.tabs.addTab(self.queues_tab, "&Today")
        self.tabs.addTab(self.patients_tab, "&Patients")
        if user.can(Permission.SCHEDULE_VIEW):
            from .scheduler.scheduler_tab import SchedulerTab

            self.scheduler_tab = SchedulerTab(services, runner, user, self.watcher)
            self.tabs.addTab(self.scheduler_tab, "S&cheduler")
            self.scheduler_tab.status_message.connect(self._show_status)
            self.patients_tab.offer_booking(self._book_for_patient)
            if user.can(Permission.WAITLIST_VIEW):
                self.patients_tab.offer_waiting_list(
                    services.waiting_list.entries,
                    self._waiting_list_for_patient if user.can(Permission.WAITLIST_MANAGE) else None)
        if user.can(Permission.BILLING_VIEW):
            self.lazy_tabs.add("billing_tab", "&Billing", self._build_billing_tab)
            self.patients_tab.offer_balances(balance_loader(services, user))
            if user.can(Permission.INVOICE_CREATE):
                for tab in (self.scheduler_tab, self.queues_tab, self.patients_tab):
                    if tab is not None:
                        tab.offer_billing(self.bill_visit)  # type: ignore[attr-defined]
        self.visit_records = None
        if user.can(Permission.CLINICAL_READ) and (user.can(Permission.CLINICAL_WRITE) or user.can(Permission.VITALS_WRITE)):
            from .clinical.visit_launcher import VisitLauncher

            self.visit_records = VisitLauncher(services, runner, user, self, watcher=self.watcher)
            for tab in (self.scheduler_tab, self.queues_tab):
                if tab is not None:
                    tab.offer_visit_record(self.visit_records.open)  # type: ignore[attr-defined]
        self.patients_tab.offer_photos(services.patient_photos)
        if user.can(Permission.CLINICAL_READ):
            from .clinical.clinical_history import load_clinical_history
            from .clinical.documents_panel import document_desk

            self.patients_tab.offer_documents(document_desk(services, user))

            self.patients_tab.offer_clinical_history(lambda pid, limit: load_clinical_history(services, pid, limit),
                                                     self.visit_records.open_visit if self.visit_records else None)
        if user.can(Permission.DOCTOR_VIEW):
            self.lazy_tabs.add("doctors_tab", "&Doctors", self._build_doctors_tab)
        if not is_doctor and self.queues_tab is not None:
            self.tabs.addTab(self.queues_tab, "&Queues")
        if user.can(Permission.STAFF_VIEW):
            self.lazy_tabs.add("staff_tab", "&Staff", self._build_staff_tab)
        if user.can(Permission.AUDIT_VIEW):
            self.lazy_tabs.add("audit_tab", "&Audit log", self._build_audit_tab)
        if any(user.can(p) for p in (Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN, Permission.REPORTS_MONEY)):
            self.lazy_tabs.add("dashboard_tab", "Dashb&oard", self._build_dashboard_tab)
            self.lazy_tabs.add("reports_tab", "&Reports", self._build_reports_tab)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.next_free_key: QShortcut | None = None
        if self.scheduler_tab is not None and user.can(Permission.SCHEDULE_BOOK):
            # Ctrl+G (the next free time) from any tab; on the Scheduler its own key answers, so this
            # one is off there (two live shortcuts for one key would both stay silent).
            self.next_free_key = QShortcut(QKeySequence(NEXT_FREE), self, activated=self._find_next_free)

        self._build_menus()
        self._build_status_bar()
        self.bell = BellButton(services.bell, runner, self.menuBar())
        self.bell.open_requested.connect(self.open_notification)
        self.menuBar().setCornerWidget(self.bell, Qt.Corner.TopRightCorner)
        if self.watcher is not None:
            self.watcher.changed.connect(self.bell.changes)
        self.bell.reload()

        self.idle_lock = IdleLock(services.auth, runner, idle_lock_minutes, self)
        self.idle_lock.sign_out_requested.connect(self.sign_out_requested)
        # This desk sends the outbox while it holds the dispatch lock. Gated on the permission the
        # dispatcher's own units of work check (NOTIFICATIONS_SEND), so there is one rule for who
        # may send, here and in `hms notify run`; which roles a clinic trusts with it is the
        # permission table's business, not the window's.
        self.desk_dispatch: DeskDispatch | None = None
        if user.can(Permission.NOTIFICATIONS_SEND):
            self.desk_dispatch = DeskDispatch(services, self)
            self.idle_lock.locked_changed.connect(self.desk_dispatch.locked_changed)
            self.desk_dispatch.start()
        runner.default_error_handler = self._show_error

        self._placed = False
        self._place_on_screen()
        self.patients_tab.reload()
        if self.watcher is not None:
            self.watcher.start()
        # The daily backup of a SQLite clinic (Admin -> Backups): checked soon after sign-in and then
        # every hour; whichever desk finds it due takes it, on the worker.
        self.backup_timer = QTimer(self, interval=BACKUP_CHECK_MS)
        self.backup_timer.timeout.connect(self.backup_if_due)
        self.backup_timer.start()
        QTimer.singleShot(FIRST_BACKUP_CHECK_MS, self, self.backup_if_due)
        # This desk's heartbeat: another desk signing out counts this one as still working while it
        # beats (services/desk_sessions.py), so the last-out backup waits for the real last one.
        self.heartbeat_timer = QTimer(self, interval=int(desk_sessions.HEARTBEAT.total_seconds() * 1000))
        self.heartbeat_timer.timeout.connect(self._heartbeat)
        self.heartbeat_timer.start()
        # Charts (Dashboard, Reports, the vitals trend) without the wait of their first import.
        if user.can(Permission.CLINICAL_READ) or any(
                user.can(p) for p in (Permission.REPORTS_VIEW, Permission.REPORTS_VIEW_OWN, Permission.REPORTS_MONEY)):
            QTimer.singleShot(CHART_PRELOAD_MS, self, chart_preload.preload)
        self.tabs.setCurrentIndex(0)
        self._tab_changed(0)
        if self.tabs.currentWidget() is self.patients_tab:
            self.patients_tab.search.setFocus()

    def _build_menus(self) -> None:
        # Mnemonics are unique across menus and tabs (Alt+S is the Staff tab, Alt+A the Audit log).
        session = self.menuBar().addMenu("S&ession")
        self.lock_action = QAction("&Lock workstation", self, shortcut=QKeySequence("Ctrl+L"))
        # Also while a dialog (New patient, a booking) is open over the window.
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(lambda: self.idle_lock.lock())
        change = QAction("&Change my password…", self)
        change.triggered.connect(self.change_password)
        self.sign_out_action = QAction("Sign &out", self, shortcut=QKeySequence("Ctrl+Shift+Q"))
        self.sign_out_action.triggered.connect(lambda: self.sign_out_requested.emit(""))
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (self.lock_action, change, self.sign_out_action):
            session.addAction(action)
        session.addSeparator()
        session.addAction(quit_action)
        if self.user.can(Permission.SETTINGS_MANAGE):
            admin = self.menuBar().addMenu("Ad&min")
            settings_action = QAction("Clinic &settings…", self)
            settings_action.triggered.connect(self.edit_clinic_settings)
            admin.addAction(settings_action)
            mail_action = QAction("Patient &messages…", self)
            mail_action.triggered.connect(lambda: self.open_patient_email())
            admin.addAction(mail_action)
            if self.user.can(Permission.BACKUP_MANAGE):
                backups_action = QAction("&Backups and audit check…", self)
                backups_action.triggered.connect(self.open_backups)
                admin.addAction(backups_action)
            if self.user.can(Permission.PRICE_LIST_MANAGE):
                prices_action = QAction("P&rice list…", self, objectName="priceListAction")
                prices_action.triggered.connect(self.open_price_list)
                admin.addAction(prices_action)
            if self.user.can(Permission.FORMULARY_MANAGE):
                formulary_action = QAction("&Formulary…", self, objectName="formularyAction")
                formulary_action.triggered.connect(self.open_formulary)
                admin.addAction(formulary_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About HMS Desktop", self)
        about.triggered.connect(self._about)
        keys = QAction("&Keyboard shortcuts", self)
        keys.triggered.connect(self._shortcuts)
        help_menu.addAction(keys)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        # Eliding labels: a long text (a database error) must never widen the window.
        self.user_label = ElidedLabel(f"Signed in: {self.user.full_name} ({self.user.role_label})", objectName="statusUser")
        self.database_label = ElidedLabel(f"Database: {self.services.db.description}", objectName="statusDatabase")
        self.activity_label = ElidedLabel("", objectName="statusActivity")
        bar.addPermanentWidget(self.activity_label)
        bar.addPermanentWidget(self.user_label)
        bar.addPermanentWidget(self.database_label)
        # A bound method, not a lambda: Qt drops the connection when this window is deleted.
        self.runner.idle_changed.connect(self._show_activity)
        self.runner.submit(self.services.db.connection_security, on_done=self._show_security,
                           on_error=lambda exc: None, context=self)

    def _show_security(self, security: str) -> None:
        self.database_label.setText(f"Database: {self.services.db.description} · {security}")

    def _place_on_screen(self) -> None:
        """The user's last size and place, else 1200x760, but always within the screen it is on."""
        geometry = QSettings().value("main_window/geometry")
        if geometry is not None and self.restoreGeometry(geometry):
            clamp_to_screen(self)
        else:
            clamp_to_screen(self, PREFERRED_SIZE)

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _show_activity(self, idle: bool) -> None:
        self.activity_label.setText("" if idle else "Working…")

    # The tabs built when first shown, and how.
    billing_tab = property(lambda self: self.lazy_tabs.get("billing_tab"))
    doctors_tab = property(lambda self: self.lazy_tabs.get("doctors_tab"))
    staff_tab = property(lambda self: self.lazy_tabs.get("staff_tab"))
    audit_tab = property(lambda self: self.lazy_tabs.get("audit_tab"))
    dashboard_tab = property(lambda self: self.lazy_tabs.get("dashboard_tab"))
    reports_tab = property(lambda self: self.lazy_tabs.get("reports_tab"))

    def _build_billing_tab(self) -> QWidget:
        from .billing.billing_tab import BillingTab

        tab = BillingTab(self.services, self.runner, self.user, self.watcher)
        tab.status_message.connect(self._show_status)
        return tab

    def _build_doctors_tab(self) -> QWidget:
        from .doctors.doctors_tab import DoctorsTab

        return DoctorsTab(self.services, self.runner, self.user)

    def _build_staff_tab(self) -> QWidget:
        from .staff.staff_tab import StaffTab

        return StaffTab(self.services.staff, self.runner, self.user)

    def _build_audit_tab(self) -> QWidget:
        from .audit.audit_tab import AuditTab

        return AuditTab(self.services.audit_log, self.runner)

    def _build_dashboard_tab(self) -> QWidget:
        from .dashboard.dashboard_tab import DashboardTab

        tab = DashboardTab(self.services, self.runner, self.user, self.watcher)
        tab.open_day.connect(self.open_schedule_day)
        tab.open_billing.connect(self.open_billing_day)
        return tab

    def _build_reports_tab(self) -> QWidget:
        from .reports.reports_tab import ReportsTab

        return ReportsTab(self.services, self.runner, self.user)

    def _tab_changed(self, index: int) -> None:
        widget = self.lazy_tabs.page(index)
        if self.next_free_key is not None:
            self.next_free_key.setEnabled(widget is not self.scheduler_tab)
        refresh = getattr(widget, "refresh", None)
        if widget is not self.patients_tab and callable(refresh):
            refresh()

    def change_password(self, forced: bool = False) -> ChangePasswordDialog:
        dialog = ChangePasswordDialog(self.services.auth, self.runner, forced=forced, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.statusBar().showMessage("Your password has been changed.", 8000))
        dialog.open()
        return dialog

    def _heartbeat(self) -> None:
        self.runner.submit(self.services.auth.heartbeat, context=self, key="desk-heartbeat",
                           on_error=lambda exc: log.info("Heartbeat: %s", exc))

    def backup_if_due(self) -> None:
        self.runner.submit(self.services.backups.backup_if_due, on_done=self._backup_taken,
                           on_error=self._backup_failed, context=self, key="scheduled-backup")

    def _backup_taken(self, entry) -> None:  # type: ignore[no-untyped-def]
        if entry is None:
            return
        if entry.verified:
            self._show_status(f"Daily backup taken and verified: {entry.path}")
        else:
            self._show_status(f"The daily backup could not be verified ({entry.why_not}); see Admin → Backups.")

    def _backup_failed(self, exc: Exception) -> None:
        log.warning("Scheduled backup failed: %s", exc)
        self._show_status(f"The daily backup failed: {exc}")

    def open_backups(self) -> None:
        from .backups.backups_dialog import BackupsDialog

        dialog = BackupsDialog(self.services, self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(lambda _before: self.sign_out_requested.emit(
            "The clinic's data was restored from a backup; please sign in again."))
        dialog.open()

    def open_price_list(self) -> None:
        from .billing.price_list_dialog import PriceListDialog

        dialog = PriceListDialog(self.services, self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_formulary(self) -> None:
        from .clinical.formulary_dialog import FormularyDialog

        dialog = FormularyDialog(self.services.formulary, self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_patient_email(self, select_outbox_id: int | None = None):  # type: ignore[no-untyped-def]
        from .notifications.patient_email_dialog import PatientEmailDialog

        dialog = PatientEmailDialog(self.services.notifications, self.runner, parent=self,
                                    templates=self.services.message_templates)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if select_outbox_id is not None:
            dialog.show_outbox(select_outbox_id)
        dialog.open()
        return dialog

    def open_notification(self, item) -> None:  # type: ignore[no-untyped-def] - a BellItem
        """What a bell item refers to: a message in the outbox, a freed slot in the Scheduler, an
        appointment's day, a patient."""
        if item.outbox_id is not None and self.user.can(Permission.SETTINGS_MANAGE):
            self.open_patient_email(select_outbox_id=item.outbox_id)
        elif item.kind in ("slot_freed", "slot_booked") and item.slot_at is not None and self.scheduler_tab is not None:
            self.tabs.setCurrentWidget(self.scheduler_tab)
            self.scheduler_tab.show_slot(item.doctor_id, item.slot_at)  # type: ignore[attr-defined]
        elif item.appointment_id is not None and item.kind == "arrived" and self.queues_tab is not None:
            self.tabs.setCurrentWidget(self.queues_tab)
            self.queues_tab.select_appointment(item.appointment_id)  # type: ignore[attr-defined]
        elif item.appointment_id is not None and item.day is not None and self.scheduler_tab is not None:
            self.tabs.setCurrentWidget(self.scheduler_tab)
            self.scheduler_tab.show_day(item.day)  # type: ignore[attr-defined]
        elif item.patient_id is not None:
            self.tabs.setCurrentWidget(self.patients_tab)
            self.patients_tab.open_patient(item.patient_id)

    def edit_clinic_settings(self) -> None:
        from .settings.clinic_settings_dialog import ClinicSettingsDialog

        dialog = ClinicSettingsDialog(self.services.settings, self.runner, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._settings_changed)
        dialog.open()

    def _settings_changed(self) -> None:
        self.runner.submit(self.services.settings.get, on_done=self._apply_settings, context=self)

    def _apply_settings(self, settings) -> None:  # type: ignore[no-untyped-def]
        self.idle_lock.set_minutes(settings.idle_lock_minutes)
        self.setWindowTitle(f"{settings.clinic_name} — HMS Desktop")

    def _about(self) -> None:
        show_info(
            self, "About HMS Desktop",
            f"HMS Desktop {__version__}\nA front-desk application for hospitals and clinics.\n\n"
            f"Database: {self.services.db.description}",
        )

    def _shortcuts(self) -> None:
        show_info(
            self, "Keyboard shortcuts",
            "Ctrl+F  search patients\nCtrl+N  register a new patient\nEnter  open the selected patient\n"
            "Down / Up  move between the search box and the list\nEsc  clear the search\n"
            "Ctrl+Shift+N  open your notifications (the bell)\n"
            "Ctrl+L  lock the workstation\nCtrl+Shift+Q  sign out\n"
            "Alt + the underlined letter of a tab  switch to that tab\n\n"
            "In the Scheduler:\n" + scheduler_keys()
            + ("\n\nIn Billing:\n" + billing_keys() if self.lazy_tabs.has("billing_tab") else ""),
        )

    def _find_next_free(self) -> None:
        self.tabs.setCurrentWidget(self.scheduler_tab)
        self.scheduler_tab.find_next_free_soon()  # type: ignore[union-attr]

    def _book_for_patient(self, patient) -> None:  # type: ignore[no-untyped-def] - PatientRecord
        """The patient record's "Book" action: the Scheduler, its next free time, this patient."""
        self.tabs.setCurrentWidget(self.scheduler_tab)
        self.scheduler_tab.book_for_patient(patient)  # type: ignore[union-attr]

    def _waiting_list_for_patient(self, patient) -> None:  # type: ignore[no-untyped-def] - PatientRecord
        """The patient record's "Add to waiting list…": the Scheduler's waiting list, this patient chosen."""
        self.tabs.setCurrentWidget(self.scheduler_tab)
        self.scheduler_tab.waiting_list_for(patient)  # type: ignore[union-attr]

    def open_schedule_day(self, day) -> None:  # type: ignore[no-untyped-def] - a date
        """A dashboard figure's list: the Scheduler on that day."""
        if self.scheduler_tab is not None:
            self.tabs.setCurrentWidget(self.scheduler_tab)
            self.scheduler_tab.show_day(day)  # type: ignore[attr-defined]

    def open_billing_day(self, day) -> None:  # type: ignore[no-untyped-def] - a date
        """A dashboard money figure's list: the Billing tab's invoices of that day."""
        tab = self.billing_tab
        if tab is None:
            return
        tab.all_dates.setChecked(False)  # type: ignore[attr-defined]
        tab.day_from.setDate(day)  # type: ignore[attr-defined]
        tab.day_to.setDate(day)  # type: ignore[attr-defined]
        self.tabs.setCurrentWidget(tab)

    def bill_visit(self, patient_id: int, appointment_id: int | None = None):  # type: ignore[no-untyped-def]
        """"Bill this visit" from the Scheduler, the Queues tab or the patient record: the Billing
        tab, with the visit's invoice open (started with the doctor's fee, or the one it has)."""
        tab = self.billing_tab
        self.tabs.setCurrentWidget(tab)
        return tab.bill_visit(patient_id, appointment_id)  # type: ignore[union-attr]

    def _show_error(self, exc: Exception) -> None:
        show_error(self, exc)

    def showEvent(self, event) -> None:  # noqa: N802, ANN001 - Qt override
        super().showEvent(event)
        if not self._placed:
            # Once the window manager has framed it, the frame's real size is known: fit again.
            self._placed = True
            QTimer.singleShot(0, self, self._fit_after_frame)

    def _fit_after_frame(self) -> None:
        clamp_to_screen(self)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        QSettings().setValue("main_window/geometry", self.saveGeometry())
        self.idle_lock.stop()
        if self.desk_dispatch is not None:
            self.desk_dispatch.stop()
        if self.watcher is not None:
            self.watcher.stop()
        if self.runner.default_error_handler == self._show_error:
            self.runner.default_error_handler = None
        super().closeEvent(event)

