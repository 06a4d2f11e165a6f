"""All or nothing: a killed import, and two processes racing on one certificate."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from bench.gen_certificates import write
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args

ROWS = 60_000


def test_an_import_killed_with_sigkill_while_writing_leaves_all_of_the_file_or_none(cli: Cli, tmp_path: Path) -> None:
    assert cli("init", "--office", "1500", "--operator", "省中心").code == 0
    baseline = cli.event_count()
    data = write(tmp_path / "big.csv", ROWS)
    wal = Path(str(cli.db) + "-wal")
    proc = cli.popen("import", str(data))
    # Kill while the one transaction is being written: the write-ahead log grows only then.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the import finished before it could be killed: raise ROWS"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert cli.event_count() in (baseline, baseline + ROWS)
    assert cli.event_count() == baseline  # killed mid-transaction: nothing of it is visible

    # The store is healthy afterwards: the same file imports whole.
    r = cli("import", str(data))
    assert r.code == 0, r.err
    assert cli.event_count() == baseline + ROWS
    assert cli("--json", "show", "1915170000000017").json()["data"]["occupation"] == "车工"


def test_two_processes_reissuing_one_certificate_give_exactly_one_winner(
        shandong: Cli, resident_id: Callable[[str], str]) -> None:
    cli = shandong
    cli.add_office("0700", "李四")
    for i in range(2):  # two clerks of Liaoning, each with a credential of their own
        cli.add_operator("0700", "李四", f"p{i}")
    for office in ("0700",):
        assert cli(*issue_args("1807000000103353", "赵六", "女", resident_id("21010219850505202"), "焊工", "四级",
                               "2018-05-01"), office=office, operator="李四").code == 0
    procs = [cli.popen("--office", "0700", "--operator", f"p{i}", "--json", "reissue", "1807000000103353",
                       "--expect-edition", "1")
             for i in range(2)]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 7], results  # 7: conflict, whether the store or the edition check caught it
    assert all("Traceback" not in err for _, _, err in results)
    history = cli("history", "1807000000103353").out
    assert history.count("Certificate.Reissued") == 1
