"""The README's first command, run as a user runs it: every step of the story succeeds or is refused as told."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def test_the_demo_tells_the_whole_story_on_a_fresh_sqlite_ledger(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTLEDGER_")}
    env.update({"CERTLEDGER_HOME": str(tmp_path / "ledger"), "COLUMNS": "200"})
    proc = subprocess.run(["bash", "scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, proc.stderr[-3000:]

    # The electrician's reissue is refused (exit 4, the written proof named), the proof is signed and verifies.
    refused = out.index("(expected to be refused)")
    assert "reissue 1915010000123456" in out[refused - 60:refused] and "exit code 4" in out[refused:refused + 100]
    assert "remedy: record a written proof" in proc.stderr
    assert "SM-1915010000123456-01" in out and (tmp_path / "documents" / "SM-1915010000123456-01.pdf").is_file()
    # The monthly batch is exported by Jinan and imported by the provincial center.
    package = re.search(r"batch package: (.+\.zip)", out)
    assert package and Path(package.group(1)).is_file() and "(济南市).zip" in package.group(1)
    assert "no problems; ready to import" in out and "1 request(s) forwarded" in out
    # The auditor's replay and the employer's verdict.
    assert re.search(r"intact: (\d+) events, \1 log leaves, 1 signed checkpoints", out)
    # The checkpoint is a C2SP note the store is checked against; a witness cosigns it, the history shows it.
    assert "consistent with 2 checkpoints kept outside the database" in out  # the history's and the file's
    assert re.search(r"cosigned the tree of (\d+) leaves \(after 0\)", out)
    assert re.search(r"history line 2: checkpoint of \d+ events with the cosignatures of witness\.0700\.example", out)
    assert "current: 真实有效 / Genuine and current" in out and "FAIL" not in out
    assert re.search(r"transparency log: entry \d+ of \d+, checkpoint signed", out)
    # The ledger holds the story; no whole ID number was printed.
    with sqlite3.connect(tmp_path / "ledger" / "ledger.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM stored_events").fetchone()[0] > 25
    assert "37012419900101123" not in out and "370124XXXXXXXXXXXX" in out
