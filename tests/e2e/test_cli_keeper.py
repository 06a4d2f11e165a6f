"""The root's keeper through the installed command (issue 12, item 4, attacks 2 and 5).

The deployment here never holds the root's passphrase: the keeper runs `keys init-root` and `keys certify`
with its own directory and passphrase only (no ledger, no home), as on another machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.conftest import Cli

OFFICE_ENV = {"CERTLEDGER_KEY_PASSPHRASE": "office-secret-1", "CERTLEDGER_PUBLISHER_PASSPHRASE": "publisher-secret-1",
              "CERTLEDGER_ROOT_PASSPHRASE": ""}  # no office holds the root passphrase
ROOT_SECRET = "the-keepers-secret-1"


@pytest.fixture
def keeper(tmp_path: Path) -> Cli:
    """The keeper's machine: a home that holds no ledger, and the root's own directory."""
    cli = Cli(home=tmp_path / "keeper-home-never-made", cwd=tmp_path,
              extra_env={"CERTLEDGER_ROOT_PASSPHRASE": ROOT_SECRET, "CERTLEDGER_ROOT_DIR": str(tmp_path / "root")})
    r = cli("keys", "init-root")
    assert r.code == 0, r.err
    return cli


def _certify(keeper: Cli, request: Path, out: Path, *extra: str) -> None:
    r = keeper("keys", "certify", str(request), "--out", str(out), *extra)
    assert r.code == 0, r.err
    assert not keeper.home.exists()  # the keeper never opened a ledger


@pytest.fixture
def deployment(tmp_path: Path, keeper: Cli) -> Cli:
    """A deployment with its publisher certified by the keeper, and offices 1501 and 0700 initialised."""
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env=dict(OFFICE_ENV))
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    r = cli("--json", "keys", "request", "--publisher", "--out", str(tmp_path / "publisher.req"))
    assert r.code == 0, r.err
    _certify(keeper, tmp_path / "publisher.req", tmp_path / "publisher.cert")
    r = cli("keys", "install", str(tmp_path / "publisher.cert"), "--root", str(tmp_path / "root" / "root.cert.pem"))
    assert r.code == 0, r.err
    return cli


def _office_key(cli: Cli, keeper: Cli, tmp: Path, office: str, *, retire: str | None = None) -> str:
    """request -> certify (the keeper) -> install, as the office's operators and the keeper run them."""
    tag = f"{office}-{retire or 'first'}"
    r = cli("--json", "keys", "request", "--out", str(tmp / f"{tag}.req"), office=office)
    assert r.code == 0, r.err
    kid = r.json()["pending"]  # type: ignore[index]
    _certify(keeper, tmp / f"{tag}.req", tmp / f"{tag}.cert", "--kid", kid)
    r = cli("--json", "keys", "install", str(tmp / f"{tag}.cert"), *(("--retire", retire) if retire else ()),
            office=office)
    assert r.code == 0, r.err
    return str(kid)


def _keys(cli: Cli, *, pending: bool = False) -> dict[str, str]:
    """kid -> status of the recorded keys (with `pending`, the key directory's waiting requests too)."""
    listed = cli("--json", "keys", "list").json()
    return {k["kid"]: k["status"] for k in listed if pending or k["status"] != "pending"}  # type: ignore[union-attr]


def _listed(cli: Cli) -> dict[str, str]:
    """The trust-list file, verified against the pinned root: kid -> status."""
    from keys.trustlist import load_trust_list

    trust = load_trust_list((cli.home / "trust-list.jws").read_bytes(),
                            (cli.home / "keys" / "root.cert.pem").read_bytes())
    return {kid: key.status for kid, key in trust.keys.items()}


