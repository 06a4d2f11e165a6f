"""Transparency-log formats an outside party can check: C2SP signed notes, checkpoints, cosignatures.

`note` (signed notes and Ed25519 note keys), `checkpoint` (tlog-checkpoint bodies), `cosignature`
(cosignature/v1), `proofs` (RFC 6962 proof checks), `history` (the append-only checkpoint file
kept outside the database) and `witness` (cosigning what extends what it cosigned before).
Nothing here reads configuration or the ledger's application; it hashes with ledger.merkle.
"""

from keys.tlog.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from keys.tlog.cosignature import Cosignature, CosignatureVerifier, Cosigner, require_cosignatures, verify_cosignature
from keys.tlog.errors import (
    CheckpointInconsistent,
    CheckpointRollback,
    OriginMismatch,
    SignatureInvalid,
    TlogError,
    TlogMalformed,
    TlogUnverified,
    WitnessConflict,
)
from keys.tlog.history import CheckpointHistory, HistoryEntry
from keys.tlog.note import NoteSigner, NoteVerifier, Signature, SignedNote, VerifiedNote, open_note
from keys.tlog.proofs import check_extends, check_log_holds, verify_consistency, verify_inclusion
from keys.tlog.witness import AddCheckpoint, Witness, WitnessState

__all__ = [
    "AddCheckpoint", "Checkpoint", "CheckpointHistory", "CheckpointInconsistent", "CheckpointRollback",
    "Cosignature", "CosignatureVerifier", "Cosigner", "HistoryEntry", "NoteSigner", "NoteVerifier",
    "OriginMismatch", "Signature", "SignatureInvalid", "SignedCheckpoint", "SignedNote", "TlogError",
    "TlogMalformed", "TlogUnverified", "VerifiedNote", "Witness", "WitnessConflict", "WitnessState",
    "check_extends", "check_log_holds", "open_checkpoint", "open_note", "require_cosignatures",
    "verify_consistency", "verify_cosignature", "verify_inclusion",
]
