"""A witness following a real `certledger serve`: it fetches the checkpoint note and the consistency proof from the
service (`witness cosign --from URL`), cosigns each newer checkpoint, and keeps the last one."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_story import issue_args
from tests.verify_api.served import PASSPHRASES, Server, free_port

pytestmark = pytest.mark.e2e


def ok(cli: Cli, *args: str) -> str:
    r = cli(*args)
    assert r.code == 0, f"certledger {' '.join(args)}: {r.err}"
    return r.out


def test_a_witness_cosigns_what_the_service_publishes_step_by_step(tmp_path: Path) -> None:
    office = Cli(home=tmp_path / "office", cwd=tmp_path, extra_env=dict(PASSPHRASES))
    ok(office, "init", "--office", "1501", "--operator", "张三")
    ok(office, "keys", "init")
    ok(office, *issue_args("1915010000000601", "王五", "男", resident_id(serial=1), "焊工", "三级", "2019-06-01"))
    ok(office, "audit", "checkpoint")
    auditor = Cli(home=tmp_path / "auditor", cwd=tmp_path,
                  extra_env={"CERTLEDGER_WITNESS_PASSPHRASE": "witness-secret-1501"})
    ok(auditor, "witness", "init", "--name", "auditor.example/witness", "--log-key",
       ok(office, "audit", "log-key").strip())
    server = Server(office, free_port()).start()
    try:
        first = json.loads(ok(auditor, "--json", "witness", "cosign", "--from", server.base))
        # init: the catalog's 2 events, the key, the credential, the trust list's 2; one issue
        assert first["previous_size"] == 0 and first["size"] == 7
        ok(office, *issue_args("1915010000000602", "王五", "男", resident_id(serial=2), "焊工", "三级", "2019-06-01"))
        ok(office, "audit", "checkpoint")
        time.sleep(1.2)  # a worker looks for a newer checkpoint once a second
        second = json.loads(ok(auditor, "--json", "witness", "cosign", "--from", server.base))
        assert (second["previous_size"], second["size"]) == (7, 8)
        state = json.loads((tmp_path / "auditor" / "witness" / "state.json").read_text())
        assert state["note"] == second["note"] and "\n— auditor.example/witness " in state["note"]
        r = auditor("witness", "cosign", "--from", "http://127.0.0.1:9/")
        assert r.code == 3 and "cannot reach the service" in r.err
    finally:
        server.stop()
