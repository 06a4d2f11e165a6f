"""A verifier's rule for the root's CRL (keys.crl_freshness): never older than one it accepted, never removed once
one was accepted, never stale; the keeper's `refresh_crl` gives the next one (issue 12)."""

from __future__ import annotations

import json
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from keys.crl_freshness import STATE_FILE, CrlRolledBack, CrlStale, CrlStateUnusable, accepted_crl
from keys.errors import KeyFileUnsafe
from keys.keeper import refresh_crl, revoke_publisher
from keys.revocation import CRL_FILE, PublisherRevoked
from keys.store import KeyStore
from keys.trustlist import load_trust_list
from tests.keys.conftest import ROOT_PASSPHRASE
from tests.keys.test_keeper import NOW, _pin
from tests.keys.test_revocation import STOLEN, _list, _publisher, office  # noqa: F401 (fixture)


def _verifier(tmp_path: Path, keeper: KeyStore) -> Path:
    """A verifier's copy of the pinned root, in a directory of its own; returns the root's path."""
    directory = tmp_path / "verifier"
    directory.mkdir(mode=0o700)
    root = directory / "root.cert.pem"
    root.write_bytes(_pin(keeper))
    return root


def _copy_crl(keeper: KeyStore, root: Path) -> bytes:
    """The keeper's current CRL copied beside the verifier's pinned root, as it travels."""
    shutil.copy(keeper.directory / CRL_FILE, root.parent / CRL_FILE)
    return (root.parent / CRL_FILE).read_bytes()


def test_attack_an_older_crl_put_back_undoes_a_revocation_without_the_rule_and_is_refused_with_it(
        tmp_path: Path, keeper: KeyStore, office: KeyStore) -> None:  # noqa: F811
    stolen, serial = _publisher(keeper, tmp_path / "publisher", STOLEN)
    forged = _list(keeper, office, stolen, hours=2)
    root = _verifier(tmp_path, keeper)
    refresh_crl(keeper, ROOT_PASSPHRASE, now=NOW)  # CRL 1: nothing revoked yet
    older = _copy_crl(keeper, root)
    assert accepted_crl(root, NOW) == older
    revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW + timedelta(hours=1))
    current = _copy_crl(keeper, root)  # CRL 2: the stolen publisher revoked
    with pytest.raises(PublisherRevoked):
        load_trust_list(forged, _pin(keeper), accepted_crl(root, NOW + timedelta(hours=3)))
    (root.parent / CRL_FILE).write_bytes(older)  # whoever can write the verifier's directory puts CRL 1 back
    assert load_trust_list(forged, _pin(keeper), (root.parent / CRL_FILE).read_bytes()).keys  # the attack, no rule
    with pytest.raises(CrlRolledBack, match="its number 1 is below CRL number 2 already accepted"):
        accepted_crl(root, NOW + timedelta(hours=3))
    (root.parent / CRL_FILE).write_bytes(current)
    assert accepted_crl(root, NOW + timedelta(hours=3)) == current  # the current one back: accepted again


def test_a_removed_crl_is_refused_once_one_was_accepted_and_absent_before_that(tmp_path: Path,
                                                                                keeper: KeyStore) -> None:
    root = _verifier(tmp_path, keeper)
    assert accepted_crl(root, NOW) is None and not (root.parent / STATE_FILE).exists()  # none ever: none known
    refresh_crl(keeper, ROOT_PASSPHRASE, now=NOW)
    _copy_crl(keeper, root)
    assert accepted_crl(root, NOW) is not None
    (root.parent / CRL_FILE).unlink()
    with pytest.raises(CrlRolledBack, match="there is none at .* but CRL number 1 was accepted here"):
        accepted_crl(root, NOW)


def test_a_stale_crl_is_refused_naming_its_date_and_the_keepers_refresh_is_accepted(tmp_path: Path,
                                                                                     keeper: KeyStore) -> None:
    root = _verifier(tmp_path, keeper)
    first = refresh_crl(keeper, ROOT_PASSPHRASE, now=NOW)
    _copy_crl(keeper, root)
    assert first.next_update is not None
    later = first.next_update + timedelta(seconds=1)
    with pytest.raises(CrlStale, match=f"CRL number 1: stale since {first.next_update.date().isoformat()}.*"
                                        "certledger keys crl-refresh"):
        accepted_crl(root, later)
    fresh = refresh_crl(keeper, ROOT_PASSPHRASE, now=later)
    assert fresh.number == 2 and fresh.entries == first.entries
    copied = _copy_crl(keeper, root)
    assert accepted_crl(root, later) == copied
    state = json.loads((root.parent / STATE_FILE).read_text())
    assert state["crl_number"] == 2


def test_the_revocations_survive_a_refresh(tmp_path: Path, keeper: KeyStore, office: KeyStore) -> None:  # noqa: F811
    stolen, serial = _publisher(keeper, tmp_path / "publisher", STOLEN)
    crl, _ = revoke_publisher(keeper, f"{serial:x}", ROOT_PASSPHRASE, reason="key-compromise", now=NOW)
    assert crl.next_update is not None
    fresh = refresh_crl(keeper, ROOT_PASSPHRASE, now=crl.next_update + timedelta(days=1))
    assert fresh.number == crl.number + 1 and set(fresh.entries) == {serial}
    with pytest.raises(PublisherRevoked):
        load_trust_list(_list(keeper, office, stolen), _pin(keeper), (keeper.directory / CRL_FILE).read_bytes())


def test_the_state_is_private_and_a_state_open_to_others_or_rewritten_is_refused(tmp_path: Path,
                                                                                 keeper: KeyStore) -> None:
    root = _verifier(tmp_path, keeper)
    refresh_crl(keeper, ROOT_PASSPHRASE, now=NOW)
    _copy_crl(keeper, root)
    accepted_crl(root, NOW)
    state = root.parent / STATE_FILE
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert not [p for p in root.parent.iterdir() if p.name.endswith(".tmp")]  # replaced whole, nothing left over
    state.chmod(0o644)  # open to others: anyone could lower the number
    with pytest.raises(KeyFileUnsafe, match="not a regular file private to its owner .mode 0644"):
        accepted_crl(root, NOW)
    state.chmod(0o600)
    state.write_text("[]")
    with pytest.raises(CrlStateUnusable, match="not the CRL state this program writes"):
        accepted_crl(root, NOW)


def test_a_state_kept_for_another_root_does_not_hold_this_ones_number(tmp_path: Path, keeper: KeyStore) -> None:
    root = _verifier(tmp_path, keeper)
    for _ in range(3):
        refresh_crl(keeper, ROOT_PASSPHRASE, now=NOW)
    _copy_crl(keeper, root)
    accepted_crl(root, NOW)  # number 3 remembered for this root
    other = KeyStore(tmp_path / "other-root")
    other.init_root(ROOT_PASSPHRASE, "another root", now=NOW - timedelta(days=1))
    refresh_crl(other, ROOT_PASSPHRASE, now=NOW)
    root.write_bytes(_pin(other))  # the verifier pins another root: its CRL 1 is not "below 3"
    copied = _copy_crl(other, root)
    assert accepted_crl(root, NOW) == copied
