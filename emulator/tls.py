"""HTTPS for clients that insist on `https://`: `--tls` makes a self-signed certificate at
start (for localhost, 127.0.0.1, ::1 and the bound host), `--tls-cert/--tls-key` use yours.

The certificate is written, with its key, to a private temporary directory that lives as long
as the process; the start-up line names it, so a client can trust it (REQUESTS_CA_BUNDLE,
NODE_EXTRA_CA_CERTS, `verify=`).
"""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 30


def _names(host: str) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName("localhost"),
                                     x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                     x509.IPAddress(ipaddress.ip_address("::1"))]
    if host in ("", "0.0.0.0", "::", "localhost", "127.0.0.1", "::1"):
        return names
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    return names


def self_signed(host: str) -> tuple[Path, Path]:
    """A new key and a self-signed certificate for `host`, as PEM files (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "spapi-emulator"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "spapi-emulator")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        # Its own authority, so clients can trust it as a CA bundle of one.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="spapi-emulator-tls-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert_file, key_file
