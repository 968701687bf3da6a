"""The SMS gateways against a real HTTP server on 127.0.0.1 (http.server, in a thread of this
process) that records each request; the settings through the services on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import select

from hms_desktop.bootstrap import Services
from hms_desktop.models import ClinicSetting
from hms_desktop.services.errors import ValidationError
from hms_desktop.services.notifications import HttpSmsSender, LogSmsSender, SendFailed, SmsSettings
from hms_desktop.services.notifications.sms import sms_sender

KEY = "sms-key-5521"
NUMBER = "+919812345678"


class Gateway(ThreadingHTTPServer):
    """Answers every POST with ``status`` (and ``reply`` as its body) and keeps what it was sent."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests: list[dict] = []
        self.status = 200
        self.reply = b'{"id": "m-1"}'

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:  # noqa: N802 - http.server's hook
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        # The HTTPMessage itself: header names are case-blind (urllib sends "X-api-key").
        self.server.requests.append({"method": self.command, "path": self.path, "headers": self.headers, "body": body})
        self.send_response(self.server.status)
        if 300 <= self.server.status < 400:
            self.send_header("Location", "/moved")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.reply)))
        self.end_headers()
        self.wfile.write(self.server.reply)

    do_GET = do_POST  # noqa: N815 - recorded too, so a test sees a redirect followed as a GET

    def log_message(self, format, *args):  # noqa: A002, ANN001, ANN201 - keep the test output quiet
        pass


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def http_settings(url: str, header: str = "X-API-Key") -> SmsSettings:
    return SmsSettings(mode="http", url=url, api_key_header=header, sender_id="Sunrise", timeout_seconds=3)


def test_a_message_arrives_with_the_right_json_and_the_key_from_the_keyring(services: Services, gateway, memory_keyring):
    saved = services.notifications.save_sms_settings(http_settings(gateway.url), api_key=KEY)
    assert services.notifications.sms_settings() == saved
    assert list(memory_keyring.entries.values()) == [KEY]

    HttpSmsSender().send(services.notifications.sms_settings(), NUMBER, "Your appointment is at 10:30.")

    (request,) = gateway.requests
    assert request["path"] == "/send"
    assert request["headers"]["X-API-Key"] == KEY
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {"to": NUMBER, "from": "Sunrise", "text": "Your appointment is at 10:30."}


def test_the_api_key_is_never_in_the_database_and_saving_is_audited(services: Services, gateway, memory_keyring):
    services.notifications.save_sms_settings(http_settings(gateway.url), api_key=KEY)
    with services.units.read() as uow:
        stored = uow.session.scalar(select(ClinicSetting).where(ClinicSetting.key == "sms"))
        assert stored.value["url"] == gateway.url
        assert KEY not in json.dumps(stored.value)
    (entry,) = services.audit.recent(action_prefix="settings.sms")
    assert entry.summary == f"SMS through the gateway {gateway.url}"
    assert KEY not in json.dumps(entry.changes)


def test_a_gateway_error_500_is_tried_again_later_and_says_what_the_gateway_said(gateway):
    gateway.status, gateway.reply = 500, b'{"error": "queue full"}'
    with pytest.raises(SendFailed) as failed:
        HttpSmsSender(api_key=lambda s: KEY).send(http_settings(gateway.url), NUMBER, "Hello")
    assert failed.value.permanent is False
    assert failed.value.reason == 'The SMS gateway answered 500 Internal Server Error: {"error": "queue full"}'
    assert len(gateway.requests) == 1


def test_a_gateway_refusal_400_is_a_permanent_failure(gateway):
    gateway.status, gateway.reply = 400, b"unknown number"
    with pytest.raises(SendFailed) as failed:
        HttpSmsSender(api_key=lambda s: KEY).send(http_settings(gateway.url), NUMBER, "Hello")
    assert failed.value.permanent is True
    assert failed.value.reason == "The SMS gateway answered 400 Bad Request: unknown number"


def test_a_redirect_is_not_followed_and_is_a_permanent_failure(gateway):
    gateway.status, gateway.reply = 302, b""
    with pytest.raises(SendFailed) as failed:
        HttpSmsSender(api_key=lambda s: KEY).send(http_settings(gateway.url), NUMBER, "Hello")
    assert failed.value.permanent is True
    assert failed.value.reason == ("The SMS gateway answered 302 Found. The gateway's address seems to have moved; "
                                   "check the SMS settings.")
    assert [r["method"] for r in gateway.requests] == ["POST"]  # not followed by a GET to /moved


def test_too_many_requests_429_is_tried_again(gateway):
    gateway.status = 429
    with pytest.raises(SendFailed) as failed:
        HttpSmsSender(api_key=lambda s: KEY).send(http_settings(gateway.url), NUMBER, "Hello")
    assert failed.value.permanent is False


def test_a_gateway_that_is_down_is_tried_again_and_the_reason_names_it():
    with socket.socket() as s:  # a port nobody listens on once this socket is closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SendFailed) as failed:
        HttpSmsSender(api_key=lambda s: KEY).send(http_settings(f"http://127.0.0.1:{port}/send"), NUMBER, "Hello")
    assert failed.value.permanent is False
    assert failed.value.reason == f"Could not reach the SMS gateway 127.0.0.1:{port} (Connection refused)."


