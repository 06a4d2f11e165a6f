"""Signed notes, checkpoint bodies and key strings: strict parsing, each malformed input named,
malformed kept apart from does-not-verify."""

from __future__ import annotations

import base64

import pytest

from keys.errors import KeysError
from keys.tlog import (
    Checkpoint,
    CosignatureVerifier,
    Cosigner,
    NoteSigner,
    NoteVerifier,
    OriginMismatch,
    SignatureInvalid,
    SignedNote,
    TlogError,
    TlogMalformed,
    TlogUnverified,
    open_checkpoint,
    open_note,
)
from keys.tlog.note import key_id

# The example in golang.org/x/mod/sumdb/note's documentation: a published known answer.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
           "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").encode()
ORIGIN = "certledger.example/log"
LOG = NoteSigner.generate(ORIGIN)
ROOT = bytes(range(32))


def test_the_go_documentation_example_signs_and_verifies_byte_for_byte() -> None:
    signer = NoteSigner.from_signer_key(GO_SKEY)
    assert signer.verifier.verifier_key() == GO_VKEY
    assert signer.signer_key() == GO_SKEY
    assert SignedNote(GO_TEXT, (signer.sign(GO_TEXT),)).encode() == GO_NOTE
    opened = open_note(GO_NOTE, [NoteVerifier.from_verifier_key(GO_VKEY)])
    assert opened.text == GO_TEXT and opened.verified[0].key_id == 0xC74F20A3


def test_the_key_id_is_the_hash_of_name_newline_type_and_key() -> None:
    import hashlib

    pub = LOG.verifier.public_key.public_bytes_raw()
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + pub).digest()[:4]
    assert LOG.key_id.to_bytes(4, "big") == expected == key_id(ORIGIN, 1, pub).to_bytes(4, "big")
    witness = Cosigner.generate("w.example/1")
    wpub = witness.verifier.public_key.public_bytes_raw()
    assert witness.verifier.key_id.to_bytes(4, "big") == hashlib.sha256(b"w.example/1\n\x04" + wpub).digest()[:4]


def test_a_checkpoint_round_trips_through_its_note() -> None:
    checkpoint = Checkpoint(ORIGIN, 20852163, ROOT, ("extension line",))
    opened = open_checkpoint(checkpoint.sign(LOG).encode(), LOG.verifier)
    assert opened.checkpoint == checkpoint
    assert opened.note.text == f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\nextension line\n"


NOTE_TEXT = f"{ORIGIN}\n3\n{base64.b64encode(ROOT).decode()}\n"
SIG_LINE = LOG.sign(NOTE_TEXT).line()


MALFORMED_NOTES = [
    (NOTE_TEXT.encode() + SIG_LINE.encode(), "note"),  # no blank line
    (NOTE_TEXT.encode() + b"\n", "note signatures"),  # no signature line
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE.encode()[:-1], "note signatures"),  # no final newline
    (NOTE_TEXT.encode() + b"\n- " + SIG_LINE.encode()[4:], "note signature line 1"),  # a hyphen, not an em dash
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE.encode() + "\u2014 x AAAA\n".encode(), "note signature line 2"),  # short
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE.replace(ORIGIN, "a+b").encode(), "note signature line 1"),  # '+' in name
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE.replace(" ", "  ", 2).encode(), "note signature line 1"),  # two spaces
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE[:-3].encode() + b"!=\n", "note signature line 1"),  # not base64
    (NOTE_TEXT.encode() + b"\n" + SIG_LINE[:-2].encode() + b"\n", "note signature line 1"),  # padding dropped
    (NOTE_TEXT.replace("\n3\n", "\n3\r\n").encode() + b"\n" + SIG_LINE.encode(), "note"),  # control character
    (b"\xff" + NOTE_TEXT.encode() + b"\n" + SIG_LINE.encode(), "note"),  # not UTF-8
]


@pytest.mark.parametrize(("data", "field"), MALFORMED_NOTES)
def test_a_malformed_note_is_named_and_is_not_a_verification_failure(data: bytes, field: str) -> None:
    with pytest.raises(TlogMalformed) as caught:
        SignedNote.parse(data)
    assert caught.value.field == field
    assert not isinstance(caught.value, TlogUnverified)
    assert isinstance(caught.value, TlogError) and isinstance(caught.value, KeysError)  # one root


