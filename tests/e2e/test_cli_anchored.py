"""Attack 4 of issue 12 through the installed command, on SQLite and PostgreSQL: someone with write access to the
database rewrites an event, recomputes the log's tables and deletes the stored checkpoints. The store alone
then audits "intact"; the checkpoint history kept outside the database, a checkpoint file an auditor kept and a
witness's state each expose it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.application import CertLedger
from tests.audit.test_mutations import Db
from tests.conftest import Backend, on_backends, resident_id
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_signing import PASSPHRASES
from tests.e2e.test_cli_story import issue_args

pytestmark = on_backends("sqlite", "postgres")
WITNESS_PASS = {"CERTLEDGER_WITNESS_PASSPHRASE": "witness-secret-0700"}


def office_cli(backend: Backend, tmp_path: Path) -> Cli:
    """The command on the backend's own store (so the test can reach its tables as an insider would)."""
    env = {**PASSPHRASES, **WITNESS_PASS}
    if backend.name == "sqlite":
        env["CERTLEDGER_SQLITE_PATH"] = backend.env["SQLITE_DBNAME"]
    else:
        env["CERTLEDGER_STORE"] = "postgres"
        env.update({f"CERTLEDGER_{k}": v for k, v in backend.env.items() if k.startswith("POSTGRES_")})
    return Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=env)


def issue(cli: Cli, i: int) -> None:
    args = issue_args(f"19150100000004{i:02d}", "王五", "男", resident_id(serial=i), "焊工", "三级", "2019-06-01")
    r = cli(*args)
    assert r.code == 0, r.err


@pytest.fixture
def office(backend: Backend, tmp_path: Path) -> Cli:
    """Two checkpoints (8 and 9 events), each written to a file too, and a witness that cosigned both."""
    cli = office_cli(backend, tmp_path)
    assert cli("init", "--office", "1501", "--operator", "张三", "--store", backend.name).code == 0
    assert cli("keys", "init").code == 0
    for i in range(2):
        issue(cli, i)
    r = cli("--json", "audit", "checkpoint", "--out", str(tmp_path / "cp5.note"))
    assert r.code == 0, r.err
    assert r.json()["size"] == 8  # type: ignore[index]  # init's 6 (catalog 2, key, credential, trust list 2), 2 issues
    vkey = cli("audit", "log-key").out.strip()
    assert cli("witness", "init", "--dir", str(tmp_path / "witness"), "--name", "witness.0700.example",
               "--log-key", vkey).code == 0
    assert cli("witness", "cosign", str(tmp_path / "cp5.note"), "--dir", str(tmp_path / "witness")).code == 0
    issue(cli, 3)
    assert cli("audit", "checkpoint", "--out", str(tmp_path / "cp6.note")).code == 0
    assert cli("audit", "consistency", "8", "9", "--out", str(tmp_path / "p5-6.json")).code == 0
    r = cli("witness", "cosign", str(tmp_path / "cp6.note"), "--proof", str(tmp_path / "p5-6.json"),
            "--dir", str(tmp_path / "witness"))
    assert r.code == 0, r.err
    return cli


