"""End-to-end fixtures: the installed `certledger` command, run in subprocesses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CERTLEDGER = Path(sys.executable).parent / "certledger"
# Every write is made with an operator credential that `init` makes: the tests' development passphrases.
PASSPHRASES = {"CERTLEDGER_KEY_PASSPHRASE": "office-secret-1501", "CERTLEDGER_ROOT_PASSPHRASE": "root-secret-1501",
               "CERTLEDGER_PUBLISHER_PASSPHRASE": "publisher-secret-1501",
               "CERTLEDGER_LOG_KEY_PASSPHRASE": "log-key-secret-1501",
               "CERTLEDGER_OPERATOR_PASSPHRASE": "operator-secret-1501",
               "CERTLEDGER_NEW_OPERATOR_PASSPHRASE": "new-operator-secret-1501"}


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


@dataclass
class Cli:
    home: Path
    cwd: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}
        # scrypt at 2^14 for the key files the tests make (2^17, the default, costs ~0.5-0.8 s per unlock here).
        env.update({"CERTLEDGER_HOME": str(self.home), "COLUMNS": "200", "CERTLEDGER_KEY_KDF_COST": "14",
                    **PASSPHRASES, **self.extra_env, **extra})
        return env

    def __call__(self, *args: str, office: str | None = None, operator: str | None = None,
                 timeout: float = 120) -> Result:
        pre = [*(("--office", office) if office else ()), *(("--operator", operator) if operator else ())]
        proc = subprocess.run([str(CERTLEDGER), *pre, *args], cwd=self.cwd, env=self.env(), capture_output=True,
                              text=True, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def add_office(self, office: str, operator: str) -> None:
        """Make another office in this home (its key from this home's root, its first operator's credential)."""
        r = self("init", "--office", office, "--operator", operator)
        assert r.code == 0, r.err

    def add_operator(self, office: str, acting: str, operator: str) -> None:
        """A new operator of `office`, whose credential `acting` (an operator of that office) issues; with the
        tests' operator passphrase, so the same Cli acts as either."""
        same = Cli(self.home, self.cwd, {**self.extra_env, "CERTLEDGER_NEW_OPERATOR_PASSPHRASE":
                                         PASSPHRASES["CERTLEDGER_OPERATOR_PASSPHRASE"]})
        r = same("operator", "add", "--operator", operator, office=office, operator=acting)
        assert r.code == 0, r.err

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(CERTLEDGER), *args], cwd=self.cwd, env=self.env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    @property
    def db(self) -> Path:
        return self.home / "ledger.sqlite"

    def event_count(self) -> int:
        with sqlite3.connect(self.db) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])

    def rows(self) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT * FROM stored_events ORDER BY rowid").fetchall()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(home=tmp_path / "home", cwd=tmp_path)


@pytest.fixture
def shandong(cli: Cli) -> Cli:
    """A ledger initialised for the Jinan office (1501)."""
    r = cli("init", "--office", "1501", "--operator", "张三")
    assert r.code == 0, r.err
    return cli


def check_char(first17: str) -> str:
    from ledger.identity import gb11643_check_char

    return gb11643_check_char(first17)


@pytest.fixture
def resident_id() -> Callable[[str], str]:
    """A valid resident ID from its first 17 digits."""
    return lambda first17: first17 + check_char(first17)
