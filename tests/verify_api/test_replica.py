"""The verification service on a PostgreSQL streaming replica (hot standby) while the office writes to the primary.

The pair is real (scripts/pg-up.sh --replica: two Debian clusters on loopback, the replica made by
pg_basebackup -R): the replica refuses every write, so a service that starts and answers there writes
nothing at start and sends its own rows (counts, rate limits) elsewhere.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from keys.store import KeyStore
from ledger.application import CertLedger
from tests.e2e.conftest import Cli
from tests.signing.conftest import JINAN, ROOT_PASS, START, Office, SteppingClock
from tests.verify_api.conftest import Home, verdict
from tests.verify_api.replica_pair import Pair, as_superuser, fresh_schema, start_pair
from tests.verify_api.served import Server, free_port
from verify_api.app import create_app
from verify_api.changes import PostgresChanges
from verify_api.service import VerificationService
from verify_api.settings import ServiceSettings
from verify_api.views import CachedViews

pytestmark = pytest.mark.postgres
CACHE_BOUND = 0.06  # past the poller's 50 ms bound (verify_api/changes.py): how long memory may be served


@pytest.fixture(scope="module")
def pair() -> Pair:
    return start_pair()


@pytest.fixture
def schema(pair: Pair) -> Iterator[str]:
    yield from fresh_schema(pair)


class ReplicaHome(Home):
    """An office writing to the primary; the service's settings point at the replica (or the primary)."""

    pair: Pair
    schema: str

    def on(self, port: int, **overrides: Any) -> ServiceSettings:
        values = {"home": self.path, "access_log": False, **self.pair.settings(port, self.schema), **overrides}
        return ServiceSettings(**values)


@pytest.fixture
def office_home(tmp_path: Path, pair: Pair, schema: str) -> Iterator[ReplicaHome]:
    path = tmp_path / "home"
    path.mkdir()
    clock = SteppingClock(START)
    app = CertLedger(env=pair.env(pair.primary_port, schema), clock=clock, transparency_log=True)
    app.ensure_default_catalog(JINAN)
    store = KeyStore(path / "keys", kdf_cost=14)
    store.init_root(ROOT_PASS, "test root", now=START - timedelta(days=1))
    office = Office(app, store, clock, tmp_path)
    office.new_key()
    h = ReplicaHome(path, office)
    h.pair, h.schema = pair, schema
    h.publish()
    pair.replayed()
    try:
        yield h
    finally:
        app.close()


def test_the_replica_streams_the_primary_and_refuses_every_write(pair: Pair, schema: str) -> None:
    with pair.connect(pair.replica_port) as replica, pair.connect(pair.primary_port) as primary:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert primary.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
        ids = [c.execute("SELECT system_identifier FROM pg_control_system()").fetchone() for c in (replica, primary)]
        assert ids[0] == ids[1]  # a copy of this primary, not another cluster
        primary.execute(f"CREATE TABLE {schema}.t (n int)")
        primary.execute(f"INSERT INTO {schema}.t VALUES (1)")
        pair.replayed()
        assert replica.execute(f"SELECT n FROM {schema}.t").fetchall() == [(1,)]
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            replica.execute(f"INSERT INTO {schema}.t VALUES (2)")


def test_a_revocation_on_the_primary_shows_through_the_replica_once_replayed(office_home: ReplicaHome) -> None:
    signed = office_home.proof("1915010000000801")
    office_home.pair.replayed()
    with TestClient(create_app(office_home.on(office_home.pair.replica_port))) as client:
        assert verdict(client, signed.token)["outcome"] == "current"
        office_home.office.app.revoke(JINAN, "SM-1915010000000801-01", "issued on a forged application")
        lag = office_home.pair.replayed()
        time.sleep(CACHE_BOUND)
        # Replayed means seen: once the cache's bound has passed, the next verdict reads the revocation.
        v = verdict(client, signed.token)
        assert v["outcome"] == "revoked" and v["revoked"]["reason"] == "issued on a forged application"
        assert lag < 10, lag


