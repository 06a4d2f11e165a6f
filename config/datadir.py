"""The data directory at rest: only its owner may read it.

The home is created 0700, and the process creates its files owner-only (umask 077: the SQLite files,
their -wal and -shm, the attachment store, the verification counts). A home or a database file that an
earlier version (or a hand) left open to group or others is tightened to 0700 / 0600 when it is ours, with
one line saying so; one owned by another user is refused (we cannot tighten it, and should not use it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
PRIVATE_UMASK = 0o077
SQLITE_SIDECARS = ("", "-wal", "-shm", "-journal")


def private_umask() -> None:
    """Every file and directory this process creates from now on is its owner's alone."""
    os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> list[str]:
    """Create `path` (and its parents) 0700 if missing; tighten it if it exists open to others."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=PRIVATE_DIR, parents=True)
    return tighten([path])


def sqlite_files(database: Path) -> list[Path]:
    """A SQLite database and the files SQLite keeps beside it."""
    return [database.with_name(database.name + suffix) for suffix in SQLITE_SIDECARS]


def tighten(paths: Iterable[Path]) -> list[str]:
    """Make each existing path owner-only (directories 0700, files 0600). Returns one line per change;
    raises PermissionError (naming the file) for a path open to others that another user owns."""
    changed = []
    for path in paths:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode) or not info.st_mode & 0o077:
            continue  # a symlink's own mode means nothing; what it points at is checked where it is used
        mode = stat.S_IMODE(info.st_mode)
        if info.st_uid != os.geteuid():
            raise PermissionError(errno.EPERM, f"open to group or others (mode {mode:04o}) and owned by another "
                                  "user; it holds personal data: make it yours and chmod it 700 (a directory) or "
                                  "600 (a file)", str(path))
        target = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
        os.chmod(path, target)
        changed.append(f"{path} was open to group or others (mode {mode:04o}); tightened to {target:04o}")
    return changed
