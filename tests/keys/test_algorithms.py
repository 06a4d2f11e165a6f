"""The algorithm registry: ES256 signs raw r||s and verifies only what it signed."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from keys.algorithms import ALGORITHMS, ES256, algorithm, algorithm_of, key_id
from keys.errors import InvalidKeyInput


def test_es256_is_registered_under_its_jws_name_with_its_cose_id() -> None:
    assert ALGORITHMS["ES256"] is ES256 is algorithm("ES256")
    assert ES256.name == "ES256"
    assert ES256.cose_alg == -7
    assert isinstance(ES256.x509_hash, hashes.SHA256)


def test_an_unknown_algorithm_name_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InvalidKeyInput, match="unknown signature algorithm 'EdDSA'; known: ES256"):
        algorithm("EdDSA")


def test_es256_signatures_are_raw_r_and_s_and_verify() -> None:
    private_key = ES256.generate()
    signature = ES256.sign(private_key, b"payload")
    assert len(signature) == 64
    assert ES256.verify(private_key.public_key(), b"payload", signature)
    # Each ECDSA signature is fresh (random k), and both verify.
    assert ES256.verify(private_key.public_key(), b"payload", ES256.sign(private_key, b"payload"))


def test_es256_refuses_other_data_a_flipped_bit_a_wrong_length_and_another_key() -> None:
    private_key = ES256.generate()
    public_key = private_key.public_key()
    signature = ES256.sign(private_key, b"payload")
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert not ES256.verify(public_key, b"payloaD", signature)
    assert not ES256.verify(public_key, b"payload", flipped)
    assert not ES256.verify(public_key, b"payload", signature[:63])
    assert not ES256.verify(public_key, b"payload", signature + b"\0")
    assert not ES256.verify(ES256.generate().public_key(), b"payload", signature)


def test_es256_does_not_verify_a_der_signature() -> None:
    private_key = ec.generate_private_key(ec.SECP256R1())
    der = private_key.sign(b"payload", ec.ECDSA(hashes.SHA256()))
    decode_dss_signature(der)  # a valid DER signature, just not the raw form
    assert not ES256.verify(private_key.public_key(), b"payload", der)


def test_es256_refuses_keys_of_other_curves_and_types() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    assert not ES256.matches(p384.public_key())
    assert not ES256.matches(ed25519.Ed25519PrivateKey.generate().public_key())
    with pytest.raises(InvalidKeyInput, match="P-256"):
        ES256.sign(p384, b"payload")
    with pytest.raises(InvalidKeyInput, match="no registered signature algorithm"):
        algorithm_of(p384.public_key())
    assert algorithm_of(ES256.generate().public_key()) is ES256


def test_key_id_is_16_lowercase_hex_and_differs_between_keys() -> None:
    first, second = ES256.generate().public_key(), ES256.generate().public_key()
    assert len(key_id(first)) == 16 and key_id(first) == key_id(first).lower()
    int(key_id(first), 16)
    assert key_id(first) != key_id(second)
