"""Sending SMS: through a generic HTTP gateway, or only into a log for clinics without one.

The settings are the ``sms`` row of clinic_settings, shared by every workstation: the mode ("off",
"log" or "http"), the gateway's URL, the name of the header that carries the API key, the sender id
and a timeout. The API key itself is never stored there: like the SMTP password it lives in the
operating system's keyring (service ``hms-desktop-sms``, account ``header@host``).

The HTTP gateway gets ``POST <url>`` with the JSON ``{"to": ..., "from": ..., "text": ...}``; any
2xx answer means it took the message. A 4xx answer (or a redirect, which is not followed) is a
refusal that trying again will not cure (``SendFailed(permanent=True)``), except 408 and 429 (too slow, too many), which pass like a 5xx
answer, a timeout or a refused connection: the message is retried later. Only the standard library
(urllib.request) talks to the gateway. Numbers go out as stored, in E.164 (+ and digits).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from ..text import text_problem
from .smtp import SendFailed
from .stored import keyring_secret, load_settings_row, store_keyring_secret

log = logging.getLogger(__name__)

KEYRING_SERVICE = "hms-desktop-sms"
MODES = ("off", "log", "http")
LOCAL_HOSTS = ("localhost", "127.0.0.1")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True)
class SmsSettings:
    mode: str = "off"  # off, log (write to a log file only), http (a gateway)
    url: str = ""  # the gateway's address, https (http only for a gateway on this computer)
    api_key_header: str = ""  # e.g. "X-API-Key"; empty: the gateway needs no key
    sender_id: str = ""  # the "from" the gateway shows, e.g. "Sunrise" or "+4915112345678"
    timeout_seconds: float = 10.0

    @property
    def keyring_account(self) -> str:
        return f"{self.api_key_header}@{urlsplit(self.url).hostname or ''}"


def load_sms_settings(session: Session) -> SmsSettings:
    return load_settings_row(session, "sms", SmsSettings)


def keyring_api_key(settings: SmsSettings) -> str | None:
    """The gateway's API key from the keyring, or None (no keyring here, or nothing kept)."""
    return keyring_secret(KEYRING_SERVICE, settings.keyring_account, "SMS gateway key")


def store_keyring_api_key(settings: SmsSettings, api_key: str) -> None:
    """Keep the key in the keyring; raises RuntimeError in plain words when there is none."""
    store_keyring_secret(
        KEYRING_SERVICE, settings.keyring_account, api_key,
        "This computer has no usable keyring to keep the SMS gateway's key in, so it was not saved. "
        "Set up the system keyring, or use a gateway that needs no key.")


def sms_settings_problems(settings: SmsSettings) -> dict[str, str]:
    """What is wrong with the settings, per field, in words for the admin; empty when they are fine."""
    errors: dict[str, str] = {}
    if settings.mode not in MODES:
        errors["mode"] = "Choose off, log only, or an HTTP gateway."
    for name, limit in (("url", 2000), ("api_key_header", 64), ("sender_id", 32)):
        value = getattr(settings, name)
        if not isinstance(value, str):
            errors[name] = "This must be text."
        elif problem := text_problem(value, limit):
            errors[name] = problem
    if settings.api_key_header and "api_key_header" not in errors and not HEADER_NAME.match(settings.api_key_header):
        errors["api_key_header"] = "A header name is letters, digits and dashes, e.g. X-API-Key."
    timeout = settings.timeout_seconds
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 1 <= timeout <= 120:
        errors["timeout_seconds"] = "The timeout is a number of seconds from 1 to 120."
    if settings.mode == "http" and "url" not in errors:
        if problem := _url_problem(settings.url):
            errors["url"] = problem
    return errors


def _url_problem(url: str) -> str | None:
    if not url:
        return "Give the gateway's address, e.g. https://sms.example.com/send."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "The address starts with https:// and names a server."
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        # The key and the patients' numbers and messages must not cross the network in clear text.
        return "Use https:// (plain http:// only for a gateway on this computer, localhost or 127.0.0.1)."
    return None


