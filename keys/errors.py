"""Errors of the keys package: one root, specific subclasses.

Each message is one line an operator can act on; none ever contains key material
or a passphrase. Entry points translate them like the ledger's errors (`to_dict`).
"""

from __future__ import annotations


class KeysError(Exception):
    """Root of every error the keys package raises on purpose."""

    code = "keys_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InvalidKeyInput(KeysError):
    """A caller's value is unusable: empty passphrase, naive datetime, window outside the root, unknown algorithm."""

    code = "invalid_key_input"


class WrongPassphrase(KeysError):
    """The passphrase does not decrypt the key file."""

    code = "wrong_passphrase"


class KeyNotFound(KeysError):
    code = "key_not_found"


class KeyExists(KeysError):
    """The store already holds what the command would create; keys are never overwritten."""

    code = "key_exists"


class KeyFileUnsafe(KeysError):
    """A private key file (or the key directory) is accessible to group or others, or is not a regular file."""

    code = "key_file_unsafe"


class KeyFileDamaged(KeysError):
    """A key or certificate file is not what the store wrote (not PEM, mismatched pair)."""

    code = "key_file_damaged"


class KeyRequestInvalid(InvalidKeyInput):
    """A certificate request the root's keeper refuses: altered, badly formed, or naming no known office."""

    code = "key_request_invalid"


class CertificateRefused(KeysError):
    """A certificate an office will not install: not from the pinned root, no pending key, another office's."""

    code = "certificate_refused"


class TrustListNotWritten(KeysError):
    """The key change and its trust list are recorded, but the trust-list file could not be written."""

    code = "trust_list_not_written"


class TrustListInvalid(KeysError):
    """A trust list cannot be used; see the two subclasses."""

    code = "trust_list_invalid"


class TrustListMalformed(TrustListInvalid):
    """Not a well-formed certledger trust list (encoding, JSON, fields, inconsistent entries)."""

    code = "trust_list_malformed"


class TrustListUnverified(TrustListInvalid):
    """Well-formed, but its signature does not verify against the pinned root (or it names another root)."""

    code = "trust_list_unverified"
