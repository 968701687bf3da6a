"""The patient's consent to appointment messages, as two boxes (e-mail, SMS): both, one or none.
Used by the registration form; the value is the patient record's ``message_channels``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QWidget

from ...services.notifications.consent import EMAIL, SMS, parse_channels


class ConsentBoxes(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("message_channels")
        self.email = QCheckBox("E-mail", objectName="consent_email")
        self.sms = QCheckBox("SMS", objectName="consent_sms")
        self.setToolTip("How the patient agrees to get appointment confirmations, changes and reminders; "
                        "neither box: no messages")
        for box in (self.email, self.sms):
            box.toggled.connect(lambda _on: self.changed.emit())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.email)
        layout.addWidget(self.sms)
        layout.addStretch(1)
        self.setFocusProxy(self.email)
        self.set_value(EMAIL)  # a new patient: e-mail, as an address on file always meant

    def value(self) -> str:
        return ",".join(c for c, box in ((EMAIL, self.email), (SMS, self.sms)) if box.isChecked())

    def set_value(self, value: str) -> None:
        channels = parse_channels(value) or ()
        self.email.setChecked(EMAIL in channels)
        self.sms.setChecked(SMS in channels)


def consent_words(value: str) -> str:
    """The choice in words, for the conflict merge: "E-mail and SMS", "SMS", "None"."""
    named = [w for c, w in ((EMAIL, "E-mail"), (SMS, "SMS")) if c in (parse_channels(value) or ())]
    return " and ".join(named) or "None"
