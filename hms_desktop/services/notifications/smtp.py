"""Sending e-mail through the clinic's own mail server (smtplib).

Host, port, security (STARTTLS, TLS from the start, or none on a trusted local relay), login and
the sender address are clinic settings (the ``smtp`` row of clinic_settings, shared by every
workstation). The password is never stored there: it lives in the operating system's keyring
(service ``hms-desktop-smtp``, account ``user@host``), read when a message is sent.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy.orm import Session

from .stored import keyring_secret, load_settings_row, store_keyring_secret

log = logging.getLogger(__name__)

KEYRING_SERVICE = "hms-desktop-smtp"
SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    security: str = "starttls"  # starttls, tls, none
    username: str = ""  # empty: the server takes mail without a login
    sender: str = ""  # the From address, e.g. "Sunrise Clinic <desk@sunrise.example>"
    timeout_seconds: float = 15.0
    # A clinic whose mail server has a certificate from its own authority (an internal server) names
    # that authority's certificate file here; empty: the system's trusted authorities only.
    ca_file: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host.strip() and self.sender.strip())

    @property
    def keyring_account(self) -> str:
        return f"{self.username}@{self.host}"


def load_smtp_settings(session: Session) -> SmtpSettings:
    return load_settings_row(session, "smtp", SmtpSettings)


def keyring_password(settings: SmtpSettings) -> str | None:
    """The SMTP password from the keyring, or None (no keyring here, or nothing kept for this login)."""
    return keyring_secret(KEYRING_SERVICE, settings.keyring_account, "SMTP password")


def store_keyring_password(settings: SmtpSettings, password: str) -> None:
    """Keep the password in the keyring; raises RuntimeError in plain words when there is none."""
    store_keyring_secret(
        KEYRING_SERVICE, settings.keyring_account, password,
        "This computer has no usable keyring to keep the mail server's password in, so it was not "
        "saved. Use a mail relay that needs no login, or set up the system keyring.")


class SendFailed(Exception):
    """The server did not take the message. ``permanent``: trying again will not help."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SmtpSender:
    """Hands one message at a time to the mail server; every failure leaves as SendFailed."""

    def __init__(self, password: Callable[[SmtpSettings], str | None] = keyring_password) -> None:
        self._password = password

    def send(self, settings: SmtpSettings, message: EmailMessage) -> None:
        if not settings.configured:
            raise SendFailed("No mail server is set up (Settings: e-mail).")
        try:
            self._send(settings, message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise SendFailed(f"The mail server refused the address: {exc.recipients}",
                             permanent=all(c >= 500 for c in codes)) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise SendFailed(f"The mail server refused the login ({exc.smtp_code}).") from exc
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise SendFailed(f"The mail server answered {exc.smtp_code}: {text}",
                             permanent=500 <= exc.smtp_code < 600 and exc.smtp_code != 530) from exc
        except ssl.SSLCertVerificationError as exc:
            raise SendFailed(
                f"The mail server {settings.host} showed a certificate this computer does not trust "
                f"({exc.verify_message}). Ask whoever runs the server, or name its certificate authority "
                "in the mail settings."
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timed out, TLS, dropped
            raise SendFailed(f"Could not reach the mail server {settings.host}:{settings.port} ({exc}).") from exc

    def _send(self, settings: SmtpSettings, message: EmailMessage) -> None:
        context = ssl.create_default_context(cafile=settings.ca_file or None)
        server: smtplib.SMTP
        if settings.security == "tls":
            server = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds, context=context)
        else:
            server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds,
                                  local_hostname=socket.gethostname() or "localhost")
        with server:
            if settings.security == "starttls":
                server.ehlo()
                if not server.has_extn("starttls"):
                    # Never fall back to sending the login and the patients' details in clear text.
                    raise SendFailed(f"The mail server {settings.host} does not offer STARTTLS, which the "
                                     "mail settings require; nothing was sent.")
                server.starttls(context=context)
            if settings.username:
                password = self._password(settings)
                if password is None:
                    raise SendFailed("The mail server's password is not in this computer's keyring.")
                server.login(settings.username, password)
            server.send_message(message)