def test_the_keeper_certifies_on_its_own_directory_and_the_office_installs(deployment: Cli, keeper: Cli,
                                                                           tmp_path: Path) -> None:
    kid = _office_key(deployment, keeper, tmp_path, "0700")
    assert _keys(deployment) == {kid: "active"} and _listed(deployment) == {kid: "active"}
    assert not (deployment.home / "keys" / "root.key.pem").exists()
    listed = deployment("--json", "keys", "trust-list").json()
    assert listed["current"] and listed["published_by"] == "张三 @ 0700"  # type: ignore[index]
    rotated = _office_key(deployment, keeper, tmp_path, "0700", retire=kid)
    assert _keys(deployment) == {kid: "retired", rotated: "active"} == _listed(deployment)


def test_attack_2_without_the_root_passphrase_an_office_gets_no_key_alone(deployment: Cli, keeper: Cli,
                                                                          tmp_path: Path) -> None:
    _office_key(deployment, keeper, tmp_path, "1501")
    real = _office_key(deployment, keeper, tmp_path, "0700")
    events, keys_before = deployment.event_count(), _keys(deployment)
    # 1501 "rotating" 0700's key as an operator it made up: it holds no 0700 credential, so it cannot act.
    r = deployment("--json", "keys", "rotate", office="0700", operator="冒名")
    assert r.code == 3 and "no credential of 冒名 @ 0700" in r.err and deployment.event_count() == events, r.err
    # A request it can make (a request records nothing): only the keeper turns one into a key.
    r = deployment("--json", "keys", "request", office="0700")
    assert r.code == 0, r.err
    pending = r.json()["pending"]  # type: ignore[index]
    assert "keys certify" in r.json()["next"] and deployment.event_count() == events  # type: ignore[index]
    listed = deployment("keys", "list", office="0700").out
    assert f"key {pending} for office 0700" in listed and "pending: waiting for the root's keeper" in listed
    assert _keys(deployment, pending=True)[pending] == "pending"  # --json lists it too, as pending
    # Its own root, its own certificate: refused by the pinned root, and nothing is left behind.
    rogue = Cli(home=tmp_path / "rogue", cwd=tmp_path,
                extra_env={"CERTLEDGER_ROOT_PASSPHRASE": "rogue-root-1", "CERTLEDGER_ROOT_DIR": str(tmp_path / "rr")})
    assert rogue("keys", "init-root").code == 0
    request = deployment.home / "keys" / f"{pending}.csr.pem"
    assert rogue("keys", "certify", str(request), "--out", str(tmp_path / "rogue.cert")).code == 0
    r = deployment("keys", "install", str(tmp_path / "rogue.cert"), "--retire", real, office="0700")
    assert r.code == 11 and "not issued by the pinned root" in r.err
    assert not (deployment.home / "keys" / f"{pending}.cert.pem").exists()
    # A genuine certificate for 0700, installed by 1501: the ledger's rule refuses it.
    _certify(keeper, request, tmp_path / "genuine-0700.cert")
    r = deployment("keys", "install", str(tmp_path / "genuine-0700.cert"), office="1501")
    assert r.code == 4 and "may not register a key certified for office 0700" in r.err
    assert not (deployment.home / "keys" / f"{pending}.cert.pem").exists()  # still pending, as before
    r = deployment("keys", "revoke", real, "--compromised-at", "2026-01-01T00:00:00+08:00", "--reason", "x",
                   office="1501")
    assert r.code == 4 and "belongs to office 0700" in r.err
    assert deployment.event_count() == events and _keys(deployment) == keys_before and keys_before[real] == "active"


def test_without_the_defence_the_root_passphrase_lets_one_office_mint_anothers_key(tmp_path: Path) -> None:
    """main's attack 2: with the root passphrase an office minted 0700's key and retired the real one. The root
    passphrase now makes this machine the keeper (a development set-up), so it still can: that is why no office
    holds it. (With credentials, it mints a key only for an office the ledger has no key of yet: rotating an
    office's key afterwards needs one of that office's credentials, here the one minted with it.)"""
    dev = Cli(home=tmp_path / "dev", cwd=tmp_path,
              extra_env={**OFFICE_ENV, "CERTLEDGER_ROOT_PASSPHRASE": ROOT_SECRET})
    assert dev("init", "--office", "1501", "--operator", "张三").code == 0
    assert dev("keys", "init", office="0700", operator="李四").code == 0
    real = next(k["kid"] for k in dev("--json", "keys", "list").json() if k["office"] == "0700")  # type: ignore
    assert dev("keys", "rotate", office="0700", operator="冒名").code == 3  # no credential of 冒名 @ 0700
    assert dev("keys", "rotate", office="0700", operator="李四").code == 0
    assert _keys(dev)[real] == "retired"


