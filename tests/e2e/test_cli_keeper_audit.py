"""`audit verify --keeper-record DIR`: every root-issued certificate the ledger holds must be in the keeper's
record; a key the root signed outside the keeper's procedure verifies everywhere else and is named here (issue 12)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from keys.algorithms import algorithm as lookup_algorithm
from keys.certificates import office_certificate, pem
from keys.requests import read_request
from keys.store import KeyStore
from tests.e2e.conftest import Cli
from tests.e2e.test_cli_keeper import ROOT_SECRET, _office_key, deployment, keeper  # noqa: F401 (fixtures)

DIVERGENCE = 13


def _minted_outside_the_keeper(deployment: Cli, root_dir: Path, tmp: Path) -> int:  # noqa: F811
    """Whoever holds the root key signs office 1501's second request directly: no `keys certify`, no record entry.
    The office installs it as it would the keeper's certificate; returns its serial."""
    r = deployment("--json", "keys", "request", "--out", str(tmp / "side.req"), office="1501")
    assert r.code == 0, r.err
    request = read_request((tmp / "side.req").read_bytes())
    root = KeyStore(root_dir).load_root(ROOT_SECRET)
    now = datetime.now(UTC).replace(microsecond=0)
    assert request.office is not None
    certificate = office_certificate(root.private_key, root.certificate, request.public_key, request.office,
                                     request.name, now - timedelta(minutes=1), now + timedelta(days=300),
                                     lookup_algorithm(request.algorithm).x509_hash)
    (tmp / "side.cert").write_text(pem(certificate))
    r = deployment("keys", "install", str(tmp / "side.cert"), office="1501")
    assert r.code == 0, r.err
    return certificate.serial_number


def test_a_key_the_root_signed_outside_the_keeper_passes_the_plain_audit_and_is_named_with_the_record(
        tmp_path: Path, keeper: Cli, deployment: Cli) -> None:  # noqa: F811
    root_dir = tmp_path / "root"
    _office_key(deployment, keeper, tmp_path, "1501")
    honest = deployment("audit", "verify", "--keeper-record", str(root_dir))
    assert honest.code == 0 and "intact" in honest.out, honest.out + honest.err
    serial = _minted_outside_the_keeper(deployment, root_dir, tmp_path)
    plain = deployment("audit", "verify")
    assert plain.code == 0, plain.out + plain.err  # the attack, without the record: nothing to see
    named = deployment("--json", "audit", "verify", "--keeper-record", str(root_dir))
    assert named.code == DIVERGENCE, named.out + named.err
    problems = [d["problem"] for d in named.json()["divergences"]]  # type: ignore[index]
    assert any(f"serial {serial:x}" in p and "in no entry of the keeper's record" in p for p in problems), problems
    assert len(problems) == 1, problems  # the keeper's own certificates (office key, publisher) are all recorded


def test_an_altered_keeper_record_fails_the_audit_naming_the_entry(tmp_path: Path, keeper: Cli,  # noqa: F811
                                                                   deployment: Cli) -> None:  # noqa: F811
    root_dir = tmp_path / "root"
    _office_key(deployment, keeper, tmp_path, "1501")
    record = root_dir / "issued.jsonl"
    lines = record.read_text().splitlines()
    entry = json.loads(lines[-1])
    entry["office"] = "0700"
    record.write_text("\n".join([*lines[:-1], json.dumps(entry, sort_keys=True, separators=(",", ":"))]) + "\n")
    r = deployment("audit", "verify", "--keeper-record", str(root_dir))
    assert r.code == DIVERGENCE and f"entry {len(lines)} (certified serial" in r.out + r.err, r.out + r.err
    assert "the entry was rewritten" in r.out + r.err
    missing = deployment("audit", "verify", "--keeper-record", str(tmp_path / "nowhere"))
    assert missing.code != 0 and "keeper-record" in missing.err and "Traceback" not in missing.err, missing.err


def test_the_publishers_certificate_is_checked_too(tmp_path: Path, keeper: Cli, deployment: Cli) -> None:  # noqa: F811
    root_dir = tmp_path / "root"
    _office_key(deployment, keeper, tmp_path, "1501")
    publisher = next(e for e in (json.loads(x) for x in (root_dir / "issued.jsonl").read_text().splitlines())
                     if e.get("role") == "publisher")
    copy = tmp_path / "record-without-publisher"
    copy.mkdir()
    kept = [x for x in (root_dir / "issued.jsonl").read_text().splitlines() if json.loads(x)["seq"] < publisher["seq"]]
    (copy / "issued.jsonl").write_text("".join(k + "\n" for k in kept))  # the record as it was before the publisher
    r = deployment("--json", "audit", "verify", "--keeper-record", str(copy))
    assert r.code == DIVERGENCE, r.out + r.err
    problems = [d["problem"] for d in r.json()["divergences"]]  # type: ignore[index]
    assert any("the publisher of recorded trust list" in p and f"serial {publisher['serial']}" in p
               for p in problems), problems
    assert x509.load_pem_x509_certificate((root_dir / f"issued-{publisher['serial']}.cert.pem").read_bytes())
