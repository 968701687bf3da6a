"""Admin -> Patient messages -> Mail server: where the clinic's appointment e-mails go out, tried with
a test message before it is saved. The password goes to this computer's keyring, never the database."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...services.notifications import SmtpSettings
from ...services.notifications.service import NotificationService
from ..common.worker import TaskRunner
from .channel_settings_page import ChannelSettingsPage

#: (stored value, shown text, the port that goes with it)
SECURITY_CHOICES = (
    ("starttls", "STARTTLS (usually port 587)", 587),
    ("tls", "TLS from the start (usually port 465)", 465),
    ("none", "None: a trusted relay on this network only", 25),
)


def _load(service: NotificationService) -> tuple[SmtpSettings, int]:
    return service.smtp_settings(), service.reminder_hours()


class MailServerPage(ChannelSettingsPage):
    def __init__(self, service: NotificationService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(service, runner, parent)

        self.host = QLineEdit(objectName="smtp_host", placeholderText="e.g. smtp.clinic-mail.example")
        self.port = QSpinBox(objectName="smtp_port")
        self.port.setRange(1, 65535)
        self.security = QComboBox(objectName="smtp_security")
        for value, text, _port in SECURITY_CHOICES:
            self.security.addItem(text, value)
        self.security.activated.connect(self._security_chosen)
        self.username = QLineEdit(objectName="smtp_username", placeholderText="empty: the server needs no login")
        self.password = QLineEdit(objectName="smtp_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("kept in this computer's keyring; empty keeps the one there")
        self.secret = self.password
        self.sender = QLineEdit(objectName="smtp_sender", placeholderText="e.g. Sunrise Clinic <desk@sunrise.example>")
        self.ca_file = QLineEdit(objectName="smtp_ca_file", placeholderText="only for a server with the clinic's own certificate")
        browse = QPushButton("&Browse…")
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.setContentsMargins(0, 0, 0, 0)
        ca_row.addWidget(self.ca_file, 1)
        ca_row.addWidget(browse)
        self.reminder_hours = QSpinBox(objectName="reminder_hours")
        self.reminder_hours.setRange(0, 24 * 14)
        self.reminder_hours.setSuffix(" h before")
        self.reminder_hours.setSpecialValueText("No reminders")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget, name in (("Mail &server", self.host, "host"), ("&Port", self.port, "port"),
                                    ("Se&curity", self.security, "security"), ("&Login", self.username, "username"),
                                    ("Pass&word", self.password, "password"), ("&From", self.sender, "sender")):
            form.addRow(label, widget)
            form.addRow("", self.errors.add(name, widget))
        form.addRow(self._label("Certificate &authority", self.ca_file), ca_row)
        form.addRow("", self.errors.add("ca_file", self.ca_file))
        form.addRow("&Reminders", self.reminder_hours)
        form.addRow("", self.errors.add("reminder_hours", self.reminder_hours))

        self.test_to = QLineEdit(objectName="test_to", placeholderText="your own address")
        self.test_button = QPushButton("Send a &test message")
        self.test_button.clicked.connect(self.send_test)
        test_row = QHBoxLayout()
        test_row.setContentsMargins(0, 0, 0, 0)
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        form.addRow(self._label("Test &to", self.test_to), test_row)
        form.addRow("", self.errors.add("test_to", self.test_to))

        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        intro = QLabel("Appointment confirmations, changes and reminders go out through this server, for "
                       "every desk. Send yourself a test message before saving.")
        intro.setObjectName("subtle")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._load(lambda: _load(self._service), self._loaded)

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        # A row whose field is a layout gets no buddy from QFormLayout: the mnemonic needs one.
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _loaded(self, loaded: tuple[SmtpSettings, int]) -> None:
        settings, hours = loaded
        self.current = settings
        self.host.setText(settings.host)
        self.port.setValue(settings.port)
        self.security.setCurrentIndex(max(0, self.security.findData(settings.security)))
        self.username.setText(settings.username)
        self.sender.setText(settings.sender)
        self.ca_file.setText(settings.ca_file)
        self.reminder_hours.setValue(hours)
        self.setEnabled(True)
        self.host.setFocus()
        self.loaded.emit()

    def _security_chosen(self, index: int) -> None:
        # The port follows the choice while it still holds another choice's usual port.
        usual = {port for _v, _t, port in SECURITY_CHOICES}
        if self.port.value() in usual:
            self.port.setValue(SECURITY_CHOICES[index][2])

    def _browse_ca(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The mail server's certificate authority", "",
                                              "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.ca_file.setText(path)

    def edited(self) -> SmtpSettings:
        base = self.current or SmtpSettings()
        return replace(base, host=self.host.text().strip(), port=self.port.value(),
                       security=str(self.security.currentData()), username=self.username.text().strip(),
                       sender=self.sender.text().strip(), ca_file=self.ca_file.text().strip())

    def send_test(self) -> None:
        self.test_button.setText("Sending…")
        self._run(self._service.send_test_message, self.test_to.text(), self.edited(), self.password.text() or None,
                  on_done=self._test_sent)

    def _busy(self, busy: bool) -> None:
        super()._busy(busy)
        if not busy:
            self.test_button.setText("Send a &test message")

    def _test_sent(self, to: str) -> None:
        self._succeeded(f"The server took the test message for {to}. Check that mailbox.")

    def save(self) -> None:
        # The server and the reminders' lead time in one unit: both are saved, or neither.
        self._run(self._service.save_smtp_settings, self.edited(), self.password.text() or None,
                  self.reminder_hours.value(), on_done=self._saved)