def rewrite_recompute_and_delete_checkpoints(backend: Backend) -> None:
    """Attack 4: one event edited, the log rebuilt from the edited events, the stored checkpoints deleted."""
    db = Db(backend)
    row = db.events()[6]  # the first issue
    state = bytearray(row[4])
    state[len(state) // 2] ^= 0x01
    db.set_row(row[0], row[1], row[2], row[3], bytes(state))
    for table in ("log_leaves", "log_nodes", "log_checkpoints"):
        db.run(f"DELETE FROM {table}")
    app = CertLedger(env=backend.env, transparency_log=True)
    try:
        assert app.translog is not None and app.translog.catch_up(app.recorder) == 9  # 8 + 1 issue
    finally:
        app.close()


def test_the_honest_store_is_consistent_with_its_history_and_every_checkpoint_file(office: Cli,
                                                                                     tmp_path: Path) -> None:
    r = office("--json", "audit", "verify", "--checkpoint", str(tmp_path / "cp5.note"),
               "--checkpoint", str(tmp_path / "cp6.note"))
    assert r.code == 0, r.out
    report = r.json()
    assert isinstance(report, dict)
    assert (report["ok"], report["checkpoints"], report["legacy_checkpoints"], report["anchors"]) == (True, 2, 0, 4)
    history = (office.home / "checkpoints" / "history").read_text().splitlines()
    assert [json.loads(line)["note"].splitlines()[1] for line in history] == ["8", "9"]
    assert (office.home / "checkpoints" / "history").stat().st_mode & 0o077 == 0


def test_attack_4_passes_without_an_anchor_and_fails_with_the_history_or_a_checkpoint_file(
        office: Cli, backend: Backend, tmp_path: Path) -> None:
    rewrite_recompute_and_delete_checkpoints(backend)
    nowhere = {"CERTLEDGER_CHECKPOINT_HISTORY": str(tmp_path / "no-history")}
    blind = Cli(office.home, office.cwd, {**office.extra_env, **nowhere})
    assert blind("audit", "rebuild-views").code == 0  # the insider makes the read model agree with the edit too

    # What the attack gave before: with nothing kept outside the database the log audits intact; only the
    # edited row's save signature (issue 12, item 2) still names it, and nothing about the log does.
    r = blind("--json", "audit", "verify")
    assert r.code == 13, r.out
    problems = [d["problem"] for d in r.json()["divergences"]]  # type: ignore[index]
    assert len(problems) == 1 and "signature" in problems[0], problems

    # The history outside the database names both deleted checkpoints and the rewritten tree.
    r = office("audit", "verify")
    assert r.code == 13, r.out
    assert "checkpoint history line 1: the store holds no verified checkpoint of 8 events" in r.out
    assert "the tree of the first 8 events does not match checkpoint history line 1" in r.out
    assert "history up to here was rewritten" in r.out

    # A checkpoint file an auditor kept does too, with no history at all.
    r = blind("audit", "verify", "--checkpoint", str(tmp_path / "cp6.note"))
    assert r.code == 13 and "history up to here was rewritten" in r.out, r.out
    assert f"does not match the checkpoint in {tmp_path / 'cp6.note'}" in r.out

    # The next checkpoint of the rewritten log is refused by the history: it does not extend the last entry.
    before = (office.home / "checkpoints" / "history").read_bytes()
    r = office("audit", "checkpoint")
    assert r.code == 13 and "refuses the checkpoint of 9 events" in r.err and "history was rewritten" in r.err, r.err
    assert (office.home / "checkpoints" / "history").read_bytes() == before


def test_a_witness_refuses_the_rewritten_log_and_keeps_its_state(office: Cli, backend: Backend,
                                                                 tmp_path: Path) -> None:
    witness = str(tmp_path / "witness")
    state = (tmp_path / "witness" / "state.json").read_bytes()
    rewrite_recompute_and_delete_checkpoints(backend)
    issue(office, 4)
    elsewhere = Cli(office.home, office.cwd, {**office.extra_env,
                                               "CERTLEDGER_CHECKPOINT_HISTORY": str(tmp_path / "new-history")})
    assert elsewhere("audit", "checkpoint", "--out", str(tmp_path / "cp7.note")).code == 0  # a fresh history takes it
    assert office("audit", "consistency", "9", "10", "--out", str(tmp_path / "p6-7.json")).code == 0
    r = office("witness", "cosign", str(tmp_path / "cp7.note"), "--proof", str(tmp_path / "p6-7.json"),
               "--dir", witness)
    assert r.code == 13 and "does not extend the old one" in r.err, r.err
    assert (tmp_path / "witness" / "state.json").read_bytes() == state
    # Nor does it go back to an older tree, or take a proof from a size it did not cosign.
    r = office("witness", "cosign", str(tmp_path / "cp5.note"), "--dir", witness)
    assert r.code == 13 and "smaller" in r.err, r.err
    r = office("witness", "cosign", str(tmp_path / "cp6.note"), "--proof", str(tmp_path / "p5-6.json"),
               "--dir", witness)
    assert r.code == 13 and "last cosigned a tree of 9 leaves, not 8" in r.err, r.err
    assert (tmp_path / "witness" / "state.json").read_bytes() == state
