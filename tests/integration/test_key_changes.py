"""Key changes and the trust list in one save; an office changes only its own keys (issue 12, attacks 2 and 5).

On SQLite and PostgreSQL: the save is where both-or-neither holds. Keys are made by the office, certified in
the root's own directory and installed, as `certledger keys request / certify / install` do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from keys.enrol import install, load_publisher, request_key
from keys.keeper import certify
from keys.store import KeyStore, OfficeKey
from keys.trustlist import build_trust_list, load_trust_list
from ledger.application import Actor, CertLedger
from ledger.errors import Conflict, RuleViolation
from ledger.views import SigningKeyView
from tests.conftest import AppFactory, on_backends

JINAN, SHENYANG = Actor("张三", "1501"), Actor("李四", "0700")
NAMES = {"1501": "济南市人才服务中心", "0700": "辽宁省职业技能鉴定中心"}
ROOT_PASS, KEY_PASS, PUBLISHER_PASS = "root-pass-1501-x", "key-pass-1501-x", "publisher-pass-1501-x"
ROOT_CREATED = datetime(2024, 1, 1, tzinfo=UTC)

pytestmark = on_backends("sqlite", "postgres")


@dataclass
class Deployment:
    keeper: KeyStore  # the root's directory
    keys: KeyStore  # the deployment's key directory: offices' keys and the publisher's
    app: CertLedger
    fail_publishing: bool = False

    def publisher(self, views: Sequence[SigningKeyView], at: datetime) -> bytes:
        if self.fail_publishing:  # what a wrong passphrase or a broken key file does inside the save
            load_publisher(self.keys, "not the publisher passphrase", at)
        return build_trust_list(views, load_publisher(self.keys, PUBLISHER_PASS, at), issuer="test", issued_at=at)

    def certified(self, office: str) -> OfficeKey:
        now = self.app.now()
        request = request_key(self.keys, KEY_PASS, office=office, office_name=NAMES[office])
        cert = certify(self.keeper, request, ROOT_PASS, not_before=now, not_after=now + timedelta(days=365),
                       office_name=NAMES[office])
        installed = install(self.keys, cert.certificate_pem, now=now)
        assert installed.office_key is not None
        return installed.office_key

    def register(self, who: Actor, key: OfficeKey, retire: str | None = None) -> SigningKeyView:
        return self.app.register_key(who, key.kid, key.algorithm, key.public_key_pem, key.certificate_pem,
                                     key.not_before, key.not_after, office=key.office, publisher=self.publisher,
                                     retire=retire)

    def trust(self) -> dict[str, str]:
        """The latest recorded list, verified against the pinned root: kid -> status."""
        latest = self.app.latest_trust_list()
        assert latest is not None
        loaded = load_trust_list(latest.data, self.keeper.root_certificate_pem().encode())
        return {kid: key.status for kid, key in loaded.keys.items()}

    def events(self) -> int:
        return self.app.recorder.max_notification_id() or 0


@pytest.fixture
def deployment(make_app: AppFactory, tmp_path: Path) -> Deployment:
    keeper = KeyStore(tmp_path / "keeper")
    keeper.init_root(ROOT_PASS, "test root", now=ROOT_CREATED)
    keys = KeyStore(tmp_path / "keys")
    app = make_app()
    now = app.now()
    publisher = request_key(keys, PUBLISHER_PASS, office=None)
    cert = certify(keeper, publisher, ROOT_PASS, not_before=now - timedelta(days=1),
                   not_after=now + timedelta(days=900))
    install(keys, cert.certificate_pem, now=now, root_pem=keeper.root_certificate_pem().encode())
    return Deployment(keeper, keys, app)


def test_each_key_change_is_saved_with_the_trust_list_that_reflects_it(deployment: Deployment) -> None:
    d = deployment
    assert d.app.latest_trust_list() is None
    first = d.register(JINAN, d.certified("1501"))
    assert d.trust() == {first.kid: "active"}
    second = d.register(JINAN, d.certified("1501"), retire=first.kid)
    assert d.trust() == {first.kid: "retired", second.kid: "active"}
    d.app.revoke_key(JINAN, second.kid, d.app.now(), "token stolen", publisher=d.publisher)
    latest = d.app.latest_trust_list()
    assert latest is not None and latest.sequence == 3 and latest.current
    assert d.trust() == {first.kid: "retired", second.kid: "revoked"}
    assert (latest.operator, latest.office) == ("张三", "1501")


def test_attack_5_a_failing_publisher_records_nothing_and_the_retry_works(deployment: Deployment) -> None:
    d = deployment
    key = d.register(JINAN, d.certified("1501"))
    before, compromised_at = d.events(), d.app.now()
    d.fail_publishing = True
    with pytest.raises(Exception, match="wrong passphrase for publisher key"):
        d.app.revoke_key(JINAN, key.kid, compromised_at, "laptop stolen", publisher=d.publisher)
    assert d.events() == before  # neither the revocation nor a list
    assert d.app.key(key.kid).status == "active" and d.trust() == {key.kid: "active"}
    d.fail_publishing = False
    revoked = d.app.revoke_key(JINAN, key.kid, compromised_at, "laptop stolen", publisher=d.publisher)
    assert revoked.status == "revoked" and d.trust() == {key.kid: "revoked"}


def test_attack_5_without_the_defence_the_key_stays_trusted_and_the_retry_is_refused(
        deployment: Deployment) -> None:
    """The order main had: the revocation saved alone, the list after it (here: never, the publisher failed).
    Then the retry: main refused it as "already revoked"; now the same revocation republishes."""
    d = deployment
    key = d.register(JINAN, d.certified("1501"))
    compromised_at = d.app.now()
    aggregate = d.app._key(key.kid)
    aggregate.revoke(compromised_at, "laptop stolen", JINAN.operator, JINAN.office, d.app.now())
    d.app._save(aggregate)  # the revocation alone: what main recorded before publishing
    assert d.trust() == {key.kid: "active"}  # the compromised key is still trusted by every verifier
    with pytest.raises(RuleViolation, match="already revoked"):  # another time: a different revocation
        d.app.revoke_key(JINAN, key.kid, compromised_at - timedelta(hours=1), "laptop stolen",
                         publisher=d.publisher)
    events = d.events()
    d.app.revoke_key(JINAN, key.kid, compromised_at, "laptop stolen", publisher=d.publisher)  # the retry
    assert d.trust() == {key.kid: "revoked"} and d.events() == events + 2  # the list (series + publication)
    d.app.revoke_key(JINAN, key.kid, compromised_at, "laptop stolen", publisher=d.publisher)
    assert d.events() == events + 2  # once the list reflects it, a retry records nothing more


def test_attack_2_an_office_does_not_change_another_offices_keys(deployment: Deployment) -> None:
    d = deployment
    shenyang = d.register(SHENYANG, d.certified("0700"))
    before = d.events()
    with pytest.raises(RuleViolation, match="office 1501 may not register a key certified for office 0700"):
        d.register(JINAN, d.certified("0700"))  # minting: a 0700 certificate installed by 1501
    with pytest.raises(RuleViolation, match="belongs to office 0700"):
        d.register(JINAN, d.certified("1501"), retire=shenyang.kid)  # rotating 0700's key away
    with pytest.raises(RuleViolation, match="belongs to office 0700"):
        d.app.retire_key(JINAN, shenyang.kid, "mine now", publisher=d.publisher)
    with pytest.raises(RuleViolation, match="belongs to office 0700"):
        d.app.revoke_key(JINAN, shenyang.kid, d.app.now(), "mine now", publisher=d.publisher)
    assert d.events() == before and d.trust() == {shenyang.kid: "active"}


def test_two_key_changes_racing_give_one_list_each_or_a_conflict_never_a_list_missing_one(
        deployment: Deployment, make_app: AppFactory) -> None:
    """Office 0700 registers its key while 1501's change is being signed: 1501's list (signed without 0700's
    key) is not recorded; the retry lists both."""
    d = deployment
    other = Deployment(d.keeper, d.keys, make_app())
    d.register(JINAN, d.certified("1501"))  # the series exists: both writers read it
    shenyang_key, jinan_key = d.certified("0700"), d.certified("1501")

    def racing(views: Sequence[SigningKeyView], at: datetime) -> bytes:
        if not other.app.signing_keys("0700"):
            other.register(SHENYANG, shenyang_key)  # commits between this writer's read and its save
        return d.publisher(views, at)

    with pytest.raises(Conflict):
        d.app.register_key(JINAN, jinan_key.kid, jinan_key.algorithm, jinan_key.public_key_pem,
                           jinan_key.certificate_pem, jinan_key.not_before, jinan_key.not_after, office="1501",
                           publisher=racing)
    assert jinan_key.kid not in d.trust() and shenyang_key.kid in d.trust()
    d.register(JINAN, jinan_key)
    assert {jinan_key.kid, shenyang_key.kid} <= set(d.trust())
