"""The keeper's record (issued.jsonl): each entry signed by the root and chained to the one before, so a rewritten,
dropped or reordered entry, and a swapped or unrecorded certificate file, is named; the keeper refuses to add to
an altered record (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography import x509

from keys.enrol import request_key
from keys.keeper import certify
from keys.keeper_record import RECORD_FILE, KeeperRecordTampered, check_record
from keys.store import KeyStore
from tests.keys.conftest import ROOT_CREATED, ROOT_PASSPHRASE
from tests.keys.test_keeper import JINAN, NOW, UNTIL, _certify_office


@pytest.fixture
def keeper(tmp_path: Path) -> KeyStore:
    root = KeyStore(tmp_path / "keeper")
    root.init_root(ROOT_PASSPHRASE, "certledger test root", now=ROOT_CREATED)
    for n, code in enumerate(("1501", "0700")):
        _certify_office(root, KeyStore(tmp_path / f"office{n}"), code, JINAN if code == "1501" else "济南市莱芜区")
    return root


def _root(keeper: KeyStore) -> x509.Certificate:
    return x509.load_pem_x509_certificate(keeper.root_certificate_pem().encode())


def _lines(keeper: KeyStore) -> list[dict[str, object]]:
    return [json.loads(line) for line in (keeper.directory / RECORD_FILE).read_text().splitlines()]


def _write(keeper: KeyStore, entries: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for e in entries)
    (keeper.directory / RECORD_FILE).write_text(text)


def test_the_honest_record_checks_and_names_what_was_certified(keeper: KeyStore) -> None:
    check = check_record(keeper.directory, _root(keeper))
    assert check.problems == []
    assert [(e["seq"], e["action"], e["office"]) for e in check.entries] == [(1, "certified", "1501"),
                                                                            (2, "certified", "0700")]


def test_a_rewritten_entry_is_named_and_the_keeper_adds_nothing_after_it(tmp_path: Path, keeper: KeyStore) -> None:
    entries = _lines(keeper)
    entries[0]["office"] = "0700"  # who holds the file hides that 1501 was certified
    _write(keeper, entries)
    problems = check_record(keeper.directory, _root(keeper)).problems
    assert problems[0] == (f"entry 1 (certified serial {entries[0]['serial']}): its root signature does not "
                           "verify: the entry was rewritten")
    assert problems[1:] == [f"entry 2 (certified serial {entries[1]['serial']}): it does not follow entry 1: "
                            "an entry was removed or reordered"]  # the chain names the changed line's successor too
    with pytest.raises(KeeperRecordTampered, match="entry 1 .* rewritten"):
        certify(keeper, request_key(KeyStore(tmp_path / "p"), "publisher tiger lily", office=None), ROOT_PASSPHRASE,
                not_before=NOW, not_after=UNTIL)
    assert len(_lines(keeper)) == 2


def test_a_dropped_entry_and_a_swapped_certificate_file_are_named(keeper: KeyStore) -> None:
    first, second = _lines(keeper)
    _write(keeper, [second])
    problems = check_record(keeper.directory, _root(keeper)).problems
    assert any(p.startswith("entry 1 (certified") and "removed or reordered" in p for p in problems), problems
    assert f"issued-{first['serial']}.cert.pem: a kept certificate no entry records" in problems
    _write(keeper, [first, second])
    one, two = (keeper.directory / f"issued-{e['serial']}.cert.pem" for e in (first, second))
    one.write_bytes(two.read_bytes())
    assert check_record(keeper.directory, _root(keeper)).problems == [
        f"{one.name}: not the certificate its entry records (SHA-256 differs)"]
