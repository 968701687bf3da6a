"""Admin -> Patient messages -> SMS gateway: how appointment texts go out (off, into a log file only,
or through an HTTP gateway), tried with a test SMS before saving. The gateway's key goes to this
computer's keyring, never the database."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...services.notifications import SmsSettings
from ...services.notifications.service import NotificationService
from ..common.worker import TaskRunner
from .channel_settings_page import ChannelSettingsPage

MODE_CHOICES = (
    ("off", "Off: no texts"),
    ("log", "Log only: written to sms.log in the data folder, not sent"),
    ("http", "An HTTP gateway"),
)


class SmsGatewayPage(ChannelSettingsPage):
    def __init__(self, service: NotificationService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(service, runner, parent)

        self.mode = QComboBox(objectName="sms_mode")
        for value, text in MODE_CHOICES:
            self.mode.addItem(text, value)
        self.mode.currentIndexChanged.connect(lambda _i: self._mode_chosen())
        self.url = QLineEdit(objectName="sms_url", placeholderText="e.g. https://sms.example.com/send")
        self.api_key_header = QLineEdit(objectName="sms_api_key_header", placeholderText="e.g. X-API-Key; empty: no key")
        self.api_key = QLineEdit(objectName="sms_api_key")
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.api_key.setPlaceholderText("kept in this computer's keyring; empty keeps the one there")
        self.secret = self.api_key
        self.sender_id = QLineEdit(objectName="sms_sender_id", placeholderText="e.g. Sunrise, or the clinic's number")
        self.timeout = QDoubleSpinBox(objectName="sms_timeout")
        self.timeout.setRange(1, 120)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget, name in (("Se&nd texts", self.mode, "mode"), ("Gateway &URL", self.url, "url"),
                                    ("&Key header", self.api_key_header, "api_key_header"),
                                    ("API ke&y", self.api_key, "api_key"), ("&From", self.sender_id, "sender_id"),
                                    ("T&imeout", self.timeout, "timeout_seconds")):
            form.addRow(label, widget)
            form.addRow("", self.errors.add(name, widget))

        self.test_to = QLineEdit(objectName="sms_test_to", placeholderText="your own mobile number")
        self.test_button = QPushButton("Send a t&est SMS")
        self.test_button.clicked.connect(self.send_test)
        test_row = QHBoxLayout()
        test_row.setContentsMargins(0, 0, 0, 0)
        test_row.addWidget(self.test_to, 1)
        test_row.addWidget(self.test_button)
        test_label = QLabel("Test &to")
        test_label.setBuddy(self.test_to)  # a row whose field is a layout gets no buddy from QFormLayout
        form.addRow(test_label, test_row)
        form.addRow("", self.errors.add("test_to", self.test_to))

        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        intro = QLabel("Patients who accept SMS (ticked at registration) get their appointment texts this way. "
                       "The gateway gets a POST with the JSON {\"to\", \"from\", \"text\"}; numbers go out in "
                       "international form.")
        intro.setObjectName("subtle")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._load(self._service.sms_settings, self._loaded)

    def _loaded(self, settings: SmsSettings) -> None:
        self.current = settings
        self.mode.setCurrentIndex(max(0, self.mode.findData(settings.mode)))
        self.url.setText(settings.url)
        self.api_key_header.setText(settings.api_key_header)
        self.sender_id.setText(settings.sender_id)
        self.timeout.setValue(float(settings.timeout_seconds))
        self.setEnabled(True)
        self._mode_chosen()
        self.mode.setFocus()
        self.loaded.emit()

    def _mode_chosen(self) -> None:
        http = self.mode.currentData() == "http"
        for widget in (self.url, self.api_key_header, self.api_key, self.timeout):
            widget.setEnabled(http)
        self.test_button.setEnabled(self.mode.currentData() != "off")

    def edited(self) -> SmsSettings:
        base = self.current or SmsSettings()
        return replace(base, mode=str(self.mode.currentData()), url=self.url.text().strip(),
                       api_key_header=self.api_key_header.text().strip(), sender_id=self.sender_id.text().strip(),
                       timeout_seconds=float(self.timeout.value()))

    def _test_allowed(self) -> bool:
        return self.mode.currentData() != "off"

    def send_test(self) -> None:
        self._run(self._service.send_test_sms, self.test_to.text(), self.edited(), self.api_key.text() or None,
                  on_done=self._test_sent)

    def _test_sent(self, number: str) -> None:
        where = "written to the SMS log" if self.mode.currentData() == "log" else "taken by the gateway"
        self._succeeded(f"The test SMS to {number} was {where}.")

    def save(self) -> None:
        self._run(self._service.save_sms_settings, self.edited(), self.api_key.text() or None, on_done=self._saved)
