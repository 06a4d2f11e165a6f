"""Certificate requests (PKCS#10): what an office (or the publisher) sends the root's keeper.

A request names its role by its subject, exactly as the certificate the keeper would issue:
C=CN, O=certledger deployment, OU=<4-digit office code>, CN=<office name> for an office key;
C=CN, O=certledger deployment, CN=certledger trust list publisher for the publisher key. It
carries no extensions: the keeper decides the certificate's profile, window and role, and the
request only proves that its sender holds the private key (its self-signature).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import NameOID

from keys.algorithms import algorithm as lookup_algorithm
from keys.algorithms import algorithm_of, key_id
from keys.certificates import COUNTRY, ORGANIZATION, PUBLISHER_NAME, subject_of
from keys.errors import InvalidKeyInput, KeyRequestInvalid
from keys.roles import OFFICE, PUBLISHER

_OFFICE_CODE = re.compile(r"[0-9]{4}")
_MAX_REQUEST_BYTES = 64 * 1024
_ORDER = [NameOID.COUNTRY_NAME, NameOID.ORGANIZATION_NAME, NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME]


@dataclass(frozen=True)
class KeyRequest:
    """A request whose self-signature verified and whose subject is one the deployment writes."""

    role: str  # OFFICE or PUBLISHER
    office: str | None  # the office code (OU) of an office request
    name: str  # the CN: the office's name, or the publisher's
    kid: str  # key id of the requested public key
    algorithm: str
    public_key: PublicKeyTypes
    pem: str

    def to_dict(self) -> dict[str, str | None]:
        """As `keys list --json` lists it beside the recorded keys: status "pending"."""
        return {"kid": self.kid, "office": self.office, "role": self.role, "name": self.name,
                "algorithm": self.algorithm, "status": "pending"}

    def describe(self) -> str:
        who = f"office {self.office} ({self.name})" if self.role == OFFICE else "the trust-list publisher"
        return f"{self.algorithm} key {self.kid} for {who}"


def make_request(private_key: CertificateIssuerPrivateKeyTypes, office: str | None, name: str) -> str:
    """The PEM request for `private_key`: an office's (office code given) or the publisher's (None)."""
    scheme = algorithm_of(private_key.public_key())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(subject_of(office, name if office is not None else PUBLISHER_NAME))
           .sign(private_key, scheme.x509_hash))  # type: ignore[arg-type]
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def read_request(data: bytes | str) -> KeyRequest:
    """Parse a request and check it: PEM, a valid self-signature, a registered algorithm, the subject's form."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > _MAX_REQUEST_BYTES:
        raise KeyRequestInvalid(f"request: larger than {_MAX_REQUEST_BYTES} bytes; not a certificate request")
    try:
        csr = x509.load_pem_x509_csr(raw)
    except ValueError:
        raise KeyRequestInvalid("request: not a PEM certificate request (PKCS#10)") from None
    if not csr.is_signature_valid:
        raise KeyRequestInvalid("request: its signature does not verify: it was altered after it was made, "
                                "or is not signed by the key it requests a certificate for")
    public_key = csr.public_key()
    try:
        scheme = algorithm_of(public_key)
    except InvalidKeyInput:
        raise KeyRequestInvalid("request: its key is of no registered algorithm (ES256 / P-256)") from None
    if not scheme.matches(public_key):
        raise KeyRequestInvalid(f"request: its key is not an {scheme.name} key")
    if len(csr.extensions) or len(csr.attributes):
        raise KeyRequestInvalid("request: carries extensions or attributes; the root's keeper decides the "
                                "certificate's profile, and requests carry none")
    office, name = _subject(csr.subject)
    role = OFFICE if office is not None else PUBLISHER
    if role == PUBLISHER and name != PUBLISHER_NAME:
        raise KeyRequestInvalid(f"request subject: CN is {name!r}; an office request needs OU = its office "
                                f"code, a publisher request CN = {PUBLISHER_NAME!r}")
    pem = csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return KeyRequest(role=role, office=office, name=name, kid=key_id(public_key), algorithm=scheme.name,
                      public_key=public_key, pem=pem)


def new_private_key(algorithm: str) -> CertificateIssuerPrivateKeyTypes:
    return lookup_algorithm(algorithm).generate()


def _subject(subject: x509.Name) -> tuple[str | None, str]:
    attributes = list(subject)
    if any(len(list(rdn)) != 1 for rdn in subject.rdns):
        raise KeyRequestInvalid("request subject: a multi-valued name; the deployment writes one value per RDN")
    oids = [a.oid for a in attributes]
    if oids not in (_ORDER, [_ORDER[0], _ORDER[1], _ORDER[3]]):
        raise KeyRequestInvalid("request subject: must be exactly C, O, [OU,] CN as the deployment writes it")
    values = [a.value if isinstance(a.value, str) else a.value.decode("utf-8") for a in attributes]
    if values[0] != COUNTRY or values[1] != ORGANIZATION:
        raise KeyRequestInvalid(f"request subject: C must be {COUNTRY!r} and O {ORGANIZATION!r}")
    name = values[-1]
    if not 1 <= len(name.strip()) <= 64 or name != name.strip():
        raise KeyRequestInvalid("request subject: CN must be 1-64 characters without surrounding spaces")
    if len(values) == 3:
        return None, name
    office = values[2]
    if not _OFFICE_CODE.fullmatch(office):
        raise KeyRequestInvalid(f"request subject: OU {office!r} is not a 4-digit office code")
    return office, name
