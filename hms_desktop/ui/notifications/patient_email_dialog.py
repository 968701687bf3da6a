"""Admin -> Patient messages: the mail server's settings, the SMS gateway's, the templates and
the outbox, on pages of one window."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QVBoxLayout, QWidget

from ...services.notifications.service import NotificationService
from ...services.notifications.template_service import TemplateService
from ..common.worker import TaskRunner
from .mail_server_page import MailServerPage
from .outbox_page import OutboxPage
from .sms_gateway_page import SmsGatewayPage
from .templates_page import TemplatesPage


class PatientEmailDialog(QDialog):
    def __init__(self, service: NotificationService, runner: TaskRunner, parent: QWidget | None = None, *,
                 templates: TemplateService | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Patient messages")
        self.mail_server = MailServerPage(service, runner, self)
        self.sms_gateway = SmsGatewayPage(service, runner, self)
        self.outbox = OutboxPage(service, runner, self)
        self.pages = QTabWidget()
        self.pages.addTab(self.mail_server, "&Mail server")
        self.pages.addTab(self.sms_gateway, "SMS &gateway")
        self.templates: TemplatesPage | None = None
        if templates is not None:
            self.templates = TemplatesPage(templates, runner, self)
            self.pages.addTab(self.templates, "Tem&plates")
        self.pages.addTab(self.outbox, "&Outbox")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(close)
        self.resize(720, 600)

    def show_outbox(self, select_id: int) -> None:
        """The Outbox page, with this message selected once the list has loaded (a bell item)."""
        self.pages.setCurrentWidget(self.outbox)
        self.outbox.refresh(select_id=select_id)
