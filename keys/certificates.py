"""The X.509 certificates of a deployment: the self-signed root and the office certificates it issues.

Pure functions of keys and names (the store writes the results to files).
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from keys.algorithms import X509Hash
from keys.errors import KeyFileDamaged

ORGANIZATION = "certledger deployment"
COUNTRY = "CN"
# RFC 9336 id-kp-documentSigning. Poppler verifies through NSS as an e-mail signer, which
# refuses a certificate whose EKU lacks emailProtection, so both are asserted.
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# certledger's trust-list signing role (an OID under 2.25, the UUID arc of X.667): the one
# extended key usage of a publisher certificate, and never in an office certificate, so an
# office key does not verify as a publisher and a publisher key does not verify as an office's.
TRUST_LIST_SIGNING = ObjectIdentifier("2.25.172862578440493608168201535083997085476")
PUBLISHER_NAME = "certledger trust list publisher"


def root_certificate(private_key: CertificateIssuerPrivateKeyTypes, name: str, not_before: datetime,
                     not_after: datetime, digest: X509Hash) -> x509.Certificate:
    """The self-signed root CA certificate: issues end-entity certificates and signs the trust list."""
    public_key = private_key.public_key()
    subject = _subject(name)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        # Path length 0: the root issues end-entity certificates only.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        # digitalSignature as well: the root key also signs the published trust list.
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(private_key, digest)
    )


def office_certificate(root_key: CertificateIssuerPrivateKeyTypes, root: x509.Certificate, public_key: PublicKeyTypes,
                       office: str, office_name: str, start: datetime, end: datetime,
                       digest: X509Hash) -> x509.Certificate:
    """An office's document-signing certificate, issued by the root for [start, end]."""
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(office_name, office=office))
        .issuer_name(root.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        # X.509's notAfter is inclusive, the ledger's window half-open: they differ only at the
        # very second `end`, and the ledger's window is the one verifiers enforce.
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # pyHanko's default signer policy requires nonRepudiation; NSS (poppler) digitalSignature or it.
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False)
        .sign(root_key, digest)
    )


def publisher_certificate(root_key: CertificateIssuerPrivateKeyTypes, root: x509.Certificate,
                          public_key: PublicKeyTypes, name: str, start: datetime, end: datetime,
                          digest: X509Hash) -> x509.Certificate:
    """The publisher's certificate: the root certifies one key for one role, signing the trust list."""
    root_ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_subject(name))
        .issuer_name(root.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(digital_signature=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([TRUST_LIST_SIGNING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)  # type: ignore[arg-type]
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_ski), critical=False)
        .sign(root_key, digest)
    )


def has_usage(certificate: x509.Certificate, usage: ObjectIdentifier) -> bool:
    """Whether the certificate's extended key usage asserts `usage` (no EKU: asserts nothing)."""
    try:
        ekus = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return usage in list(ekus)


def is_end_entity(certificate: x509.Certificate) -> bool:
    try:
        return not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def subject_of(office: str | None, common_name: str) -> x509.Name:
    """The subject the deployment writes: C, O, [OU = office code], CN."""
    return _subject(common_name, office=office)


def office_of(certificate: x509.Certificate) -> str:
    """The office code an office certificate names (its OU)."""
    units = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    if not units:
        raise KeyFileDamaged("an office certificate without an OU (office code)")
    value = units[0].value
    return value if isinstance(value, str) else value.decode("utf-8")


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def public_pem(public_key: PublicKeyTypes) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def spki(public_key: PublicKeyTypes) -> bytes:
    """The SubjectPublicKeyInfo DER: how two keys are compared."""
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _subject(common_name: str, office: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
                  x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if office is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, office))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _key_usage(*, digital_signature: bool = False, content_commitment: bool = False, key_cert_sign: bool = False,
               crl_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=digital_signature, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=key_cert_sign, crl_sign=crl_sign, encipher_only=False, decipher_only=False)
