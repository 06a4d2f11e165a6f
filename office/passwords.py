"""Login passwords (argon2id, memory-hard) and TOTP (RFC 6238) codes."""

from __future__ import annotations

import argon2
import pyotp

# argon2-cffi's RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB, p=4.
_HASHER = argon2.PasswordHasher.from_parameters(argon2.profiles.RFC_9106_LOW_MEMORY)
# Verified when the account is unknown, so an unknown name costs as much time as a wrong password.
_DUMMY = _HASHER.hash("certledger: no such account")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(digest: str | None, password: str) -> bool:
    """Does the password match the argon2id hash? (None: an unknown account, checked against a dummy.)"""
    try:
        return bool(_HASHER.verify(digest or _DUMMY, password)) and digest is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


def needs_rehash(digest: str) -> bool:
    return _HASHER.check_needs_rehash(digest)


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str, issuer: str = "certledger") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def verify_totp(secret: str, code: str) -> bool:
    """A 6-digit code of this or the neighbouring 30-second step."""
    text = (code or "").strip().replace(" ", "")
    return len(text) == 6 and text.isdigit() and pyotp.TOTP(secret).verify(text, valid_window=1)
