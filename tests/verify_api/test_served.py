"""End to end: `certledger serve` (uvicorn, two workers) on a ledger the installed command made."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import Backend, on_backends
from tests.e2e.conftest import Cli
from tests.verify_api.served import HOLDER_ID, PASSPHRASES, Documents, Server, free_port, token_of
from verify_api.settings import ServiceSettings

pytestmark = pytest.mark.e2e
Served = tuple[Server, Documents]


def test_the_served_json_gives_each_documents_verdict(served: Served) -> None:
    server, docs = served
    outcomes = {name: server.get(f"/api/v1/verify/{getattr(docs, name)}").json()
                for name in ("current", "superseded", "successor", "revoked", "forged")}
    assert {k: v["outcome"] for k, v in outcomes.items()} == {
        "current": "current", "superseded": "superseded", "successor": "current", "revoked": "revoked",
        "forged": "not-genuine"}
    assert outcomes["superseded"]["superseded"]["successor"]["url"] == f"/v/{docs.successor}"
    assert outcomes["revoked"]["revoked"]["reason"] == "证书信息有误 data entered wrongly"
    assert outcomes["forged"]["failed_check"]["check"] == "signature"
    checkpoint = server.get("/api/v1/log/checkpoint").json()
    assert outcomes["current"]["log"]["state"] == "included" and outcomes["forged"]["log"] is None
    assert outcomes["current"]["log"]["checkpoint"] == checkpoint


def test_the_printed_qr_url_opens_the_page(served: Served) -> None:
    server, docs = served
    page = server.get(f"/V/{docs.current}")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "真实有效" in page.text and HOLDER_ID[:6] + "X" * 12 in page.text and HOLDER_ID not in page.text
    assert server.get("/V/NOT-A-CODE").status == 400


def test_every_answer_carries_the_security_headers_and_names_no_server(served: Served) -> None:
    server, docs = served
    for path in (f"/v/{docs.current}", "/healthz", "/nowhere", "/openapi.json"):
        r = server.get(path)
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"
        assert r.headers["content-security-policy"].startswith("default-src 'none'")
        assert "server" not in r.headers


def test_two_workers_answer_many_requests_side_by_side(served: Served) -> None:
    server, docs = served
    tokens = [docs.current, docs.superseded, docs.revoked, docs.forged] * 25
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda t: server.get(f"/api/v1/verify/{t}").status, tokens))
    assert statuses == [200] * len(tokens)


def test_a_revocation_by_the_command_shows_on_the_running_service(served: Served) -> None:
    server, docs = served
    for _ in range(4):  # each worker has read (and cached) the document
        assert server.get(f"/api/v1/verify/{docs.spare}").json()["outcome"] == "current"
    number = server.get(f"/api/v1/verify/{docs.spare}").json()["document"]["number"]
    assert server.cli("revoke", number, "--reason", "holder deceased").code == 0
    time.sleep(ServiceSettings.model_fields["cache_check_seconds"].default)  # the promised bound: 10 ms
    for _ in range(4):
        assert server.get(f"/api/v1/verify/{docs.spare}").json()["outcome"] == "revoked"


def test_an_uploaded_pdf_is_checked_in_full(served: Served) -> None:
    server, docs = served
    r = server.upload(docs.current_pdf.read_bytes())
    assert r.status == 200 and r.json()["outcome"] == "current" and len(r.json()["checks"]) == 7
    assert server.upload(b"hello").status == 415


def test_the_lookup_and_the_trust_list_are_served(served: Served) -> None:
    server, _ = served
    found = server.get("/api/v1/certificates?number=1915010000000201&name=%E7%8E%8B%E5%B0%8F%E6%98%8E")
    assert found.status == 200 and found.json()["id_number_masked"] == HOLDER_ID[:6] + "X" * 12
    trust = server.get("/.well-known/certledger/trust-list")
    assert trust.headers["content-type"] == "application/jose"
    assert trust.body == (server.cli.home / "trust-list.jws").read_bytes()


def test_the_verifications_command_counts_what_the_service_saw(served: Served) -> None:
    server, docs = served
    for _ in range(3):
        server.get(f"/v/{docs.counted}")
    number = server.get(f"/api/v1/verify/{docs.counted}").json()["document"]["number"]
    deadline, rows = time.monotonic() + 10, []
    while time.monotonic() < deadline:  # the workers write their counts every second
        rows = server.cli("--json", "verifications", number).json()
        if sum(r["count"] for r in rows) >= 4:
            break
        time.sleep(0.3)
    assert sum(r["count"] for r in rows) == 4
    assert {(r["document"], r["outcome"], r["via"]) for r in rows} == {(number, "current", "token")}
    text = server.cli("verifications", number)
    assert text.code == 0 and "current" in text.out and "total 4" in text.out
    assert server.cli("verifications", "1915010000009999").out.startswith("no verifications recorded")


def test_serve_refuses_to_start_without_a_ledger_or_a_trust_list(tmp_path: Path) -> None:
    # No root passphrase here: init requests the office's key from the root's keeper, so no key, no trust list.
    cli = Cli(home=tmp_path / "home", cwd=tmp_path, extra_env={**PASSPHRASES, "CERTLEDGER_ROOT_PASSPHRASE": ""})
    r = cli("serve", "--port", str(free_port()))
    assert r.code == 5 and "certledger init" in r.err
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    r = cli("serve", "--port", str(free_port()))
    assert r.code == 5 and "trust list" in r.err


@on_backends("postgres")
def test_the_service_reads_a_postgres_ledger_and_counts_there(backend: Backend, tmp_path: Path) -> None:
    settings = {f"CERTLEDGER_{k}": v for k, v in backend.env.items() if k.startswith("POSTGRES_")}
    cli = Cli(home=tmp_path / "home", cwd=tmp_path,
              extra_env={"CERTLEDGER_STORE": "postgres", **settings, **PASSPHRASES})
    assert cli("init", "--office", "1501", "--operator", "张三", "--store", "postgres").code == 0
    assert cli("keys", "init").code == 0
    assert cli("issue", "--number", "1915010000000301", "--name", "王小明", "--gender", "男", "--id-number", HOLDER_ID,
               "--occupation", "电工", "--level", "三级", "--date", "2019-06-01").code == 0
    token = token_of(cli("--json", "prove", "1915010000000301", "--out", str(tmp_path / "p.pdf")))
    server = Server(cli, free_port()).start("--workers", "2")
    try:
        assert server.get(f"/api/v1/verify/{token}").json()["outcome"] == "current"
        assert cli("revoke", "SM-1915010000000301-01", "--reason", "test").code == 0
        revoked = server.get(f"/api/v1/verify/{token}").json()
        assert revoked["outcome"] == "revoked" and revoked["log"] is None  # no checkpoint signed yet
        assert cli("audit", "checkpoint").code == 0  # the log in PostgreSQL, published by the service
        time.sleep(1.1)  # a worker looks for a newer checkpoint once a second
        log = server.get(f"/api/v1/verify/{token}").json()["log"]
        assert log["state"] == "included" and log["checkpoint"] == server.get("/api/v1/log/checkpoint").json()
        inclusion = server.get("/api/v1/log/inclusion?document=SM-1915010000000301-01"
                               "&name=%E7%8E%8B%E5%B0%8F%E6%98%8E").json()  # 王小明: the holder's name
        assert {k: inclusion[k] for k in ("position", "tree_size", "proof", "root")} == \
            {k: log[k] for k in ("position", "tree_size", "proof", "root")}
        deadline, rows = time.monotonic() + 10, []
        while time.monotonic() < deadline and sum(r["count"] for r in rows) < 2:
            rows = cli("--json", "verifications", "SM-1915010000000301-01").json()
            time.sleep(0.3)
        assert sorted(r["outcome"] for r in rows) == ["current", "revoked"]
    finally:
        server.stop()
    assert not (cli.home / "verifications.sqlite").exists()  # the counts went to PostgreSQL
