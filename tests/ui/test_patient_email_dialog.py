"""Admin -> Patient messages, by clicks and keys on a real database (both kinds) and a real SMTP server
on localhost: the mail server set up and tried with a test message, and the outbox's "Send again"."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

from PySide6.QtCore import Qt

from hms_desktop.services.notifications import NotificationDispatcher
from hms_desktop.ui.notifications.patient_email_dialog import PatientEmailDialog
from tests.conftest import wait_idle
from tests.services.conftest import at, fix_clock, make_doctor
from tests.services.test_notifications import MailServer, free_port, patient_with_email, use_mail_server
from tests.ui.widget_helpers import type_into


def _dialog(qtbot, services, runner) -> PatientEmailDialog:
    dialog = PatientEmailDialog(services.notifications, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, runner)
    return dialog


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_admin_tries_the_server_with_a_test_message_then_saves_it(qtbot, services, runner):
    server = MailServer(free_port())
    server.start()
    try:
        dialog = _dialog(qtbot, services, runner)
        page = dialog.mail_server
        assert page.isEnabled() and page.port.value() == 587
        type_into(qtbot, page.host, "127.0.0.1")
        page.security.setCurrentIndex(page.security.findData("none"))
        page.port.setValue(server.port)
        type_into(qtbot, page.sender, "Sunrise Clinic <desk@sunrise.example>")
        type_into(qtbot, page.test_to, "admin@sunrise.example")
        _click(qtbot, page.test_button)
        wait_idle(qtbot, runner)
        assert [m["To"] for m in server.box.messages] == ["admin@sunrise.example"]
        assert "took the test message for admin@sunrise.example" in page.result.text()
        assert services.notifications.smtp_settings().host == "", "a test saves nothing"

        _click(qtbot, page.save_button)
        wait_idle(qtbot, runner)
        saved = services.notifications.smtp_settings()
        assert (saved.host, saved.port, saved.security) == ("127.0.0.1", server.port, "none")
        assert "Saved" in page.result.text()
    finally:
        server.stop()


def test_a_refused_test_and_a_missing_certificate_file_are_told_and_nothing_is_saved(qtbot, services, runner, tmp_path):
    dialog = _dialog(qtbot, services, runner)
    page = dialog.mail_server
    type_into(qtbot, page.host, "127.0.0.1")
    page.security.setCurrentIndex(page.security.findData("none"))
    page.port.setValue(free_port())  # nothing listens there
    type_into(qtbot, page.sender, "desk@sunrise.example")
    type_into(qtbot, page.test_to, "not an address")
    _click(qtbot, page.test_button)
    wait_idle(qtbot, runner)
    assert "not an e-mail address" in page.errors.text("test_to")
    page.test_to.clear()
    type_into(qtbot, page.test_to, "admin@sunrise.example")
    _click(qtbot, page.test_button)
    wait_idle(qtbot, runner)
    assert "Could not reach the mail server 127.0.0.1" in page.banner.text() and page.banner.isVisible()

    type_into(qtbot, page.ca_file, str(tmp_path / "missing-ca.pem"))
    _click(qtbot, page.save_button)
    wait_idle(qtbot, runner)
    assert "no certificate file" in page.errors.text("ca_file")
    assert services.notifications.smtp_settings().host == ""


def test_a_failed_message_is_listed_with_its_reason_and_sent_again(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services)
    use_mail_server(services, free_port())  # down
    services.scheduling.book(patient_with_email(services), doctor.id, at(16))
    clock = [datetime.now(UTC)]
    dispatcher = NotificationDispatcher(services.units, now=lambda: clock[0], max_attempts=1)
    assert dispatcher.send_next() == "failed"

    dialog = _dialog(qtbot, services, runner)
    outbox = dialog.outbox
    outbox.status.setCurrentIndex(outbox.status.findData("failed"))
    wait_idle(qtbot, runner)
    assert outbox.model.rowCount() == 1
    row = outbox.proxy.index(0, outbox.model.REASON)
    assert "Could not reach the mail server" in row.data()
    assert outbox.proxy.index(0, outbox.model.STATUS).data() == "Failed"
    assert not outbox.again_button.isEnabled(), "nothing chosen yet"
    outbox.table.setFocus()
    outbox.table.selectRow(0)
    assert outbox.again_button.isEnabled()
    _click(qtbot, outbox.again_button)
    wait_idle(qtbot, runner)
    assert "Queued again: Booking confirmation to asha.rao@example.com" in outbox.banner.text()
    assert outbox.model.rowCount() == 0, "the failed list no longer holds it"
    (entry,) = services.notifications.outbox("pending")
    assert entry.attempts == 0


def test_the_admin_tries_the_sms_gateway_with_a_test_text_then_saves_it(qtbot, services, runner, memory_keyring):
    from tests.services.test_sms import Gateway

    gateway = Gateway()
    thread = threading.Thread(target=gateway.serve_forever, daemon=True)
    thread.start()
    try:
        dialog = _dialog(qtbot, services, runner)
        dialog.pages.setCurrentWidget(dialog.sms_gateway)
        page = dialog.sms_gateway
        assert page.isEnabled() and page.mode.currentData() == "off"
        assert not page.url.isEnabled() and not page.test_button.isEnabled(), "nothing to try while off"
        page.mode.setCurrentIndex(page.mode.findData("http"))
        assert page.url.isEnabled()
        type_into(qtbot, page.url, "http://192.0.2.1/send")
        type_into(qtbot, page.test_to, "+91 98123 45678")
        _click(qtbot, page.test_button)
        wait_idle(qtbot, runner)
        assert "plain http:// only for a gateway on this computer" in page.errors.text("url")
        assert gateway.requests == []

        page.url.clear()
        type_into(qtbot, page.url, gateway.url)
        type_into(qtbot, page.api_key_header, "X-API-Key")
        type_into(qtbot, page.api_key, "typed-key")
        type_into(qtbot, page.sender_id, "Sunrise")
        _click(qtbot, page.test_button)
        wait_idle(qtbot, runner)
        (request,) = gateway.requests
        assert json.loads(request["body"])["to"] == "+919812345678"
        assert request["headers"]["X-API-Key"] == "typed-key", "the typed key, before it is saved"
        assert "was taken by the gateway" in page.result.text()
        assert services.notifications.sms_settings().mode == "off", "a test saves nothing"

        _click(qtbot, page.save_button)
        wait_idle(qtbot, runner)
        saved = services.notifications.sms_settings()
        assert (saved.mode, saved.url, saved.sender_id) == ("http", gateway.url, "Sunrise")
        assert list(memory_keyring.entries.values()) == ["typed-key"]
        assert page.api_key.text() == "" and "Saved" in page.result.text()
    finally:
        gateway.shutdown()
        gateway.server_close()
        thread.join(5)


def test_the_admin_edits_a_template_sees_an_unknown_placeholder_refused_previews_and_saves(qtbot, services, runner):
    fix_clock(services)
    doctor = make_doctor(services)
    services.scheduling.book(patient_with_email(services), doctor.id, at(10))
    dialog = PatientEmailDialog(services.notifications, runner, templates=services.message_templates)
    qtbot.addWidget(dialog)
    dialog.show()
    wait_idle(qtbot, runner)
    dialog.pages.setCurrentWidget(dialog.templates)
    page = dialog.templates
    page.channel_box.setCurrentIndex(page.channel_box.findData("sms"))
    assert not page.subject.isVisible(), "an SMS has no subject"
    assert page.body.toPlainText().startswith("$clinic: your appointment with $doctor is booked")
    assert page.state.text() == "The default wording."

    page.body.selectAll()
    qtbot.keyClicks(page.body, "Hi $patient, $docter sees you $when")
    _click(qtbot, page.save_button)
    wait_idle(qtbot, runner)
    assert page.errors.text("body").startswith("There is no placeholder $docter.")
    assert services.message_templates.templates()[1].is_default, "nothing saved"

    page.body.selectAll()
    qtbot.keyClicks(page.body, "Hi $patient, $doctor sees you $when")
    _click(qtbot, page.preview_button)
    wait_idle(qtbot, runner)
    assert page.preview_text.toPlainText() == "Hi Asha Rao, Dr Priya Nair sees you Mon 07 Jan 2030 10:00"
    assert page.preview_source.text().startswith("Filled from Asha Rao's appointment")
    _click(qtbot, page.save_button)
    wait_idle(qtbot, runner)
    assert page.state.text() == "The clinic's own wording." and page.default_button.isEnabled()
    (stored,) = [t for t in services.message_templates.templates() if not t.is_default]
    assert (stored.event, stored.channel, stored.body) == ("appointment.booked", "sms", "Hi $patient, $doctor sees you $when")

    _click(qtbot, page.default_button)
    wait_idle(qtbot, runner)
    assert page.state.text() == "The default wording." and page.body.toPlainText().startswith("$clinic:")
    assert all(t.is_default for t in services.message_templates.templates())