MALFORMED_CHECKPOINTS = [
    (f"{ORIGIN}\n3\n", "checkpoint"),
    (f"{ORIGIN}\n03\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),
    (f"{ORIGIN}\n+3\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),
    (f"{ORIGIN}\n 3\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),
    (f"{ORIGIN}\n\u0663\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),  # an Arabic-Indic 3
    (f"{ORIGIN}\n1_0\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),
    (f"{ORIGIN}\n{1 << 63}\n{base64.b64encode(ROOT).decode()}\n", "checkpoint tree size"),
    (f"{ORIGIN}\n3\n{base64.b64encode(ROOT[:31]).decode()}\n", "checkpoint root hash"),
    (f"{ORIGIN}\n3\n{base64.b64encode(ROOT).decode().rstrip('=')}\n", "checkpoint root hash"),
    (f"{ORIGIN}\n3\n{base64.b64encode(ROOT).hex()}\n", "checkpoint root hash"),
    (f"{ORIGIN}\n3\n{base64.b64encode(ROOT).decode()}\n\nlater\n", "checkpoint line 4"),
    (f"\n3\n{base64.b64encode(ROOT).decode()}\n", "checkpoint origin"),
    (f"{ORIGIN}\n3\n{base64.b64encode(ROOT).decode()}", "checkpoint"),
]


@pytest.mark.parametrize(("text", "field"), MALFORMED_CHECKPOINTS)
def test_a_malformed_checkpoint_body_is_named_by_its_line(text: str, field: str) -> None:
    with pytest.raises(TlogMalformed) as caught:
        Checkpoint.parse(text)
    assert caught.value.field == field


def test_a_non_canonical_root_encoding_is_malformed_though_it_decodes() -> None:
    canonical = base64.b64encode(ROOT).decode()
    loose = canonical[:-2] + chr(ord(canonical[-2]) + 1) + "="  # other trailing bits: decodes to the same 32 bytes
    assert base64.b64decode(loose) == ROOT
    with pytest.raises(TlogMalformed, match="canonical"):
        Checkpoint.parse(f"{ORIGIN}\n3\n{loose}\n")


@pytest.mark.parametrize("vkey", [
    "", "name", "name+c74f20a3", "na me+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    GO_VKEY.replace("c74f20a3", "C74F20A3"), GO_VKEY.replace("c74f20a3", "c74f20a4"),
    GO_VKEY.replace("+AR", "+Ah"),  # another key type
    GO_VKEY[:-4],  # a truncated key
])
def test_a_malformed_verifier_key_is_refused(vkey: str) -> None:
    with pytest.raises(TlogMalformed) as caught:
        NoteVerifier.from_verifier_key(vkey)
    assert caught.value.field == "verifier key"


def test_a_signer_key_error_never_echoes_the_key() -> None:
    bad = GO_SKEY.replace("c74f20a3", "00000000")
    with pytest.raises(TlogMalformed) as caught:
        NoteSigner.from_signer_key(bad)
    assert "AYEKFALV" not in str(caught.value)


def test_a_note_key_is_not_a_witness_key_and_back() -> None:
    with pytest.raises(TlogMalformed):
        CosignatureVerifier.from_verifier_key(LOG.verifier.verifier_key())
    with pytest.raises(TlogMalformed):
        NoteVerifier.from_verifier_key(Cosigner.generate("w.example").verifier.verifier_key())


def test_signatures_of_unknown_keys_are_ignored_and_a_known_key_that_fails_rejects() -> None:
    other = NoteSigner.generate("other.example")
    note = Checkpoint(ORIGIN, 3, ROOT).sign(LOG).with_signature(other.sign(NOTE_TEXT))
    assert open_checkpoint(note.encode(), LOG.verifier).size == 3  # `other` is unknown: ignored
    forged = NoteSigner(ORIGIN, NoteSigner.generate(ORIGIN).private_key)  # same name, another key: another id
    alone = SignedNote(NOTE_TEXT, (forged.sign(NOTE_TEXT),))
    with pytest.raises(SignatureInvalid, match="not signed by a known key"):
        open_checkpoint(alone.encode(), LOG.verifier)
    bad_other = note.with_signature(other.sign(NOTE_TEXT.replace("3", "4")))
    with pytest.raises(SignatureInvalid, match="other.example"):
        open_note(bad_other.encode(), [LOG.verifier, other.verifier])


def test_a_checkpoint_of_another_origin_is_refused_though_our_key_signed_it() -> None:
    note = Checkpoint("elsewhere.example/log", 3, ROOT).sign(LOG)
    with pytest.raises(OriginMismatch):
        open_checkpoint(note.encode(), LOG.verifier)
    assert open_checkpoint(note.encode(), LOG.verifier, origin="elsewhere.example/log").size == 3


def test_a_note_signed_by_the_log_only_among_cosigners_needs_the_log() -> None:
    witness = Cosigner.generate("w.example")
    cosigned_only = SignedNote(NOTE_TEXT, (witness.cosign(Checkpoint(ORIGIN, 3, ROOT).sign(LOG), 5).signatures[-1],))
    with pytest.raises(SignatureInvalid, match="log key"):
        open_checkpoint(cosigned_only.encode(), LOG.verifier, others=[witness.verifier])
