"""A relying party's rule for the root's CRL: never one older than it already accepted, never a stale one.

The CRL travels as a plain file beside the pinned root (keys.revocation). Whoever can write that
file could put back one issued before a revocation, and so undo it. So a verifier remembers the
highest CRL number it accepted, in `crl-state.json` beside the pinned root (0600, replaced whole,
keys.files), and refuses a lower number; once one was accepted, a removed CRL is refused too. It
refuses a CRL whose next update is past (RFC 5280, 5.1.2.5): the root's keeper re-signs the same
entries, dated now, with the next number (`certledger keys crl-refresh`). A verifier that never
accepted a CRL knows no revocation, as any PKI client offline: the file travels with the root.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from keys.errors import KeyFileUnsafe, KeysError, TrustListUnverified
from keys.files import PRIVATE_MODE, read_certificate, replace_whole
from keys.revocation import CRL_FILE, Revocations, load_crl

STATE_FILE = "crl-state.json"
REFRESH = ("the root's keeper re-issues it (certledger keys crl-refresh) and it is copied beside root.cert.pem "
           "(or fetched from /.well-known/certledger/root-crl)")


class CrlRolledBack(TrustListUnverified):
    """The CRL beside the pinned root is older than one already accepted there, or was removed."""

    code = "crl_rolled_back"


class CrlStale(TrustListUnverified):
    """The CRL's next update is past: a relying party needs the next one."""

    code = "crl_stale"


class CrlStateUnusable(KeysError):
    """The remembered CRL number cannot be read or written."""

    code = "crl_state_unusable"


def accepted_crl(root_path: Path, now: datetime) -> bytes | None:
    """The CRL beside the pinned root certificate `root_path`, refused if the root did not sign it, if it is stale at
    `now`, or if its number is below the highest accepted there (whose number it then becomes); None when there is
    no CRL and none was ever accepted."""
    accepted = accepted_revocations(root_path, now)
    return None if accepted is None else accepted[0]


def accepted_revocations(root_path: Path, now: datetime) -> tuple[bytes, Revocations] | None:
    """accepted_crl, with the CRL's parsed revocations."""
    pinned = read_certificate(root_path, "pinned root")
    fingerprint = hashlib.sha256(pinned.public_bytes(serialization.Encoding.DER)).hexdigest()
    state_path = root_path.parent / STATE_FILE
    crl_path = root_path.parent / CRL_FILE
    highest = _highest(state_path, fingerprint)
    try:
        data = crl_path.read_bytes()
    except FileNotFoundError:
        if highest:
            raise CrlRolledBack(f"root CRL: there is none at {crl_path}, but CRL number {highest} was accepted here "
                                f"({state_path}): a removed CRL would undo its revocations; put the current one "
                                "back") from None
        return None
    revocations = check(load_crl(data, pinned), highest, now)
    if revocations.number > highest:
        _remember(state_path, fingerprint, revocations.number)
    return data, revocations


def check(revocations: Revocations, highest: int, now: datetime) -> Revocations:
    """`revocations` if not older than CRL number `highest` and not stale at `now`; else the refusal, naming why."""
    if revocations.number < highest:
        raise CrlRolledBack(f"root CRL: its number {revocations.number} is below CRL number {highest} already "
                            "accepted here: an older CRL would undo the revocations made since; put the current one "
                            "back")
    if revocations.next_update is None:
        raise CrlStale(f"root CRL number {revocations.number}: it states no next update; {REFRESH}")
    if revocations.next_update < now:
        raise CrlStale(f"root CRL number {revocations.number}: stale since {revocations.next_update.isoformat()} "
                       f"(its next update); {REFRESH}")
    return revocations


def _highest(state_path: Path, fingerprint: str) -> int:
    """The highest CRL number accepted for the root `fingerprint`; 0 when none (or the state is another root's)."""
    data = _read_private(state_path)
    if data is None:
        return 0
    try:
        state = json.loads(data)
        number = state["crl_number"] if state["root_sha256"] == fingerprint else 0
    except (ValueError, KeyError, TypeError):
        raise CrlStateUnusable(f"{state_path}: not the CRL state this program writes; restore it (or, knowing the "
                               "current CRL is genuine, remove it)") from None
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        raise CrlStateUnusable(f"{state_path}: crl_number is not a non-negative integer")
    return number


def _remember(state_path: Path, fingerprint: str, number: int) -> None:
    """Record `number` as the highest accepted, unless a higher one was recorded meanwhile (under a lock)."""
    data = json.dumps({"root_sha256": fingerprint, "crl_number": number}).encode("ascii") + b"\n"
    try:
        with _locked(state_path):
            if _highest(state_path, fingerprint) < number:
                replace_whole(state_path, data, PRIVATE_MODE)
    except OSError as e:
        raise CrlStateUnusable(f"{state_path}: cannot record CRL number {number} ({e.strerror}); a verifier that "
                               "cannot remember it would accept an older CRL later") from None


@contextlib.contextmanager
def _locked(state_path: Path) -> Iterator[None]:
    fd = os.open(state_path.with_name(state_path.name + ".lock"),
                 os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_private(path: Path) -> bytes | None:
    """The state file's bytes, or None if there is none; refused when a symlink, not a file, or open to others."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise KeyFileUnsafe(f"{path} is a symbolic link; refusing to read it") from None
        raise CrlStateUnusable(f"{path}: cannot read it ({e.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise KeyFileUnsafe(f"{path} is not a regular file private to its owner "
                                f"(mode {stat.S_IMODE(info.st_mode):04o}); chmod 600 it")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(4096)
    finally:
        os.close(fd)

