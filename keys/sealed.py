"""Private key files sealed with a passphrase: scrypt (memory-hard) and AES-256-GCM.

`cryptography` reads PKCS#8 files encrypted with PBES2/scrypt but writes PKCS#8 only with PBKDF2 at a fixed
2,048 iterations (no way to choose the KDF). So new files use this small, self-describing, versioned format;
the key inside is the library's own unencrypted PKCS#8 DER, and every primitive is the library's. A PEM
block labelled `LABEL` (below) holds:

    Format: certledger-sealed-key/1
    KDF: scrypt; n=131072; r=8; p=1
    Salt: <16 bytes, base64>
    Cipher: AES-256-GCM
    Nonce: <12 bytes, base64>

    <AES-256-GCM(key = scrypt(passphrase, salt), nonce, PKCS#8 DER, associated data = the header lines)>

The header (format, KDF and its parameters, salt, cipher, nonce) is the associated data, so a file whose
parameters were changed does not open. A file is read only in its canonical form. Old files (PKCS#8 PEM,
"ENCRYPTED PRIVATE KEY") still open, through the library; `is_legacy` tells them apart so callers can say
they should be re-wrapped (`certledger keys rewrap`).

scrypt is OpenSSL's through `hashlib` (the same function `cryptography` calls, byte for byte), because it
releases the interpreter lock while it works: `open_ahead` starts a file's derivation in a thread, and a
command that opens two key files (a credential and an office key, ~0.3 s each) has both ready by the time its
imports and reads are done.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
import unicodedata
from concurrent.futures import Future
from dataclasses import dataclass
from typing import get_args

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from keys.errors import InvalidKeyInput, KeyFileDamaged, WrongPassphrase

FORMAT = "certledger-sealed-key/1"
LABEL = "CERTLEDGER SEALED PRIVATE KEY"
CIPHER = "AES-256-GCM"
DEFAULT_LOG2_N = 17  # OWASP's first scrypt choice: N=2^17 (128 MiB with r=8), r=8, p=1
MIN_LOG2_N, MAX_LOG2_N = 14, 20  # what a file may ask for: 16 MiB to 1 GiB of memory
_SALT_BYTES, _NONCE_BYTES = 16, 12
_BEGIN, _END = f"-----BEGIN {LABEL}-----\n", f"-----END {LABEL}-----\n"
_KDF_LINE = re.compile(r"KDF: scrypt; n=([0-9]{1,8}); r=([0-9]{1,2}); p=([0-9]{1,2})")
_LEGACY_LABEL = b"-----BEGIN %s-----" % b"ENCRYPTED PRIVATE KEY"  # the library's PKCS#8 PEM (a label, no key)
_ISSUER_KEY_TYPES = get_args(CertificateIssuerPrivateKeyTypes)
_MAXMEM = 2**31 - 1  # hashlib's ceiling on scrypt's memory; ScryptParams.check keeps a file to 1 GiB

# The minimum strength of a new key's passphrase: long enough, and not guessable by zxcvbn's estimator
# (dictionary words, names, keyboard patterns, repeats, dates, l33t). Score 3: at least 10^8 guesses.
MIN_PASSPHRASE_LENGTH = 12
MIN_ZXCVBN_SCORE = 3
_ZXCVBN_MAX = 72  # zxcvbn refuses longer input (its cost grows with the length): the prefix is judged
_CONTEXT_WORDS = ("certledger", "passphrase", "password", "root", "office", "operator", "key")


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int = 8
    p: int = 1

    @classmethod
    def of_cost(cls, log2_n: int) -> ScryptParams:
        if not isinstance(log2_n, int) or not MIN_LOG2_N <= log2_n <= MAX_LOG2_N:
            raise InvalidKeyInput(f"kdf cost: log2 of scrypt's N, from {MIN_LOG2_N} to {MAX_LOG2_N}, not {log2_n!r}")
        return cls(n=2 ** log2_n)

    def check(self, what: str) -> None:
        """Bounds a file may ask for: a power of two N within the range, small r and p, at most 1 GiB."""
        if (self.n & (self.n - 1) or not 2 ** MIN_LOG2_N <= self.n <= 2 ** MAX_LOG2_N or not 1 <= self.r <= 16
                or not 1 <= self.p <= 16 or 128 * self.n * self.r > 2 ** 30):
            raise KeyFileDamaged(f"{what}: scrypt parameters n={self.n}, r={self.r}, p={self.p} are outside what "
                                 f"certledger writes or accepts (n a power of two from 2^{MIN_LOG2_N} to "
                                 f"2^{MAX_LOG2_N}, r and p 1-16, at most 1 GiB)")

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        return hashlib.scrypt(_passphrase_bytes(passphrase), salt=salt, n=self.n, r=self.r, p=self.p, maxmem=_MAXMEM,
                              dklen=32)


DEFAULT_PARAMS = ScryptParams.of_cost(DEFAULT_LOG2_N)


def seal_private_key(key: CertificateIssuerPrivateKeyTypes, passphrase: str,
                     params: ScryptParams = DEFAULT_PARAMS) -> bytes:
    """The key as a sealed PEM file's bytes. The passphrase must be non-empty; its strength is the caller's
    `check_passphrase_strength` (re-wrapping an existing key keeps the passphrase it had)."""
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidKeyInput("passphrase: required; an empty passphrase is refused")
    params.check("new key file")
    salt, nonce = os.urandom(_SALT_BYTES), os.urandom(_NONCE_BYTES)
    header = _header(params, salt, nonce)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    sealed = AESGCM(params.derive(passphrase, salt)).encrypt(nonce, der, header.encode("ascii"))
    body = base64.b64encode(sealed).decode("ascii")
    lines = "".join(body[i:i + 64] + "\n" for i in range(0, len(body), 64))
    return (_BEGIN + header + "\n" + lines + _END).encode("ascii")


def open_private_key(data: bytes, passphrase: str, what: str) -> CertificateIssuerPrivateKeyTypes:
    """Decrypt a sealed file (or an old PKCS#8 one). WrongPassphrase when it does not open, KeyFileDamaged
    when it is not such a file."""
    if not isinstance(passphrase, str) or not passphrase:
        raise InvalidKeyInput(f"{what}: a passphrase is required")
    if is_legacy(data):
        return _open_pkcs8(data, passphrase, what)
    params, salt, nonce, header, sealed = _parse(data, what)
    try:
        der = AESGCM(_derived(params, passphrase, salt)).decrypt(nonce, sealed, header.encode("ascii"))
    except InvalidTag:
        raise WrongPassphrase(f"wrong passphrase for {what}") from None  # or an altered header: AEAD
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileDamaged(f"{what}: the sealed key is no PKCS#8 private key this library reads") from None
    return _issuer_key(key, what)


# Derivations begun by open_ahead, by salt: (passphrase, parameters, the key to come). Each is taken once.
_ahead: dict[bytes, tuple[str, ScryptParams, Future[bytes]]] = {}
_ahead_lock = threading.Lock()


def open_ahead(data: bytes, passphrase: str) -> None:
    """Begin deriving a sealed file's key in a thread of its own: open_private_key, called later in this process
    with the same file and passphrase, then waits only for what is left. Nothing is reported here: a damaged
    file, an old one or a wrong passphrase is open_private_key's to name."""
    if not isinstance(passphrase, str) or not passphrase or is_legacy(data):
        return
    try:
        params, salt = _parse(data, "key file")[:2]
    except KeyFileDamaged:
        return
    future: Future[bytes] = Future()
    with _ahead_lock:
        if salt in _ahead:
            return
        _ahead[salt] = (passphrase, params, future)
    threading.Thread(target=_derive_into, args=(future, params, passphrase, salt), name="certledger-unseal",
                     daemon=True).start()


def _derive_into(future: Future[bytes], params: ScryptParams, passphrase: str, salt: bytes) -> None:
    try:
        future.set_result(params.derive(passphrase, salt))
    except BaseException as e:  # MemoryError, say: open_private_key derives again and reports it
        future.set_exception(e)


def _derived(params: ScryptParams, passphrase: str, salt: bytes) -> bytes:
    """The file's key: the one open_ahead began for this salt, parameters and passphrase, else derived now."""
    with _ahead_lock:
        ahead = _ahead.pop(salt, None)
    if ahead is not None and ahead[1] == params and hmac.compare_digest(ahead[0].encode("utf-8", "surrogatepass"),
                                                                  passphrase.encode("utf-8", "surrogatepass")):
        try:
            return ahead[2].result()
        except Exception:
            pass
    return params.derive(passphrase, salt)


def is_legacy(data: bytes) -> bool:
    """An old PKCS#8 file (PBKDF2 at 2,048 iterations, as `cryptography` writes them): re-wrap it."""
    return _LEGACY_LABEL in data and f"-----BEGIN {LABEL}-----".encode() not in data


def scrypt_params(data: bytes, what: str = "key file") -> ScryptParams:
    """The KDF parameters a sealed file names (it is not opened)."""
    return _parse(data, what)[0]


def check_passphrase_strength(passphrase: str, field: str) -> None:
    """Refuse a weak passphrase for a new key: InvalidKeyInput naming the field and the rule."""
    from zxcvbn import zxcvbn

    rule = (f"at least {MIN_PASSPHRASE_LENGTH} characters and not guessable (zxcvbn score at least "
            f"{MIN_ZXCVBN_SCORE} of 4: no common words, names, dates, keyboard runs or repeats alone)")
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        got = len(passphrase) if isinstance(passphrase, str) else 0
        raise InvalidKeyInput(f"{field}: too short ({got} characters); a new key's passphrase needs {rule}")
    result = zxcvbn(passphrase[:_ZXCVBN_MAX], user_inputs=list(_CONTEXT_WORDS))
    if int(result["score"]) < MIN_ZXCVBN_SCORE:
        hint = result["feedback"]["warning"] or "add more unrelated words or random characters"
        raise InvalidKeyInput(f"{field}: too easy to guess (zxcvbn score {result['score']} of 4: {hint}); "
                              f"a new key's passphrase needs {rule}")


# -- the file ---------------------------------------------------------------------------


def _header(params: ScryptParams, salt: bytes, nonce: bytes) -> str:
    return (f"Format: {FORMAT}\nKDF: scrypt; n={params.n}; r={params.r}; p={params.p}\n"
            f"Salt: {base64.b64encode(salt).decode()}\nCipher: {CIPHER}\nNonce: {base64.b64encode(nonce).decode()}\n")


def _parse(data: bytes, what: str) -> tuple[ScryptParams, bytes, bytes, str, bytes]:
    damaged = KeyFileDamaged(f"{what}: not a {FORMAT} file")
    try:
        text = data.decode("ascii").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise damaged from None
    start, end = text.find(_BEGIN), text.find(_END)
    if start < 0 or end < start:
        raise damaged
    head, sep, body = text[start + len(_BEGIN):end].partition("\n\n")
    lines = head.split("\n")
    if not sep or len(lines) != 5 or lines[0] != f"Format: {FORMAT}" or lines[3] != f"Cipher: {CIPHER}":
        raise KeyFileDamaged(f"{what}: not a {FORMAT} file (an unknown version or cipher)")
    kdf = _KDF_LINE.fullmatch(lines[1])
    if kdf is None or not lines[2].startswith("Salt: ") or not lines[4].startswith("Nonce: "):
        raise damaged
    params = ScryptParams(int(kdf[1]), int(kdf[2]), int(kdf[3]))
    params.check(what)
    try:
        salt = base64.b64decode(lines[2].removeprefix("Salt: "), validate=True)
        nonce = base64.b64decode(lines[4].removeprefix("Nonce: "), validate=True)
        sealed = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise damaged from None
    header = _header(params, salt, nonce)
    if header != head + "\n" or len(salt) != _SALT_BYTES or len(nonce) != _NONCE_BYTES:
        raise damaged  # only the canonical form is read: the associated data is exactly what was written
    return params, salt, nonce, header, sealed


def _open_pkcs8(data: bytes, passphrase: str, what: str) -> CertificateIssuerPrivateKeyTypes:
    try:
        # As the old files were written: the passphrase's UTF-8 bytes, not normalised.
        key = serialization.load_pem_private_key(data, password=passphrase.encode("utf-8"))
    except (ValueError, TypeError):
        # cryptography reports a failed decryption as ValueError ("Bad decrypt").
        raise WrongPassphrase(f"wrong passphrase for {what}") from None
    except UnsupportedAlgorithm:
        raise KeyFileDamaged(f"{what}: an unsupported key algorithm") from None
    return _issuer_key(key, what)


def _issuer_key(key: object, what: str) -> CertificateIssuerPrivateKeyTypes:
    if not isinstance(key, _ISSUER_KEY_TYPES):
        raise KeyFileDamaged(f"{what}: holds a key that cannot sign")
    return key  # type: ignore[return-value]


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC, so the same passphrase typed on two systems (composed or decomposed characters) opens the file.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")
