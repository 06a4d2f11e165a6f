"""Real logs for the checkpoint tests: ledger.translog over a stand-in event recorder, and the Go checker."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.translog import MemoryLogStore, TransparencyLog

GO_SOURCE = Path(__file__).resolve().parents[1] / "go" / "tlogcheck"
GOCODE = Path("/usr/share/gocode")
GO_HINT = "install Go and golang.org/x/mod from Debian: scripts/setup-system.sh (golang-go, golang-golang-x-mod-dev)"


@dataclass
class _Row:
    id: int
    originator_id: str
    originator_version: int
    topic: str
    state: bytes


class _Recorder:
    def __init__(self, rows: list[_Row]) -> None:
        self.rows = rows

    def select_notifications(self, start: int, limit: int) -> list[_Row]:
        return [r for r in self.rows if r.id >= start][:limit]


def states(n: int, seed: str = "") -> list[bytes]:
    return [hashlib.sha256(f"{seed}{i}".encode()).digest() for i in range(n)]


def build_log(event_states: list[bytes]) -> tuple[TransparencyLog, list[bytes]]:
    """A log over these events (appended in three catch-ups) and the exact records it hashed (the leaves'
    scheme-2 records: each row's header and salted state digest, ledger.leaves)."""
    rows = [_Row(i + 1, f"00000000-0000-0000-0000-{i + 1:012d}", 1, "ledger.domain:Certificate.Issued", s)
            for i, s in enumerate(event_states)]
    log = TransparencyLog(MemoryLogStore())
    n = len(rows)
    for cut in sorted({n * k // 3 for k in range(1, 4)}):
        log.catch_up(_Recorder(rows[:cut]))
    return log, leaf_records(log, rows)


def leaf_records(log: TransparencyLog, rows: list[Any]) -> list[bytes]:
    """What each leaf hashes, rebuilt from the row and the salt the log keeps (not read from the log)."""
    from ledger.leaves import header_record, state_digest

    salts = [salt for _, _, salt in log.store.logged(0, log.size())]
    assert len(salts) == len(rows) and all(salt is not None for salt in salts)
    return [header_record(r.id, r.originator_id, r.originator_version, r.topic, state_digest(salt, r.state))
            for r, salt in zip(rows, salts, strict=True) if salt is not None]


class GoChecker:
    """The built tlogcheck program: `run(checks)` sends a batch of checks, returns their results."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def run(self, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        done = subprocess.run([str(self.binary)], input=json.dumps({"checks": checks}).encode(), capture_output=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr.decode()
        results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
        assert len(results) == len(checks)
        return results

    def one(self, **check: Any) -> dict[str, Any]:
        return self.run([check])[0]


def build_go_checker(workdir: Path) -> GoChecker:
    """Build tests/go/tlogcheck in GOPATH mode against Debian's golang.org/x/mod; fails with a hint if absent."""
    go = shutil.which("go")
    if go is None or not (GOCODE / "src/golang.org/x/mod/sumdb/note").is_dir():
        raise RuntimeError(f"Go or golang.org/x/mod is missing: {GO_HINT}")
    gopath = workdir / "gopath"
    shutil.copytree(GO_SOURCE, gopath / "src" / "certledger" / "tlogcheck")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(GO111MODULE="off", GOPATH=f"{gopath}{os.pathsep}{GOCODE}", GOFLAGS="", CGO_ENABLED="0")
    if "HOME" not in env:
        env["GOCACHE"] = str(workdir / "gocache")
    binary = workdir / "tlogcheck"
    done = subprocess.run([go, "build", "-o", str(binary), "certledger/tlogcheck"], cwd=gopath, env=env,
                          capture_output=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"building the Go checker failed: {done.stderr.decode()[-2000:]}")
    return GoChecker(binary)
