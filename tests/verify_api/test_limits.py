"""Rate limits shared by every worker and instance, the client as trusted proxies report it, and the
inclusion route that answers only a document's holder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Backend, on_backends
from tests.e2e.conftest import Cli
from tests.verify_api.conftest import Home
from tests.verify_api.served import PASSPHRASES, Server, forge, free_port
from verify_api.app import create_app
from verify_api.clients import ClientAddresses
from verify_api.ratelimit import (
    SECRET_FILE,
    Bucket,
    PostgresBuckets,
    SharedLimits,
    load_secret,
    open_limits,
    retry_after,
)

NUMBER, HOLDER = "1915010000000751", "刘建国"
PROOF = f"SM-{NUMBER}-01"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def limits(home: Path, clock: Clock) -> SharedLimits:
    shared = open_limits("sqlite", home, {})
    shared._clock = clock
    return shared


# ------------------------------------------------------------------------------ buckets
def test_a_bucket_allows_a_burst_then_refills_at_the_rate(tmp_path: Path) -> None:
    clock, bucket = Clock(), Bucket("lookup", 10)
    buckets = limits(tmp_path, clock)
    assert [buckets.take(bucket, "203.0.113.7") for _ in range(10)] == [0.0] * 10
    wait = buckets.take(bucket, "203.0.113.7")
    assert 5.9 < wait <= 6.0 and retry_after(wait) == "6"  # 10 a minute: one every six seconds
    assert buckets.take(bucket, "198.51.100.1") == 0.0  # another client has its own bucket
    assert buckets.take(Bucket("pdf", 10), "203.0.113.7") == 0.0  # and so has another limit
    clock.now += 6
    assert buckets.take(bucket, "203.0.113.7") == 0.0
    assert buckets.take(bucket, "203.0.113.7") > 0


def test_two_workers_of_one_home_allow_the_rate_once_not_twice(tmp_path: Path) -> None:
    clock, bucket = Clock(), Bucket("lookup", 6)
    one, two = limits(tmp_path, clock), limits(tmp_path, clock)  # as two worker processes open them
    allowed = [(one if i % 2 else two).take(bucket, "203.0.113.7") == 0.0 for i in range(12)]
    assert allowed == [True] * 6 + [False] * 6


def test_rows_keep_keyed_hashes_never_addresses_and_every_worker_derives_the_same_key(tmp_path: Path) -> None:
    home, other = tmp_path / "home", tmp_path / "other"
    home.mkdir()
    other.mkdir()
    clock = Clock()
    limits(home, clock).take(Bucket("lookup", 10), "203.0.113.7")
    stored = (home / "ratelimits.sqlite").read_bytes() + (home / "ratelimits.sqlite-wal").read_bytes()
    assert b"203.0.113.7" not in stored and bytes(reversed(b"203.0.113.7")) not in stored
    key = limits(home, clock).key("lookup", "203.0.113.7")
    assert len(key) == 16 and key in stored
    assert limits(home, clock).key("lookup", "203.0.113.7") == key  # the same secret: the same key
    assert limits(other, clock).key("lookup", "203.0.113.7") != key  # another data directory's secret: not


def test_the_secret_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    secret = load_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(secret) == 64
    assert load_secret(tmp_path) == secret and [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]
    os.chmod(path, 0o644)
    with pytest.raises(PermissionError, match="mode 0600, not 0644"):
        load_secret(tmp_path)


def test_buckets_that_are_full_again_leave_no_row(tmp_path: Path) -> None:
    clock, bucket = Clock(), Bucket("lookup", 10)
    buckets = limits(tmp_path, clock)
    for i in range(150):
        buckets.take(bucket, f"198.51.100.{i}")
    clock.now += 61  # every bucket full again; the purge runs at most once a minute
    buckets.take(bucket, "203.0.113.7")
    store = buckets.store
    assert store._connection().execute("SELECT count(*) FROM rate_limits").fetchone() == (1,)  # type: ignore[attr-defined]


@on_backends("postgres")
def test_two_instances_on_postgres_allow_the_rate_once(backend: Backend, tmp_path: Path) -> None:
    postgres: dict[str, Any] = {k.removeprefix("POSTGRES_").lower(): v for k, v in backend.env.items()
                                if k.startswith("POSTGRES_")}
    clock, bucket, secret = Clock(), Bucket("lookup", 5), load_secret(tmp_path)
    one = SharedLimits(PostgresBuckets(postgres), secret, clock)
    two = SharedLimits(PostgresBuckets(postgres), secret, clock)
    try:
        with ThreadPoolExecutor(4) as pool:
            waits = list(pool.map(lambda i: (one if i % 2 else two).take(bucket, "203.0.113.7"), range(12)))
        assert sum(1 for w in waits if w == 0.0) == 5
        clock.now += 24  # one every 12 s: two more
        assert one.take(bucket, "203.0.113.7") == 0.0 and two.take(bucket, "203.0.113.7") == 0.0
        assert two.take(bucket, "203.0.113.7") > 0
    finally:
        one.close()
        two.close()


# ------------------------------------------------------------------------------ clients
XFF = b"x-forwarded-for"


@pytest.mark.parametrize(("trusted", "peer", "forwarded", "client"), [
    ("", "127.0.0.1", "203.0.113.7", "127.0.0.1"),  # none trusted by default, loopback included
    ("10.0.0.0/8", "127.0.0.1", "203.0.113.7", "127.0.0.1"),  # an untrusted peer's header is ignored
    ("127.0.0.1", "127.0.0.1", "203.0.113.7", "203.0.113.7"),
    ("127.0.0.1, 10.0.0.0/8", "127.0.0.1", "198.51.100.9, 203.0.113.7, 10.1.2.3", "203.0.113.7"),  # nearest first
    ("127.0.0.1", "127.0.0.1", "", "127.0.0.1"),
    ("127.0.0.1", "127.0.0.1", "not-an-address", "invalid"),
    ("::1", "::1", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),  # an IPv6 client is its /64
    ("", "2001:db8:1:2:3:4:5:6", "", "2001:db8:1:2::/64"),
    ("", "::ffff:203.0.113.7", "", "203.0.113.7"),
    ("", None, "", "unknown"),
])
def test_the_client_is_the_peer_unless_a_trusted_proxy_names_it(trusted: str, peer: str | None, forwarded: str,
                                                                 client: str) -> None:
    headers = [(XFF, forwarded.encode())] if forwarded else []
    assert ClientAddresses.of(trusted).client(peer, headers) == client


def test_a_trusted_proxy_list_that_is_no_list_of_addresses_is_refused() -> None:
    with pytest.raises(ValueError, match="'10.0.0.0/33' is not an IP address or network"):
        ClientAddresses.of("10.0.0.1, 10.0.0.0/33")


# ------------------------------------------------------------------- the inclusion oracle
@pytest.fixture
def logged(home: Home) -> tuple[Home, str]:
    signed = home.proof(NUMBER)
    home.checkpoint()
    return home, signed.token


def test_an_inclusion_proof_answers_only_who_shows_the_holders_name_or_the_code(logged: tuple[Home, str]) -> None:
    home, token = logged
    with TestClient(create_app(home.settings(log_reload_seconds=0))) as client:
        def ask(**params: str) -> Any:
            return client.get("/api/v1/log/inclusion", params=params)

        bare = ask(document=PROOF)
        assert bare.status_code == 422 and [p["loc"][-1] for p in bare.json()["problems"]] == ["name"]
        wrong, unknown = ask(document=PROOF, name="王五"), ask(document="SM-1915010000009999-01", name=HOLDER)
        edition = ask(document=f"{NUMBER}#2", name=HOLDER)
        assert wrong.status_code == unknown.status_code == edition.status_code == 404
        assert wrong.content == unknown.content == edition.content  # not yours and unknown: one answer
        forged = ask(token=forge(token))
        assert forged.status_code == 404 and forged.content == wrong.content
        by_name, by_code = ask(document=PROOF, name="刘 建国"), ask(token=token)
        assert by_name.status_code == by_code.status_code == 200
        assert by_name.json() == by_code.json() and by_code.json()["document"] == PROOF
        assert ask(token=token, document=PROOF).status_code == 422  # one way of showing it, not two
        # What names no document stays public.
        assert client.get("/api/v1/log/checkpoint").status_code == 200
        assert client.get("/api/v1/log/consistency", params={"old": 1}).status_code == 200


def test_inclusion_by_name_spends_the_lookups_bucket_and_by_code_does_not(logged: tuple[Home, str]) -> None:
    home, token = logged
    with TestClient(create_app(home.settings(lookup_per_minute=3))) as client:
        lookup = client.get("/api/v1/certificates", params={"number": NUMBER, "name": HOLDER})
        codes = [client.get("/api/v1/log/inclusion", params={"document": PROOF, "name": HOLDER}).status_code
                 for _ in range(3)]
        assert lookup.status_code == 200 and codes == [200, 200, 429]
        refused = client.get("/api/v1/log/inclusion", params={"document": "SM-1915010000009999-01", "name": "甲"})
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 20
        assert client.get("/api/v1/certificates", params={"number": NUMBER, "name": HOLDER}).status_code == 429
        assert client.get("/api/v1/log/inclusion", params={"token": token}).status_code == 200


# ------------------------------------------------------------------------ served, for real
BOUNDARY = "certledger-test-boundary"


def upload_with(server: Server, headers: dict[str, str]) -> int:
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\nnope\r\n--{BOUNDARY}--\r\n").encode()
    return server.request("POST", "/api/v1/verify/pdf", body,
                          {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **headers}).status


def serving_home(tmp: Path, **env: str) -> Cli:
    cli = Cli(home=tmp / "home", cwd=tmp, extra_env={**PASSPHRASES, **env})
    assert cli("init", "--office", "1501", "--operator", "张三").code == 0
    assert cli("keys", "init").code == 0
    return cli


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    cli = serving_home(tmp_path_factory.mktemp("limits"), CERTLEDGER_LOOKUP_PER_MINUTE="6",
                       CERTLEDGER_PDF_PER_MINUTE="4")
    server = Server(cli, free_port()).start("--workers", "2")
    yield server
    server.stop()


LOOKUP = "/api/v1/certificates?number=1915010000000001&name=%E7%94%B2"


@pytest.mark.e2e
def test_two_uvicorn_workers_together_allow_the_configured_rate_not_twice_it(two_workers: Server) -> None:
    with ThreadPoolExecutor(8) as pool:  # a new connection each: the workers take them as they come
        answers = list(pool.map(lambda _: two_workers.get(LOOKUP), range(24)))
    assert sorted(a.status for a in answers) == [404] * 6 + [429] * 18
    assert all(1 <= int(a.headers["retry-after"]) <= 10 for a in answers if a.status == 429)


@pytest.mark.e2e
def test_a_spoofed_forwarded_for_from_loopback_buys_no_new_bucket(two_workers: Server) -> None:
    statuses = [upload_with(two_workers, {"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(10)]
    assert statuses == [415] * 4 + [429] * 6


@pytest.mark.e2e
def test_two_instances_on_one_home_share_the_rate_and_a_trusted_proxy_names_the_client(tmp_path: Path) -> None:
    cli = serving_home(tmp_path, CERTLEDGER_LOOKUP_PER_MINUTE="4")
    one = Server(cli, free_port()).start()
    two = Server(cli, free_port()).start("--trusted-proxies", "127.0.0.1")
    try:
        assert [s.get(LOOKUP).status for s in (one, two, one, two, one, two)] == [404] * 4 + [429] * 2
        # Behind a trusted proxy, the client it names has a bucket of its own; its own address stays limited.
        forwarded = two.request("GET", LOOKUP, headers={"X-Forwarded-For": "203.0.113.7"})
        assert forwarded.status == 404
        assert one.request("GET", LOOKUP, headers={"X-Forwarded-For": "203.0.113.8"}).status == 429
    finally:
        one.stop()
        two.stop()
    assert cli("serve", "--trusted-proxies", "10.0.0.0/33", "--port", str(free_port())).code == 3  # invalid input
