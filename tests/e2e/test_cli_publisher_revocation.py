"""The root's keeper revokes a stolen publisher key through the installed command; every command that loads the
trust list refuses the one it signed, a new publisher is certified and its fresh list accepted; the keeper's
record is checked by `keys issued`, a rewritten entry named (issue 12)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from cryptography import x509

from tests.e2e.conftest import Cli
from tests.e2e.test_cli_keeper import _office_key, deployment, keeper  # noqa: F401 (fixtures)
from tests.verify_api.served import Server, free_port


def _serial(keeper: Cli, request: Path, out: Path) -> str:  # noqa: F811
    r = keeper("--json", "keys", "certify", str(request), "--out", str(out))
    assert r.code == 0, r.err
    return str(r.json()["serial"])  # type: ignore[index]


def test_a_revoked_publishers_list_is_refused_and_a_new_publishers_list_accepted(  # noqa: F811
        tmp_path: Path, keeper: Cli, deployment: Cli) -> None:  # noqa: F811
    root_dir = tmp_path / "root"
    _office_key(deployment, keeper, tmp_path, "1501")  # its credential acts; the trust list is signed
    listed = deployment("--json", "keys", "issued", "--root-dir", str(root_dir))  # the keeper's record, checked
    assert listed.code == 0, listed.err
    entries = listed.json()["entries"]  # type: ignore[index]
    serial = next(e["serial"] for e in entries if e["role"] == "publisher")
    stolen_list = (deployment.home / "trust-list.jws").read_bytes()
    probe = tmp_path / "not-a.pdf"
    probe.write_bytes(b"%PDF-1.7 nothing signed")
    before = deployment("verify-pdf", str(probe))
    assert before.code == 12 and "revoked" not in before.err, before.err  # the list loads: only the PDF fails

    server = Server(deployment, free_port()).start()
    try:
        r = keeper("keys", "revoke-publisher", serial, "--reason", "key-compromise")
        assert r.code == 0 and "CRL number 1" in r.out, r.err
        shutil.copy(root_dir / "root.crl.pem", deployment.home / "keys" / "root.crl.pem")  # beside the pinned root
        _the_service_serves_the_crl_and_drops_the_list(server, root_dir, int(serial, 16))
    finally:
        server.stop()
    refused = deployment("verify-pdf", str(probe))
    assert refused.code == 11 and f"serial {serial}) was revoked by the root" in refused.err, refused.err
    again = deployment("keys", "trust-list", "--sign")  # the stolen key is not used to sign again
    assert again.code != 0 and "not revoked" in again.err, again.err

    request = tmp_path / "publisher2.req"
    assert deployment("keys", "request", "--publisher", "--out", str(request)).code == 0
    _serial(keeper, request, tmp_path / "publisher2.cert")
    r = deployment("keys", "install", str(tmp_path / "publisher2.cert"))
    assert r.code == 0, r.err
    r = deployment("keys", "trust-list", "--sign")
    assert r.code == 0, r.err
    assert (deployment.home / "trust-list.jws").read_bytes() != stolen_list
    after = deployment("verify-pdf", str(probe))
    assert after.code == 12 and "revoked" not in after.err, after.err  # the fresh list loads; the probe fails
    history = keeper("--json", "keys", "issued").json()
    assert [e["action"] for e in history["entries"]] == ["certified", "certified", "revoked", "certified"]  # type: ignore[index]
    assert history["crl_number"] == 1  # type: ignore[index]


def _the_service_serves_the_crl_and_drops_the_list(server: Server, root_dir: Path, serial: int) -> None:
    """A running service reloads the CRL beside its pinned root: it serves it (DER, the root's signature) and,
    the list in force being signed by the revoked publisher, answers 503 until a fresh list is published."""
    deadline = time.monotonic() + 20
    while (health := server.get("/healthz")).status == 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # the worker looks at the files once a second
    assert health.status == 503, health.text
    got = server.get("/.well-known/certledger/root-crl")
    assert got.status == 200 and got.headers["content-type"] == "application/pkix-crl", got.text
    crl = x509.load_der_x509_crl(got.body)
    root = x509.load_pem_x509_certificate((root_dir / "root.cert.pem").read_bytes())
    assert crl.is_signature_valid(root.public_key())  # type: ignore[arg-type]
    assert crl.get_revoked_certificate_by_serial_number(serial) is not None


def test_keys_issued_names_a_rewritten_entry(tmp_path: Path, keeper: Cli, deployment: Cli) -> None:  # noqa: F811
    record = tmp_path / "root" / "issued.jsonl"
    entry = json.loads(record.read_text().splitlines()[0])
    entry["role"] = "office"
    record.write_text(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
    r = keeper("keys", "issued")
    assert r.code != 0 and "entry 1 (certified serial" in r.err and "the entry was rewritten" in r.err, r.err
    r = keeper("keys", "revoke-publisher", entry["serial"])
    assert r.code != 0 and "was altered" in r.err, r.err
    assert not (tmp_path / "root" / "root.crl.pem").exists()


def test_an_older_crl_put_back_is_refused_by_the_commands_and_by_the_running_service(  # noqa: F811
        tmp_path: Path, keeper: Cli, deployment: Cli) -> None:  # noqa: F811
    """The keeper's `keys crl-refresh` issues CRL 1; once a verifier accepted CRL 2 (a publisher revoked), CRL 1 put
    back beside its pinned root is refused: the revocation stays (issue 12, CRL freshness)."""
    root_dir, pinned = tmp_path / "root", deployment.home / "keys"
    _office_key(deployment, keeper, tmp_path, "1501")
    serial = next(e["serial"] for e in keeper("--json", "keys", "issued").json()["entries"]  # type: ignore[index]
                  if e["role"] == "publisher")
    r = keeper("keys", "crl-refresh")
    assert r.code == 0 and "CRL number 1 (0 revoked)" in r.out, r.err
    older = (root_dir / "root.crl.pem").read_bytes()
    (pinned / "root.crl.pem").write_bytes(older)
    probe = tmp_path / "not-a.pdf"
    probe.write_bytes(b"%PDF-1.7 nothing signed")
    assert deployment("verify-pdf", str(probe)).code == 12  # CRL 1 accepted: the list loads, only the PDF fails
    assert json.loads((pinned / "crl-state.json").read_text())["crl_number"] == 1
    assert (pinned / "crl-state.json").stat().st_mode & 0o777 == 0o600
    server = Server(deployment, free_port()).start()
    try:
        assert keeper("keys", "revoke-publisher", serial, "--reason", "key-compromise").code == 0
        shutil.copy(root_dir / "root.crl.pem", pinned / "root.crl.pem")
        _the_service_serves_the_crl_and_drops_the_list(server, root_dir, int(serial, 16))
        (pinned / "root.crl.pem").write_bytes(older)  # the rollback, under the running service
        time.sleep(2.5)  # past the worker's once-a-second look at the files
        assert server.get("/healthz").status == 503  # the stolen publisher's list is not let back in
        served = x509.load_der_x509_crl(server.get("/.well-known/certledger/root-crl").body)
        assert served.get_revoked_certificate_by_serial_number(int(serial, 16)) is not None  # CRL 2, from memory
    finally:
        server.stop()
    refused = deployment("verify-pdf", str(probe))
    assert refused.code != 0 and "its number 1 is below CRL number 2 already accepted" in refused.err, refused.err
    assert "Traceback" not in refused.err
