"""The file primitives every key directory uses (keys.store, keys.credentials, keys.enrol).

A key directory is 0700 and never open to group or others; a private key file is 0600 from the
instant it exists (the mode is given at creation), written once with O_EXCL (never replacing a file,
never following a planted symlink), fsynced with its directory entry; a private key file is read
only through O_NOFOLLOW with the mode checked on the open descriptor.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from pathlib import Path

from cryptography import x509

from keys.errors import KeyExists, KeyFileDamaged, KeyFileUnsafe, KeyNotFound

PRIVATE_MODE = 0o600
DIRECTORY_MODE = 0o700

_PEM_LABEL = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_KEY_LABELS = (b"ENCRYPTED PRIVATE KEY", b"CERTLEDGER SEALED PRIVATE KEY")


def ensure_private_directory(directory: Path) -> None:
    """Create `directory` 0700, or refuse one that is not a directory or is open to group or others."""
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=DIRECTORY_MODE, parents=True)
    mode = directory.stat().st_mode
    if not stat.S_ISDIR(mode):
        raise KeyFileUnsafe(f"{directory} is not a directory")
    if mode & 0o077:
        raise KeyFileUnsafe(f"key directory {directory} is open to group or others "
                            f"(mode {stat.S_IMODE(mode):04o}); chmod 700 it")


def write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a new file of exactly `mode`; an existing one is never replaced (KeyExists)."""
    # O_EXCL: never replace a file, and never follow a planted symlink; the mode applies
    # at creation, so a private key is never readable by others, not even for an instant.
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        raise KeyExists(f"{path} already exists; key files are never overwritten") from None
    try:
        os.fchmod(fd, mode)  # the umask may only have narrowed it; make it exact
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)
    fsync_directory(path.parent)


def replace_whole(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data` whole or not at all: written as a new file of exactly `mode` beside it (write_new),
    then renamed over it, the directory synced; a reader sees the old file or the new one, never a part."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    write_new(temporary, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def read_certificate(path: Path, what: str) -> x509.Certificate:
    """A PEM certificate file, named as `what` in the error when it is missing or not one."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyNotFound(f"{what}: no certificate {path}") from None
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise KeyFileDamaged(f"{what}: {path} is not a PEM certificate") from None


def read_private_bytes(path: Path, what: str) -> bytes:
    """A private key file's bytes, refused when it is a symlink, not a regular file, open to group or others,
    or no encrypted key file at all."""
    try:
        # O_NOFOLLOW and fstat on the open descriptor: the mode checked is the file read.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise KeyNotFound(f"{what}: no key file {path}") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise KeyFileUnsafe(f"{what}: {path} is a symbolic link; refusing to read it") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileUnsafe(f"{what}: {path} is not a regular file")
        if info.st_mode & 0o077:
            raise KeyFileUnsafe(f"{what}: {path} is readable by group or others "
                                f"(mode {stat.S_IMODE(info.st_mode):04o}); chmod 600 it")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read()
    finally:
        os.close(fd)
    if not set(_KEY_LABELS) & set(_PEM_LABEL.findall(data)):
        raise KeyFileDamaged(f"{what}: {path} is not an encrypted private key file")
    return data


def fsync_directory(directory: Path) -> None:
    """So a freshly written file survives a crash together with its directory entry."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
