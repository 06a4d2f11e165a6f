"""What a log leaf hashes: the two leaf schemes of ledger.translog.

Scheme 1 (stores written before it): the exact stored event record (aggregate id, version, topic, stored
state). It holds the state's bytes, and so the holder's ID number when no cipher is configured: it can never
be published, and a client cannot recompute the leaf.

Scheme 2 (every leaf written since): a public header (notification id, aggregate id, version, topic) and the
SHA-256 of a random 16-byte salt followed by the stored state. A verdict carries the header and the state
digest, so a client hashes them into the leaf and folds the inclusion proof to the signed root; the salt
stays in the log's table (the auditor needs it to recompute the digest from the stored row), so nobody can
test guessed ID numbers against a published digest.

The scheme is recorded per leaf: a scheme-2 leaf keeps its salt and its public record beside its hash. A
scheme-2 record starts with 16 zero bytes, the nil UUID, which is no aggregate's id (the audit refuses a row
that claims it), so no scheme-1 record reads as a scheme-2 one and relabelling a leaf's scheme never lets a
changed row keep its leaf.
"""

from __future__ import annotations

import hashlib
import os
import struct
from typing import Any, NamedTuple
from uuid import UUID

from ledger.merkle import leaf_hash

SCHEME_RECORD = 1
SCHEME_HEADER = 2
NIL = bytes(16)
SALT_BYTES = 16


def uuid_bytes(originator_id: UUID | str) -> bytes:
    if isinstance(originator_id, UUID):
        return originator_id.bytes
    text = str(originator_id).replace("-", "")
    if len(text) == 32:  # the text SQLite holds: read as UUID() reads it, without building one
        return bytes.fromhex(text)
    return UUID(str(originator_id)).bytes  # braces, urn: (or a ValueError)


def record_bytes(originator_id: UUID | str, version: int, topic: str, state: bytes) -> bytes:
    """Scheme 1: the exact stored event record, length-prefixed so no two records share an encoding."""
    t = topic.encode("utf-8")
    return uuid_bytes(originator_id) + struct.pack(">QI", version, len(t)) + t + bytes(state)


def state_digest(salt: bytes, state: bytes) -> bytes:
    """SHA-256 over the salt and the stored state bytes (encrypted and compressed when a cipher is set)."""
    return hashlib.sha256(bytes(salt) + bytes(state)).digest()


def header_record(notification_id: int, originator_id: UUID | str, version: int, topic: str,
                  digest: bytes) -> bytes:
    """Scheme 2: 16 zero bytes, the notification id (8 bytes), the aggregate id (16), the version (8), the
    topic's length (4) and UTF-8, then the state digest (32); integers big-endian."""
    t = topic.encode("utf-8")
    return (NIL + struct.pack(">Q", notification_id) + uuid_bytes(originator_id) + struct.pack(">QI", version, len(t))
            + t + bytes(digest))


_QI = struct.Struct(">QI")
_Q = struct.Struct(">Q")
_TOPIC_TAILS: dict[str, bytes] = {}  # topic -> its length (4 bytes) and UTF-8, as header_record writes them
_sha256 = hashlib.sha256


def header_leaf(notification_id: int, originator_id: UUID | str, version: int, topic: str, state: bytes,
                salt: bytes) -> bytes:
    """`leaf_hash(header_record(..., state_digest(salt, state)))` in one step, for the audit's replay of a
    million rows: the same bytes hashed (tests hold the two equal), the topic's encoding made once per topic and
    the aggregate id read from SQLite's hex text without a UUID."""
    tail = _TOPIC_TAILS.get(topic)
    if tail is None:
        t = str(topic).encode("utf-8")
        tail = struct.pack(">I", len(t)) + t
        if len(_TOPIC_TAILS) < 10_000 and type(topic) is str:
            _TOPIC_TAILS[topic] = tail
    if type(originator_id) is str and len(originator_id) == 32:
        aggregate = bytes.fromhex(originator_id)
    else:
        aggregate = uuid_bytes(originator_id)
    digest = _sha256(bytes(salt) + bytes(state)).digest()
    return _sha256(b"\x00" + NIL + _Q.pack(notification_id) + aggregate + _Q.pack(version) + tail + digest).digest()


class NewLeaf(NamedTuple):
    hash: bytes
    salt: bytes
    record: bytes  # the public scheme-2 record the hash is over


def new_leaf(notification_id: int, originator_id: UUID | str, version: int, topic: str, state: bytes) -> NewLeaf:
    """A scheme-2 leaf for a stored event, with a fresh random salt."""
    salt = os.urandom(SALT_BYTES)
    record = header_record(notification_id, originator_id, version, topic, state_digest(salt, state))
    return NewLeaf(leaf_hash(record), salt, record)


def parse_header(record: bytes) -> dict[str, Any]:
    """A scheme-2 record's fields, as a verdict shows them (ValueError for anything else)."""
    if len(record) < 68 or record[:16] != NIL:
        raise ValueError("not a scheme-2 leaf record")
    nid, = struct.unpack(">Q", record[16:24])
    aggregate = UUID(bytes=record[24:40])
    version, length = struct.unpack(">QI", record[40:52])
    if len(record) != 52 + length + 32:
        raise ValueError("a scheme-2 leaf record of the wrong length")
    return {"scheme": SCHEME_HEADER, "notification_id": nid, "aggregate_id": str(aggregate), "version": version,
            "topic": record[52:52 + length].decode("utf-8"), "state_digest": record[52 + length:].hex()}


def leaf_fields(record: bytes | None) -> dict[str, Any]:
    """What a verdict's `log.leaf` shows: a scheme-2 leaf's header and state digest, from which the client
    recomputes the leaf; a scheme-1 leaf is only named (its record holds the stored state: never shown)."""
    if record is None:
        return {"scheme": SCHEME_RECORD}
    return parse_header(record)