def check_number(to: str) -> str:
    """The number as the gateway gets it; SendFailed (permanent) if it is not in E.164."""
    number = to.strip()
    if not E164.match(number):
        raise SendFailed(f"The phone number {to!r} is not in international form (+ country code and number).",
                         permanent=True)
    return number


class LogSmsSender:
    """For clinics without a gateway: each message goes to the app's log and to ``sms.log`` in the
    data directory's logs folder, where staff can read what would have been sent; it counts as sent."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path

    @property
    def path(self) -> Path:
        if self._path is None:
            from ...paths import log_dir

            self._path = log_dir() / "sms.log"
        return self._path

    def send(self, settings: SmsSettings, to: str, text: str) -> None:
        number = check_number(to)
        line = json.dumps({"at": datetime.now(UTC).isoformat(timespec="seconds"), "to": number,
                           "from": settings.sender_id, "text": text}, ensure_ascii=False)
        try:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            raise SendFailed(f"Could not write the SMS log {self.path} ({exc.strerror or exc}).") from exc
        log.info("SMS (log only) to %s: %s", number, text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 301/302 by turning the POST into a GET without the message, and then
    report the GET's 200 as success; a redirect is an answer the admin must see instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201, ARG002, PLR0913
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class HttpSmsSender:
    """Hands one message at a time to an HTTP gateway; every failure leaves as SendFailed."""

    def __init__(self, api_key: Callable[[SmsSettings], str | None] = keyring_api_key) -> None:
        self._api_key = api_key

    def send(self, settings: SmsSettings, to: str, text: str) -> None:
        if settings.mode != "http" or _url_problem(settings.url):
            raise SendFailed("No SMS gateway is set up (Settings: SMS).")
        number = check_number(to)
        body = json.dumps({"to": number, "from": settings.sender_id, "text": text}).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if settings.api_key_header:
            key = self._api_key(settings)
            if not key:
                raise SendFailed("The SMS gateway's key is not in this computer's keyring.")
            headers[settings.api_key_header] = key
        request = urllib.request.Request(settings.url, data=body, headers=headers, method="POST")
        host = urlsplit(settings.url).netloc
        try:
            with _OPENER.open(request, timeout=settings.timeout_seconds) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            said = _answer_text(exc)
            reason = f"The SMS gateway answered {exc.code} {exc.reason}" + (f": {said}" if said else ".")
            if 300 <= exc.code < 400:
                reason += " The gateway's address seems to have moved; check the SMS settings."
            raise SendFailed(reason, permanent=300 <= exc.code < 500 and exc.code not in (408, 429)) from exc
        except urllib.error.URLError as exc:  # refused, unknown host, TLS
            why = exc.reason.strerror if isinstance(exc.reason, OSError) and exc.reason.strerror else exc.reason
            raise SendFailed(f"Could not reach the SMS gateway {host} ({why}).") from exc
        except TimeoutError as exc:
            raise SendFailed(f"The SMS gateway {host} did not answer within {settings.timeout_seconds:g} seconds.") from exc
        except OSError as exc:  # dropped mid-answer
            raise SendFailed(f"The connection to the SMS gateway {host} broke ({exc}).") from exc
        if not 200 <= status < 300:
            raise SendFailed(f"The SMS gateway answered {status}; the message may not have been taken.")


def _answer_text(exc: urllib.error.HTTPError) -> str:
    """The first line or so of the gateway's own explanation, for the admin's outbox screen."""
    try:
        said = exc.read(300).decode("utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(said.split())[:200]


def sms_sender(settings: SmsSettings) -> LogSmsSender | HttpSmsSender | None:
    """The sender the settings ask for; None when SMS is off."""
    return {"log": LogSmsSender, "http": HttpSmsSender}.get(settings.mode, lambda: None)()