def test_healthz_reports_a_standby_its_lag_and_where_it_writes(office_home: ReplicaHome) -> None:
    pair = office_home.pair
    with TestClient(create_app(office_home.on(pair.replica_port))) as replica, \
            TestClient(create_app(office_home.on(pair.primary_port))) as primary:
        on_replica = replica.get("/healthz")
        assert on_replica.status_code == 200, on_replica.text
        store = on_replica.json()["store"]
        assert store["standby"] is True and store["writes"] == "local"
        assert store["replay_lag_seconds"] is not None and 0 <= store["replay_lag_seconds"] < 10
        assert store["replayed_lsn"] and store["received_lsn"] and store["replay_behind_bytes"] >= 0
        assert primary.get("/healthz").json()["store"] == {"standby": False, "writes": "ledger"}
        # The WAL receiver's state is shown to a role in pg_read_all_stats only.
        as_superuser(pair, pair.primary_port, f"GRANT pg_read_all_stats TO {pair.user}")
        pair.replayed()
        assert replica.get("/healthz").json()["store"]["receiver"] == "streaming"


def test_a_standby_whose_replay_stops_reports_the_growing_lag_and_shows_the_revocation_only_after(
        office_home: ReplicaHome) -> None:
    pair = office_home.pair
    signed = office_home.proof("1915010000000802")
    pair.replayed()
    settings = office_home.on(pair.replica_port, max_replay_lag_seconds=0.5)
    as_superuser(pair, pair.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        with TestClient(create_app(settings)) as client:
            office_home.office.app.revoke(JINAN, "SM-1915010000000802-01", "withdrawn")
            time.sleep(1.0)
            lagging = client.get("/healthz")
            assert lagging.status_code == 503 and lagging.json()["status"] == "lagging"
            store = lagging.json()["store"]
            assert store["replay_lag_seconds"] > 0.5 and store["replay_behind_bytes"] > 0
            # Still answering, from what it has replayed: the revocation is not there yet.
            assert verdict(client, signed.token)["outcome"] == "current"
            as_superuser(pair, pair.replica_port, "SELECT pg_wal_replay_resume()")
            pair.replayed()
            time.sleep(CACHE_BOUND)
            assert verdict(client, signed.token)["outcome"] == "revoked"
            assert client.get("/healthz").status_code == 200
    finally:
        as_superuser(pair, pair.replica_port, "SELECT pg_wal_replay_resume()")


def test_on_the_replica_lookups_uploads_and_counts_are_served_from_local_files(office_home: ReplicaHome) -> None:
    signed = office_home.proof("1915010000000803")
    office_home.pair.replayed()
    settings = office_home.on(office_home.pair.replica_port, lookup_per_minute=2)
    with TestClient(create_app(settings)) as client:
        assert verdict(client, signed.token)["outcome"] == "current"
        codes = [client.get("/api/v1/certificates", params={"number": "1915010000000803", "name": "刘建国"})
                 .status_code for _ in range(3)]
        assert codes == [200, 200, 429]  # limited, not refused: no 503 on the standby
        upload = client.post("/api/v1/verify/pdf", files={"file": ("a.pdf", b"not a pdf", "application/pdf")})
        assert upload.status_code == 415
        client.app.state.service.recorder.flush()  # type: ignore[attr-defined]
    with sqlite3.connect(office_home.path / "verifications.sqlite") as db:
        rows = db.execute("SELECT reference, outcome, via, count FROM verification_counts ORDER BY via").fetchall()
    assert {(r[1], r[2], r[3]) for r in rows} == {("current", "lookup", 2), ("current", "token", 1)}, rows
    assert (office_home.path / "ratelimits.sqlite").is_file()


def test_with_the_primary_named_the_replica_writes_counts_and_limits_there(office_home: ReplicaHome) -> None:
    pair = office_home.pair
    signed = office_home.proof("1915010000000804")
    pair.replayed()
    settings = office_home.on(pair.replica_port, postgres_primary_host=pair.host,
                              postgres_primary_port=pair.primary_port, lookup_per_minute=1)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json()["store"]["writes"] == "primary"
        assert verdict(client, signed.token)["outcome"] == "current"
        codes = [client.get("/api/v1/certificates", params={"number": "1915010000000804", "name": "刘建国"})
                 .status_code for _ in range(2)]
        assert codes == [200, 429]
        client.app.state.service.recorder.flush()  # type: ignore[attr-defined]
    with pair.connect(pair.primary_port) as conn:
        schema = office_home.schema
        counted = conn.execute(f"SELECT via, count FROM {schema}.verification_counts ORDER BY via").fetchall()
        limited = conn.execute(f"SELECT count(*) FROM {schema}.rate_limits").fetchone()
    assert counted == [("lookup", 1), ("token", 1)] and limited == (1,)
    assert not (office_home.path / "verifications.sqlite").exists()


def test_certledger_serve_runs_two_instances_of_two_workers_on_the_replica(office_home: ReplicaHome,
                                                                           tmp_path: Path) -> None:
    pair = office_home.pair
    signed = office_home.proof("1915010000000805")
    pair.replayed()
    env = {f"CERTLEDGER_{k.upper()}": str(v) for k, v in pair.settings(pair.replica_port, office_home.schema).items()}
    cli = Cli(office_home.path, tmp_path, extra_env=env)
    servers = [Server(cli, free_port()).start("--workers", "2", timeout=90) for _ in range(2)]
    try:
        for server in servers:
            assert server.get("/healthz").json()["store"]["standby"] is True
            assert server.get(f"/api/v1/verify/{signed.token}").json()["outcome"] == "current"
        office_home.office.app.revoke(JINAN, "SM-1915010000000805-01", "withdrawn")
        pair.replayed()
        time.sleep(CACHE_BOUND)
        for server in servers:
            for _ in range(4):  # whichever worker answers
                assert server.get(f"/api/v1/verify/{signed.token}").json()["outcome"] == "revoked"
    finally:
        logs = [server.stop() for server in servers]
    for log in logs:
        assert "is a hot standby (read-only)" in log, log
        assert "Traceback" not in log and "read-only transaction" not in log, log


def _cached(home: ReplicaHome, port: int) -> tuple[CachedViews, CertLedger]:
    """The service's document cache on one server of the pair, asking before every use (check_every 0)."""
    ledger = CertLedger(env={**home.pair.env(port, home.schema), "CREATE_TABLE": "n"}, transparency_log=True)
    settings = home.on(port)
    return CachedViews(ledger, PostgresChanges(settings.postgres())), ledger


def test_on_postgres_a_repeated_read_comes_from_memory_until_a_change_is_committed(office_home: ReplicaHome) -> None:
    office_home.proof("1915010000000806")
    office_home.pair.replayed()
    for port in (office_home.pair.primary_port, office_home.pair.replica_port):
        views, ledger = _cached(office_home, port)
        try:
            first = views.document_by_reference("SM-1915010000000806-01")
            assert views.document_by_reference("SM-1915010000000806-01") is first  # memory: nothing committed
        finally:
            views.close()
            ledger.close()
    views, ledger = _cached(office_home, office_home.pair.replica_port)
    try:
        first = views.document_by_reference("SM-1915010000000806-01")
        office_home.office.app.revoke(JINAN, "SM-1915010000000806-01", "withdrawn")
        office_home.pair.replayed()
        again = views.document_by_reference("SM-1915010000000806-01")
        assert again is not first and again.status == "revoked"
    finally:
        views.close()
        ledger.close()


def test_the_snapshot_moves_with_a_commit_and_a_lost_server_counts_as_a_change(office_home: ReplicaHome) -> None:
    pair = office_home.pair
    changes = PostgresChanges(office_home.on(pair.primary_port).postgres())
    try:
        assert changes.changed() is False  # nothing written since it asked
        with pair.connect(pair.primary_port) as conn:
            conn.execute(f"CREATE TABLE {office_home.schema}.unrelated (n int)")  # any commit on the cluster
        assert changes.changed() is True and changes.changed() is False
        changes._conn.close()
        changes._conn.conninfo["port"] = free_port()  # nobody listens: the question fails, the answer is "changed"
        assert changes.changed() is True and changes.changed() is True
    finally:
        changes.close()


def _polling(home: ReplicaHome, port: int) -> tuple[PostgresChanges, CertLedger]:
    """The service's question as it runs it: the ledger's highest event id, asked by a thread every 10 ms."""
    ledger = CertLedger(env={**home.pair.env(port, home.schema), "CREATE_TABLE": "n"}, transparency_log=True)
    return PostgresChanges(home.on(port).postgres(), ledger.recorder.max_notification_id_statement, 0.01), ledger


def test_a_polling_worker_sees_a_ledger_commit_on_the_replica_within_its_bound_and_ignores_other_writes(
        office_home: ReplicaHome) -> None:
    pair = office_home.pair
    changes, ledger = _polling(office_home, pair.replica_port)
    try:
        assert changes.polling and changes.bound == 0.05 and changes.changed() is False
        with pair.connect(pair.primary_port) as conn:  # a write that is no event: counts, limits, another table
            conn.execute(f"CREATE TABLE {office_home.schema}.unrelated (n int)")
            conn.execute(f"INSERT INTO {office_home.schema}.unrelated VALUES (1)")
        pair.replayed()
        time.sleep(CACHE_BOUND)
        assert changes.changed() is False  # the snapshot moved, the ledger did not: memory still holds
        office_home.proof("1915010000000807")  # an event committed on the primary
        pair.replayed()
        time.sleep(CACHE_BOUND)
        assert changes.changed() is True and changes.changed() is False
    finally:
        changes.close()
        ledger.close()


def test_a_polling_worker_that_loses_its_server_trusts_no_memory_past_its_bound(office_home: ReplicaHome) -> None:
    changes, ledger = _polling(office_home, office_home.pair.replica_port)
    try:
        assert changes.changed() is False
        changes._conn.conninfo["port"] = free_port()  # nobody listens there: every later question fails
        changes._conn.close()
        time.sleep(CACHE_BOUND * 2)
        assert changes.changed() is True and changes.changed() is True  # no recent answer: a change every time
    finally:
        changes.close()
        ledger.close()


def test_a_cached_view_on_the_replica_follows_a_revocation_with_the_poller(office_home: ReplicaHome) -> None:
    office_home.proof("1915010000000808")
    office_home.pair.replayed()
    changes, ledger = _polling(office_home, office_home.pair.replica_port)
    views = CachedViews(ledger, changes)
    try:
        first = views.document_by_reference("SM-1915010000000808-01")
        assert views.document_by_reference("SM-1915010000000808-01") is first  # memory, no round trip
        office_home.office.app.revoke(JINAN, "SM-1915010000000808-01", "withdrawn")
        office_home.pair.replayed()
        time.sleep(CACHE_BOUND)
        again = views.document_by_reference("SM-1915010000000808-01")
        assert again is not first and again.status == "revoked"
    finally:
        views.close()
        ledger.close()


def test_on_the_replica_a_repeated_scan_is_answered_without_a_read_and_not_past_a_revocation(
        office_home: ReplicaHome) -> None:
    signed = office_home.proof("1915010000000809")
    office_home.pair.replayed()
    service = VerificationService.from_settings(office_home.on(office_home.pair.replica_port))
    try:
        for _ in range(3):
            assert service.verify_token(signed.token).outcome.value == "current"
        remembered = service.remembered_token(signed.token)
        assert remembered is not None and remembered.outcome.value == "current"
        pool = service.ledger.recorder.datastore.pool
        pool.close()  # every read of the ledger fails from here: the remembered verdict needs none
        assert service.remembered_token(signed.token) is remembered
        office_home.office.app.revoke(JINAN, "SM-1915010000000809-01", "withdrawn")
        office_home.pair.replayed()
        time.sleep(CACHE_BOUND)
        assert service.remembered_token(signed.token) is None  # the poller saw the commit: made again
    finally:
        service.close()
    with TestClient(create_app(office_home.on(office_home.pair.replica_port))) as client:
        assert verdict(client, signed.token)["outcome"] == "revoked"
