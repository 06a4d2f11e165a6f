"""config.datadir: the data directory and its files made owner-only, or refused when another user owns them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from config.datadir import make_private_dir, sqlite_files, tighten


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_a_new_home_is_made_0700_with_its_parents(tmp_path: Path) -> None:
    home = tmp_path / "a" / "home"
    old = os.umask(0o022)
    try:
        assert make_private_dir(home) == []
    finally:
        os.umask(old)
    assert mode(home) == 0o700


def test_open_paths_are_tightened_and_each_change_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    db = home / "ledger.sqlite"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    lines = tighten([home, *sqlite_files(db)])  # the -wal and -shm that do not exist are skipped
    assert lines == [f"{home} was open to group or others (mode 0755); tightened to 0700",
                     f"{db} was open to group or others (mode 0644); tightened to 0600"]
    assert (mode(home), mode(db)) == (0o700, 0o600)
    assert tighten([home, db]) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file to another user")
def test_an_open_file_another_user_owns_is_refused_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    os.chown(db, 54321, 54321)
    with pytest.raises(PermissionError) as caught:
        tighten([db])
    assert caught.value.filename == str(db) and "owned by another user" in str(caught.value)
    assert mode(db) == 0o644  # left as it was