def test_a_tampered_request_and_an_unknown_office_are_refused_by_the_keeper(deployment: Cli, keeper: Cli,
                                                                           tmp_path: Path) -> None:
    r = deployment("--json", "keys", "request", "--out", str(tmp_path / "a.req"), office="0700")
    text = (tmp_path / "a.req").read_text()
    lines = text.splitlines()
    lines[3] = lines[3][:10] + ("A" if lines[3][10] != "A" else "B") + lines[3][11:]
    (tmp_path / "tampered.req").write_text("\n".join(lines) + "\n")
    r = keeper("keys", "certify", str(tmp_path / "tampered.req"), "--out", str(tmp_path / "t.cert"))
    assert r.code in (3, 11) and "request" in r.err and not (tmp_path / "t.cert").exists()
    r = keeper("keys", "certify", str(tmp_path / "a.req"), "--out", str(tmp_path / "t.cert"), "--kid", "0" * 16)
    assert r.code == 11 and "swapped" in r.err and not (tmp_path / "t.cert").exists()
    from keys.algorithms import ES256
    from keys.requests import make_request

    (tmp_path / "unknown.req").write_text(make_request(ES256.generate(), "1599", "某某中心"))
    r = keeper("keys", "certify", str(tmp_path / "unknown.req"), "--out", str(tmp_path / "u.cert"))
    assert r.code == 11 and "no known issuing authority" in r.err


def test_attack_5_a_failing_publisher_records_no_revocation_and_the_retry_works(deployment: Cli, keeper: Cli,
                                                                                tmp_path: Path) -> None:
    kid = _office_key(deployment, keeper, tmp_path, "1501")
    events = deployment.event_count()
    revoke = ("keys", "revoke", kid, "--compromised-at", "2026-01-01T08:00:00+08:00", "--reason", "laptop stolen")
    wrong = Cli(deployment.home, deployment.cwd, {**OFFICE_ENV, "CERTLEDGER_PUBLISHER_PASSPHRASE": "guess-1"})
    r = wrong(*revoke)
    assert r.code == 11 and "wrong passphrase for publisher key" in r.err
    assert deployment.event_count() == events and _keys(deployment) == {kid: "active"}
    r = deployment(*revoke)
    assert r.code == 0, r.err
    assert _keys(deployment) == {kid: "revoked"} and _listed(deployment) == {kid: "revoked"}


def test_attack_5_an_unwritable_list_file_keeps_both_recorded_and_the_retry_republishes(
        deployment: Cli, keeper: Cli, tmp_path: Path) -> None:
    kid = _office_key(deployment, keeper, tmp_path, "1501")
    target = deployment.home / "trust-list.jws"
    revoke = ("keys", "revoke", kid, "--compromised-at", "2026-01-01T08:00:00+08:00", "--reason", "laptop stolen")
    blocked = Cli(deployment.home, deployment.cwd,
                  {**OFFICE_ENV, "CERTLEDGER_TRUST_LIST": str(tmp_path / "no-such-dir-file" / "x" / "list.jws")})
    (tmp_path / "no-such-dir-file").write_text("a file where a directory should be")
    r = blocked(*revoke)
    assert r.code == 11 and "are recorded, but" in r.err and "retry" in r.err
    assert _keys(deployment) == {kid: "revoked"}  # the revocation and its list, together
    assert _listed(deployment) == {kid: "active"}  # the file still has the old list
    events = deployment.event_count()
    r = deployment(*revoke)  # the retry: republishes, records nothing more
    assert r.code == 0, r.err
    assert _listed(deployment) == {kid: "revoked"} and deployment.event_count() == events
    assert os.stat(target).st_size > 0
