"""Errors of the transparency-log formats: one root, and "malformed" kept apart from "does not verify".

`TlogMalformed` means the bytes are not what the format allows (named by field and rule); it says
nothing about who signed them. `TlogUnverified` means they are well formed but the signatures,
the proofs or the history do not hold. Entry points translate both like other `KeysError`s.
"""

from __future__ import annotations

from keys.errors import KeysError


class TlogError(KeysError):
    """Root of every error of keys.tlog."""

    code = "tlog_error"


class TlogMalformed(TlogError):
    """Not well formed: a note, a checkpoint body, a key string, a proof, a history or state file."""

    code = "tlog_malformed"

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule

    def to_dict(self) -> dict[str, str]:
        return {**super().to_dict(), "field": self.field, "rule": self.rule}


class TlogUnverified(TlogError):
    """Well formed, but it does not verify; see the subclasses."""

    code = "tlog_unverified"


class SignatureInvalid(TlogUnverified):
    """No signature by a known key, or a signature by a known key that fails."""

    code = "signature_invalid"


class CheckpointInconsistent(TlogUnverified):
    """Two checkpoints of one log that no consistency proof joins: someone rewrote history (or the proof is wrong)."""

    code = "checkpoint_inconsistent"


class CheckpointRollback(TlogUnverified):
    """A checkpoint of a smaller tree than one already seen: a log does not shrink."""

    code = "checkpoint_rollback"


class WitnessConflict(TlogUnverified):
    """The request's old size is not the size the witness last cosigned (c2sp.org/tlog-witness: 409)."""

    code = "witness_conflict"

    def __init__(self, message: str, latest_size: int) -> None:
        super().__init__(message)
        self.latest_size = latest_size


class OriginMismatch(TlogUnverified):
    """A checkpoint of another log than the one expected."""

    code = "origin_mismatch"


def located(where: str, error: TlogError) -> TlogError:
    """The same kind of error, its message prefixed with where it was found (a file, a line)."""
    if isinstance(error, TlogMalformed):
        return TlogMalformed(f"{where}: {error.field}", error.rule)
    return type(error)(f"{where}: {error.message}")
