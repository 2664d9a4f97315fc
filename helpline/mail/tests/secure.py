"""Real parts for the secure ways in and out: a throwaway certificate authority, a dovecot that
speaks TLS (implicit and STARTTLS) and XOAUTH2, and the OAuth introspection endpoint it asks."""

from __future__ import annotations

import datetime
import ipaddress
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from helpline.mail.tests.support import RECIPE, Dovecot, free_port, wait_for_port


@dataclass(frozen=True)
class Certificates:
    """PEM files of a test CA and of a server certificate it signed for 127.0.0.1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path


def certificates_make(directory: Path, *, name: str = "Helpline test") -> Certificates:
    """A fresh CA and server certificate in `directory` (valid one day, for loopback only)."""
    directory.mkdir(parents=True, exist_ok=True)
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=1)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    files.key_file.chmod(0o600)
    return files


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=not cert_sign, key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False,
        decipher_only=False,
    )  # fmt: skip


# ------------------------------------------------------------------ OAuth 2.0 token introspection


@dataclass
class Introspection:
    """An RFC 7662 introspection endpoint on loopback: `tokens` maps an access token to its user.

    `asked` keeps every token it was asked about, so a test sees that the server really checked."""

    port: int
    tokens: dict[str, str] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/introspect"

    def start(self) -> Introspection:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length") or 0)
                token = parse_qs(self.rfile.read(length).decode("ascii", "replace")).get("token", [""])[0]
                endpoint.asked.append(token)
                user = endpoint.tokens.get(token)
                body = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# ------------------------------------------------------------------ dovecot with TLS and XOAUTH2

# Appended to the shared recipe: TLS with the test certificate on both listeners (993-style
# implicit TLS, also on 127.0.0.2, a loopback address the certificate does not name; STARTTLS on
# the plain port), and XOAUTH2/OAUTHBEARER checked by asking the
# introspection endpoint (RFC 7662, POST) after the recipe's static password did not match.
_SECURE = """
ssl = yes
ssl_cert = <@CERT@
ssl_key = <@KEY@
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain login xoauth2 oauthbearer
service imap-login {
  inet_listener imaps {
    address = 127.0.0.1, 127.0.0.2
    port = @TLS_PORT@
    ssl = yes
  }
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = @DIR@/dovecot-oauth2.conf.ext
}
"""
_STATIC_PASSWORDS_ONLY = "driver = static\n  mechanisms = plain login\n  args = password=secret"
_OAUTH2 = """introspection_mode = post
introspection_url = @URL@
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


@dataclass
class SecureDovecot(Dovecot):
    """A dovecot whose plain port offers STARTTLS, with an implicit-TLS port and XOAUTH2."""

    tls_port: int = 0
    certificates: Certificates | None = None
    introspection: Introspection | None = None

    @classmethod
    def start_secure(cls) -> SecureDovecot:
        directory = cls.folder_make("hl-dovecot-tls-")
        certificates = certificates_make(directory / "tls")
        introspection = Introspection(port=free_port()).start()
        port, tls_port = free_port(), free_port()
        config = RECIPE.read_text().replace("ssl = no\n", "").replace("auth_mechanisms = plain login\n", "")
        # The recipe's static password answers passwords only, so a token passes by introspection alone.
        config = config.replace("driver = static\n  args = password=secret", _STATIC_PASSWORDS_ONLY)
        config += _SECURE.replace("@CERT@", str(certificates.cert_file)).replace("@KEY@", str(certificates.key_file))
        config = config.replace("@DIR@", str(directory)).replace("@PORT@", str(port))
        config = config.replace("@TLS_PORT@", str(tls_port))
        (directory / "dovecot.conf").write_text(config)
        (directory / "dovecot-oauth2.conf.ext").write_text(_OAUTH2.replace("@URL@", introspection.url))
        server = cls(directory=directory, port=port, tls_port=tls_port, certificates=certificates,
                     introspection=introspection)  # fmt: skip
        server.launch()
        wait_for_port(tls_port)
        return server

    def stop(self) -> None:
        super().stop()
        if self.introspection is not None:
            self.introspection.stop()
