"""Admin -> Patient messages -> Templates: the wording of each message, per event and channel, with
the placeholders it may use, a preview filled from a real appointment, and the default back."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...services.notifications.messages import EMAIL, EVENTS, SMS
from ...services.notifications.template_service import TemplatePreview, TemplateRecord, TemplateService
from ...services.notifications.templates import PLACEHOLDERS
from ..common.form_helpers import FieldErrors, banner_label, report_in_form, show_banner
from ..common.worker import TaskRunner
from .outbox_page import EVENT_WORDS

CHANNEL_WORDS = {EMAIL: "E-mail", SMS: "SMS"}


class TemplatesPage(QWidget):
    def __init__(self, service: TemplateService, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.records: dict[tuple[str, str], TemplateRecord] = {}
        self.errors = FieldErrors()
        self.banner = banner_label()

        self.event_box = QComboBox(objectName="template_event")
        for event in EVENTS:
            self.event_box.addItem(EVENT_WORDS.get(event, event), event)
        self.channel_box = QComboBox(objectName="template_channel")
        for channel, words in CHANNEL_WORDS.items():
            self.channel_box.addItem(words, channel)
        for box in (self.event_box, self.channel_box):
            box.currentIndexChanged.connect(lambda _i: self._show_current())
        self.subject = QLineEdit(objectName="template_subject")
        self.body = QPlainTextEdit(objectName="template_body")
        self.body.setTabChangesFocus(True)
        self.state = QLabel(objectName="subtle")
        help_text = QLabel("Placeholders: " + ", ".join(f"${name} ({words})" for name, words in PLACEHOLDERS.items())
                           + ". Write $$ for a dollar sign.")
        help_text.setObjectName("subtle")
        help_text.setWordWrap(True)
        self.preview_text = QPlainTextEdit(objectName="template_preview")
        self.preview_text.setReadOnly(True)
        self.preview_text.setPlaceholderText("Preview shows the message filled from the next appointment.")
        self.preview_source = QLabel(objectName="subtle")
        self.preview_source.setWordWrap(True)

        pick = QHBoxLayout()
        pick.setContentsMargins(0, 0, 0, 0)
        pick.addWidget(self.event_box, 2)
        pick.addWidget(self.channel_box, 1)
        pick_label = QLabel("&Which message")
        pick_label.setBuddy(self.event_box)  # a row whose field is a layout gets no buddy from QFormLayout
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(pick_label, pick)
        self.subject_label = QLabel("S&ubject")
        self.subject_label.setBuddy(self.subject)
        form.addRow(self.subject_label, self.subject)
        self.subject_error = self.errors.add("subject", self.subject)
        form.addRow("", self.subject_error)

        editor = QWidget()
        editor_layout = QVBoxLayout(editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        body_label = QLabel("Te&xt")
        body_label.setBuddy(self.body)
        editor_layout.addWidget(body_label)
        editor_layout.addWidget(self.body, 1)
        editor_layout.addWidget(self.errors.add("body", self.body))
        shown = QWidget()
        shown_layout = QVBoxLayout(shown)
        shown_layout.setContentsMargins(0, 0, 0, 0)
        shown_layout.addWidget(QLabel("Preview"))
        shown_layout.addWidget(self.preview_text, 1)
        shown_layout.addWidget(self.preview_source)
        split = QSplitter()
        split.addWidget(editor)
        split.addWidget(shown)
        split.setChildrenCollapsible(False)

        self.preview_button = QPushButton("Pre&view")
        self.preview_button.clicked.connect(self.preview)
        self.default_button = QPushButton("Restore &default")
        self.default_button.clicked.connect(self.restore_default)
        self.save_button = QPushButton("&Save")
        self.save_button.setObjectName("primary")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.default_button)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(split, 1)
        layout.addWidget(help_text)
        layout.addLayout(buttons)
        self.setEnabled(False)
        self._runner.submit(self._service.templates, on_done=self._loaded, on_error=self._failed, context=self)

    def key(self) -> tuple[str, str]:
        return str(self.event_box.currentData()), str(self.channel_box.currentData())

    def _loaded(self, records: list[TemplateRecord]) -> None:
        self.records = {(r.event, r.channel): r for r in records}
        self.setEnabled(True)
        self._show_current()

    def _show_current(self) -> None:
        record = self.records.get(self.key())
        if record is None:
            return
        self.errors.clear()
        self.banner.hide()
        sms = record.channel == SMS
        self.subject.setText(record.subject)
        self.subject.setVisible(not sms)
        self.subject_label.setVisible(not sms)
        self.body.setPlainText(record.body)
        self.preview_text.clear()
        self.preview_source.clear()
        self.state.setText("The default wording." if record.is_default else "The clinic's own wording.")
        self.default_button.setEnabled(not record.is_default)

    def _busy(self, busy: bool) -> None:
        for button in (self.preview_button, self.save_button):
            button.setEnabled(not busy)

    def _start(self) -> None:
        self.errors.clear()
        self.banner.hide()
        self._busy(True)

    def preview(self) -> None:
        self._start()
        event, channel = self.key()
        self._runner.submit(self._service.preview, event, channel, self.subject.text(), self.body.toPlainText(),
                            on_done=self._previewed, on_error=self._failed, context=self, key="template-preview")

    def _previewed(self, shown: TemplatePreview) -> None:
        self._busy(False)
        self.preview_text.setPlainText(f"Subject: {shown.subject}\n\n{shown.body}" if shown.subject else shown.body)
        self.preview_source.setText(shown.source)

    def save(self) -> None:
        self._start()
        event, channel = self.key()
        self._runner.submit(self._service.save_template, event, channel, self.subject.text(), self.body.toPlainText(),
                            on_done=self._saved, on_error=self._failed, context=self)

    def restore_default(self) -> None:
        self._start()
        event, channel = self.key()
        self._runner.submit(self._service.reset_template, event, channel, on_done=self._saved, on_error=self._failed,
                            context=self)

    def _saved(self, record: TemplateRecord) -> None:
        self._busy(False)
        self.records[(record.event, record.channel)] = record
        if (record.event, record.channel) == self.key():
            self._show_current()
        words = f"{EVENT_WORDS.get(record.event, record.event)} by {CHANNEL_WORDS[record.channel]}"
        show_banner(self.banner, f"Saved: {words} now uses " + ("the default wording." if record.is_default
                                                                 else "the clinic's wording."), "bannerInfo")

    def _failed(self, exc: Exception) -> None:
        self._busy(False)
        report_in_form(self, exc, self.errors, self.banner)
