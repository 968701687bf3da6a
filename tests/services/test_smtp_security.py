"""The mail sender against a real SMTP server on localhost (aiosmtpd) that asks what a clinic's
server asks: STARTTLS or TLS from the start, a certificate from the clinic's own authority, and a
login. The certificates are made for each test run; nothing here is mocked."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hms_desktop.services.notifications import SendFailed, SmtpSender, SmtpSettings
from tests.services.test_notifications import Mailbox, free_port

# With TLS from the first byte the connection is encrypted, but aiosmtpd only counts STARTTLS as such.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

USER, PASSWORD = "desk@sunrise.example", "mail-Secret-1"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


class Certificates:
    """A clinic's own certificate authority and the mail server's certificate it signed, for 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (x509.CertificateBuilder().subject_name(_name("Sunrise Clinic CA")).issuer_name(_name("Sunrise Clinic CA"))
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                           content_commitment=False, key_encipherment=False, data_encipherment=False,
                                           key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
              .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(_name("mail.sunrise.example")).issuer_name(ca.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                .sign(ca_key, hashes.SHA256()))
        self.ca_file = folder / "clinic-ca.pem"
        self.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        self.cert_file = folder / "mail.pem"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file = folder / "mail.key"
        _write_key(key, self.key_file)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ARG001 - aiosmtpd's hook
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER \
        and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return Certificates(tmp_path_factory.mktemp("certs"))


class SecureMailServer:
    def __init__(self, certificates: Certificates, security: str, *, login: bool = True) -> None:
        self.port = free_port()
        self.box = Mailbox()
        kwargs: dict = {"authenticator": _authenticator, "auth_required": login, "auth_require_tls": True}
        if security == "starttls":
            kwargs.update(tls_context=certificates.server_context(), require_starttls=True)
        elif security == "tls":
            # The whole connection is TLS; aiosmtpd only counts STARTTLS as "encrypted" for AUTH.
            kwargs.update(ssl_context=certificates.server_context(), server_hostname="127.0.0.1",
                          auth_require_tls=False)
        self._controller = Controller(self.box, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SecureMailServer:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def _message(subject: str = "Your appointment") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Sunrise Clinic <desk@sunrise.example>", "asha@example.com", subject
    msg.set_content("Tuesday 10:15 with Dr Max Weber.")
    return msg


def _settings(port: int, security: str, certificates: Certificates, *, username: str = USER,
              trust: bool = True) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=security, username=username,
                        sender="Sunrise Clinic <desk@sunrise.example>", timeout_seconds=5,
                        ca_file=str(certificates.ca_file) if trust else "")


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_message_goes_through_an_encrypted_connection_with_a_login(certificates, security):
    with SecureMailServer(certificates, security) as server:
        SmtpSender(password=lambda _s: PASSWORD).send(_settings(server.port, security, certificates), _message())
    assert [m["Subject"] for m in server.box.messages] == ["Your appointment"]
    assert "Dr Max Weber" in server.box.messages[0].get_content()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_wrong_password_is_told_as_a_refused_login_and_nothing_is_delivered(certificates, security):
    with SecureMailServer(certificates, security) as server:
        with pytest.raises(SendFailed, match="refused the login") as caught:
            SmtpSender(password=lambda _s: "not-it").send(_settings(server.port, security, certificates), _message())
    assert not caught.value.permanent, "a login can be corrected; the message stays queued"
    assert server.box.messages == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_from_an_authority_this_desk_does_not_trust_is_refused_in_plain_words(certificates, security):
    with SecureMailServer(certificates, security) as server:
        with pytest.raises(SendFailed, match="certificate this computer does not trust"):
            SmtpSender(password=lambda _s: PASSWORD).send(
                _settings(server.port, security, certificates, trust=False), _message())
    assert server.box.messages == []


def test_a_server_without_starttls_is_not_sent_the_login_in_clear_text(certificates):
    with SecureMailServer(certificates, "none", login=False) as server:
        with pytest.raises(SendFailed, match="does not offer STARTTLS"):
            SmtpSender(password=lambda _s: PASSWORD).send(_settings(server.port, "starttls", certificates), _message())
    assert server.box.messages == []


def test_a_login_needs_the_password_from_the_keyring(certificates):
    with SecureMailServer(certificates, "starttls") as server:
        with pytest.raises(SendFailed, match="not in this computer's keyring"):
            SmtpSender(password=lambda _s: None).send(_settings(server.port, "starttls", certificates), _message())
    assert server.box.messages == []
