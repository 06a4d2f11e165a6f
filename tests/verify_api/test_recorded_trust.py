"""The service verifies against the trust list the ledger recorded with the key change, not only the file
(issue 12, attack 5: a list file that was never written does not keep a compromised key trusted)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from ledger.application import CertLedger
from tests.signing.conftest import JINAN
from tests.verify_api.conftest import Home, verdict
from verify_api.app import create_app
from verify_api.trust import TrustSource


def test_a_revocation_recorded_with_its_list_is_served_though_the_file_was_never_rewritten(home: Home) -> None:
    signed = home.proof("1915010000000741")
    stale_file = (home.path / "trust-list.jws").read_bytes()
    with TestClient(create_app(home.settings(trust_reload_seconds=0))) as client:
        assert verdict(client, signed.token)["outcome"] == "current"
        signed_at = home.office.app.document_by_reference("SM-1915010000000741-01").signatures[0].signed_at
        home.office.app.revoke_key(JINAN, home.office.kids[0], signed_at - timedelta(minutes=1), "key stolen",
                                   publisher=home.office.sign_list)
        assert (home.path / "trust-list.jws").read_bytes() == stale_file  # nobody wrote the file
        v = verdict(client, signed.token)
        assert v["outcome"] == "not-genuine" and v["failed_check"]["check"] == "key_window"
        served = client.get("/.well-known/certledger/trust-list").content
        assert served == home.office.app.latest_trust_list().data  # type: ignore[union-attr]


def test_a_ledger_without_a_recorded_list_is_served_from_the_file(home: Home) -> None:
    """A store from before lists were recorded: the file is what there is."""
    empty = CertLedger(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    assert empty.trust_list_sequence() is None
    source = TrustSource(home.path / "trust-list.jws", home.path / "keys" / "root.cert.pem", 0, recorded=empty)
    assert source.current().data == (home.path / "trust-list.jws").read_bytes()
    recorded = TrustSource(home.path / "trust-list.jws", home.path / "keys" / "root.cert.pem", 0,
                           recorded=home.office.app)
    assert recorded.current().data == home.office.app.latest_trust_list().data  # type: ignore[union-attr]
