"""A real RFC 3161 timestamp authority on loopback: OpenSSL's `openssl ts -reply` behind a small HTTP server.

The TSA has its own root (not the ledger's) and a certificate with the critical timeStamping usage RFC 3161
asks for. Each POSTed TimeStampReq is answered by the `openssl` command, so the tokens pyHanko embeds come
from an implementation independent of it, and `openssl ts -verify` can check them afterwards.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/root.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class Tsa:
    url: str
    root_pem: bytes  # the TSA's own root certificate: what a verifier of its tokens trusts
    requests: list[int]  # one entry (the body's size) per request answered


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _write_pki(directory: Path) -> None:
    now = datetime.now(UTC)
    root_key, tsa_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("test TSA root")).issuer_name(_name("test TSA root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=2)).not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(root_key, hashes.SHA256()))
    tsa = (x509.CertificateBuilder().subject_name(_name("test TSA")).issuer_name(root.subject)
           .public_key(tsa_key.public_key()).serial_number(x509.random_serial_number())
           .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=300))
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    (directory / "root.pem").write_bytes(root.public_bytes(pem))
    (directory / "tsa.pem").write_bytes(tsa.public_bytes(pem))
    (directory / "tsa.key").write_bytes(tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                              serialization.NoEncryption()))
    (directory / "tsa.key").chmod(0o600)
    (directory / "serial").write_text("01\n")
    (directory / "openssl.cnf").write_text(_CONFIG.format(dir=directory))


def _handler(directory: Path, requests: list[int], answer: str) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            requests.append(len(body))
            if answer == "garbage":
                reply = b"\x30\x03\x02\x01\x63"  # DER, but no TimeStampResp
            else:
                with lock:  # one serial file: one openssl at a time
                    query = directory / "query.tsq"
                    query.write_bytes(body)
                    reply = subprocess.run(
                        ["openssl", "ts", "-reply", "-config", str(directory / "openssl.cnf"), "-queryfile",
                         str(query), "-out", "/dev/stdout"], check=True, capture_output=True).stdout
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
            pass

    return Handler


@contextmanager
def running_tsa(answer: str = "openssl") -> Iterator[Tsa]:
    """A TSA on a free loopback port; answer="garbage" makes one that replies with something not a timestamp."""
    with tempfile.TemporaryDirectory(prefix="certledger-tsa-") as name:
        directory = Path(name)
        _write_pki(directory)
        requests: list[int] = []
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(directory, requests, answer))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
            yield Tsa(url, (directory / "root.pem").read_bytes(), requests)
        finally:
            server.shutdown()
            server.server_close()
