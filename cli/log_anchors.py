"""The command's side of checkpoints anchored outside the database: the log key, the checkpoint history file,
and the anchors `audit verify` checks the store against (the history's entries, checkpoint files given).

The ledger only takes callables (sign a tree head, verify a note) and anchors (size, root, where from);
the key files, the history file and the notes' format are here and in keys.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cli.wiring import key_store, settings

if TYPE_CHECKING:
    from keys.tlog import CheckpointHistory, HistoryEntry, NoteSigner, NoteVerifier
    from ledger.application import CertLedger
    from ledger.audit import Anchor
    from ledger.translog import Checkpoint


def secret(value: object, variable: str, what: str) -> str:
    """A passphrase from the settings (environment), else asked for at a terminal."""
    from ledger.errors import InvalidInput

    got = getattr(value, "get_secret_value", lambda: None)()
    if got:
        return str(got)
    if not sys.stdin.isatty():
        raise InvalidInput(variable, f"required: the {what} passphrase (set it, or run at a terminal to be asked)")
    import typer

    return str(typer.prompt(f"{what} passphrase", hide_input=True))


def default_origin() -> str:
    """The log's name: the verification service's host and /log (a key name: no spaces, no '+')."""
    s = settings()
    return s.log_origin or f"{urlsplit(s.verify_base_url).hostname or 'certledger'}/log"


def init_log_key(origin: str | None = None) -> NoteVerifier:
    from keys.notekeys import init_log_key as create

    s = settings()
    return create(key_store(), origin or default_origin(),
                  secret(s.log_key_passphrase, "CERTLEDGER_LOG_KEY_PASSPHRASE", "log key"))


def log_signer(ledger: CertLedger) -> NoteSigner:
    """The log key, decrypted; made on the first checkpoint of a log that has never signed a note."""
    from keys.errors import KeyNotFound
    from keys.notekeys import has_log_key, load_log_signer

    s, store = settings(), key_store()
    if not has_log_key(store):
        signed_before = any(not cp.legacy for cp in ledger._translog().checkpoints())
        if signed_before or s.checkpoint_history_path.exists():
            raise KeyNotFound(f"no log key in {store.directory}, but this log has signed checkpoints before: restore "
                              "log.key.pem and log.vkey (a new key would not verify the history)")
        init_log_key()
    return load_log_signer(store, secret(s.log_key_passphrase, "CERTLEDGER_LOG_KEY_PASSPHRASE", "log key"))


def log_verifier(vkey: str | None = None) -> NoteVerifier:
    """The log's public key: the one given (`--log-key`, as an auditor pins it), else the key store's."""
    from keys.notekeys import log_verifier as stored
    from keys.tlog import NoteVerifier

    return NoteVerifier.from_verifier_key(vkey) if vkey else stored(key_store())


def history(verifier: NoteVerifier, *, for_writing: bool = False) -> CheckpointHistory:
    """The checkpoint history file (its directory made 0700 when it is to be written)."""
    from keys.tlog import CheckpointHistory

    path = settings().checkpoint_history_path
    if for_writing:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return CheckpointHistory(path, verifier)


def record_in_history(ledger: CertLedger, checkpoint: Checkpoint, verifier: NoteVerifier) -> HistoryEntry:
    """Append the checkpoint's note to the history, checked by a consistency proof from the last entry.

    A store rewritten since the last entry gives a proof that does not hold: CheckpointInconsistent."""
    from keys.tlog import TlogUnverified
    from keys.tlog.errors import located
    from ledger.errors import RuleViolation

    if checkpoint.note is None:
        raise RuleViolation("legacy-checkpoint", "a legacy checkpoint has no note for the history")
    log, kept = ledger._translog(), history(verifier, for_writing=True)
    try:
        return kept.append(checkpoint.note, log.consistency_proof)
    except TlogUnverified as e:
        raise located(f"the checkpoint history {kept.path} refuses the checkpoint of {checkpoint.size} events",
                      e) from None


def anchors(verifier: NoteVerifier, files: Sequence[Path]) -> tuple[list[Anchor], int]:
    """The tree heads kept outside the database: every history entry (which the store must still hold) and
    every checkpoint file given; and how many lines the history has."""
    from keys.tlog import TlogError, open_checkpoint
    from keys.tlog.errors import located
    from ledger.audit import Anchor

    entries = history(verifier).read()
    heads: dict[tuple[int, bytes], int] = {}  # a tree head once, at its first line (later lines add cosignatures)
    for e in entries:
        heads.setdefault((e.checkpoint.size, e.checkpoint.root), e.line)
    found = [Anchor(size, root, f"checkpoint history line {line}", stored=True) for (size, root), line in heads.items()]
    for path in files:
        try:
            cp = open_checkpoint(path.read_bytes(), verifier)
        except TlogError as e:
            raise located(f"checkpoint file {path}", e) from None
        found.append(Anchor(cp.size, cp.root, f"the checkpoint in {path}"))
    return found, len(entries)