def test_a_gateway_that_does_not_answer_in_time_is_tried_again():
    silent = socket.socket()  # accepts the connection (backlog) but never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    port = silent.getsockname()[1]
    try:
        settings = SmsSettings(mode="http", url=f"http://127.0.0.1:{port}/send", timeout_seconds=1)
        with pytest.raises(SendFailed) as failed:
            HttpSmsSender().send(settings, NUMBER, "Hello")
    finally:
        silent.close()
    assert failed.value.permanent is False
    assert failed.value.reason.startswith("The SMS gateway 127.0.0.1:")
    assert "did not answer within 1 seconds" in failed.value.reason


def test_without_the_key_in_the_keyring_nothing_is_sent(gateway):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(SendFailed) as failed:
            HttpSmsSender().send(http_settings(gateway.url), NUMBER, "Hello")
    finally:
        keyring.set_keyring(previous)
    assert failed.value.reason == "The SMS gateway's key is not in this computer's keyring."
    assert gateway.requests == []


def test_a_number_not_in_e164_is_refused_for_good_before_anything_is_sent(gateway, tmp_path):
    for sender in (HttpSmsSender(api_key=lambda s: KEY), LogSmsSender(tmp_path / "sms.log")):
        with pytest.raises(SendFailed) as failed:
            sender.send(http_settings(gateway.url), "09812345678", "Hello")
        assert failed.value.permanent is True
        assert "international form" in failed.value.reason
    assert gateway.requests == []
    assert not (tmp_path / "sms.log").exists()


def test_log_mode_writes_each_message_to_the_sms_log(services: Services, tmp_path):
    services.notifications.save_sms_settings(SmsSettings(mode="log", sender_id="Sunrise"))
    settings = services.notifications.sms_settings()
    sender = sms_sender(settings)
    assert isinstance(sender, LogSmsSender)
    log_file = tmp_path / "sms.log"
    LogSmsSender(log_file).send(settings, NUMBER, "Reminder: Dr Rao tomorrow at 10:30.")
    LogSmsSender(log_file).send(settings, "+14155550100", "Second")
    lines = [json.loads(line) for line in log_file.read_text(encoding="utf-8").splitlines()]
    assert [(x["to"], x["from"], x["text"]) for x in lines] == [
        (NUMBER, "Sunrise", "Reminder: Dr Rao tomorrow at 10:30."), ("+14155550100", "Sunrise", "Second")]
    assert sms_sender(SmsSettings(mode="off")) is None


def test_the_default_log_file_is_in_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("HMS_DATA_DIR", str(tmp_path))
    LogSmsSender().send(SmsSettings(mode="log"), NUMBER, "Hello")
    assert json.loads((tmp_path / "logs" / "sms.log").read_text(encoding="utf-8"))["text"] == "Hello"


@pytest.mark.parametrize(("settings", "field", "words"), [
    (SmsSettings(mode="http", url="http://sms.example.com/send"), "url", "Use https://"),
    (SmsSettings(mode="http", url=""), "url", "Give the gateway's address"),
    (SmsSettings(mode="http", url="ftp://sms.example.com/"), "url", "starts with https://"),
    (SmsSettings(mode="pigeon"), "mode", "Choose off, log only, or an HTTP gateway."),
    (SmsSettings(mode="http", url="https://sms.example.com/", api_key_header="X Key"), "api_key_header", "letters, digits"),
    (SmsSettings(mode="log", timeout_seconds=0), "timeout_seconds", "from 1 to 120"),
    (SmsSettings(mode="log", sender_id="S" * 40), "sender_id", "Too long"),
])
def test_bad_settings_are_refused_in_words_and_nothing_is_saved(services: Services, settings, field, words):
    with pytest.raises(ValidationError) as refused:
        services.notifications.save_sms_settings(settings)
    assert words in refused.value.fields[field]
    assert services.notifications.sms_settings() == SmsSettings()
    assert services.audit.recent(action_prefix="settings.sms") == []


def test_https_anywhere_and_plain_http_on_this_computer_are_accepted(services: Services):
    for url in ("https://sms.example.com/send", "http://localhost:8080/send", "http://127.0.0.1/send"):
        assert services.notifications.save_sms_settings(SmsSettings(mode="http", url=url)).url == url
    assert services.notifications.sms_settings().url == "http://127.0.0.1/send"


def test_a_key_without_a_header_name_or_without_a_keyring_is_refused(services: Services, gateway):
    with pytest.raises(ValidationError) as refused:
        services.notifications.save_sms_settings(SmsSettings(mode="http", url=gateway.url), api_key=KEY)
    assert "Name the header" in refused.value.fields["api_key_header"]
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(ValidationError) as refused:
            services.notifications.save_sms_settings(http_settings(gateway.url), api_key=KEY)
    finally:
        keyring.set_keyring(previous)
    assert "no usable keyring" in refused.value.fields["api_key"]
    assert services.notifications.sms_settings() == SmsSettings()  # the unit rolled back
