"""`certledger witness …`: run by another office or an auditor, it cosigns the log's checkpoints (C2SP
tlog-cosignature), each only when a consistency proof shows it extends the last one it cosigned.

Its directory (0700, `--dir`, default <home>/witness) holds its cosigner key (witness.key.pem, encrypted with
CERTLEDGER_WITNESS_PASSPHRASE; witness.vkey), witness.json (its name and the log's verifier key it follows)
and state.json (the last note it cosigned). It never needs the log's database.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.log_anchors import secret
from cli.output import emit
from cli.wiring import settings
from ledger.errors import InvalidInput

witness_app = typer.Typer(no_args_is_help=True, help="A witness: cosign the log's checkpoints that extend the last.")
CONFIG_FILE, STATE_FILE = "witness.json", "state.json"
MAX_ANSWER = 1 << 20  # a checkpoint or a proof is a few kB

DirOption = Annotated[Path | None, typer.Option("--dir", help="The witness's directory (default: <home>/witness).")]


def _directory(given: Path | None) -> Path:
    return given or settings().home / "witness"


def _store(directory: Path) -> Any:
    from keys.store import KeyStore

    return KeyStore(directory)


@witness_app.command("init")
def init(
    name: Annotated[str, typer.Option(help="The witness's name (its cosignature lines carry it), e.g. "
                                           "witness.0700.example.")],
    log_key: Annotated[str, typer.Option("--log-key", help="The log's verifier key it follows (`certledger audit "
                                                           "log-key` on the log's side).")],
    directory: DirOption = None,
) -> None:
    """Make the witness's cosigner key and remember the log it follows; prints the witness's verifier key."""
    from keys.notekeys import init_witness_key
    from keys.tlog import NoteVerifier

    log = NoteVerifier.from_verifier_key(log_key)  # refuses a malformed key before anything is written
    where = _directory(directory)
    store = _store(where)
    verifier = init_witness_key(store, name, secret(settings().witness_passphrase, "CERTLEDGER_WITNESS_PASSPHRASE",
                                                    "witness key"))
    config = {"name": name, "log_key": log.verifier_key()}
    store._write_new(CONFIG_FILE, (json.dumps(config, indent=2) + "\n").encode(), 0o644)
    emit({"vkey": verifier.verifier_key(), "directory": str(where), "log": log.name},
         f"witness {name} in {where}, following {log.name}; its verifier key:\n{verifier.verifier_key()}")


def _config(directory: Path) -> dict[str, str]:
    path = directory / CONFIG_FILE
    try:
        config = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise InvalidInput("dir", f"no witness in {directory}: run certledger witness init") from None
    except ValueError:
        raise InvalidInput("dir", f"{path} is not the JSON `witness init` wrote") from None
    if not isinstance(config, dict) or not all(isinstance(config.get(k), str) for k in ("name", "log_key")):
        raise InvalidInput("dir", f"{path} must hold the witness's name and the log's key")
    return config


def _witness(directory: Path) -> Any:
    from keys.notekeys import load_witness_key
    from keys.tlog import NoteVerifier, Witness

    config = _config(directory)
    cosigner = load_witness_key(_store(directory), secret(settings().witness_passphrase,
                                                          "CERTLEDGER_WITNESS_PASSPHRASE", "witness key"))
    return Witness(cosigner, NoteVerifier.from_verifier_key(config["log_key"]), directory / STATE_FILE)


def _size_of(note: bytes) -> int:
    from keys.tlog import Checkpoint, SignedNote

    return Checkpoint.parse(SignedNote.parse(note).text).size


def _proof_file(path: Path, new_size: int) -> tuple[int, list[bytes]]:
    """(old size, hashes) from the JSON `audit consistency --out` writes (or the service's consistency answer)."""
    try:
        data = json.loads(path.read_text("utf-8"))
        old, new, proof = int(data["old_size"]), int(data["new_size"]), [bytes.fromhex(h) for h in data["proof"]]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("proof", f"{path} is not a consistency proof (`certledger audit consistency OLD NEW "
                                    "--out FILE`)") from None
    if new != new_size:
        raise InvalidInput("proof", f"{path} proves a tree of {new} leaves, the checkpoint has {new_size}")
    return old, proof


def _fetch(url: str) -> bytes:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Accept": "text/plain, application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:  # noqa: S310 (the user's https/http URL)
            return bytes(answer.read(MAX_ANSWER))
    except urllib.error.HTTPError as e:
        raise InvalidInput("from", f"{url}: the service answered {e.code}") from None
    except (urllib.error.URLError, OSError) as e:
        raise InvalidInput("from", f"{url}: cannot reach the service ({e})") from None


def _from_service(base: str, latest: int) -> tuple[bytes, int | None, list[bytes]]:
    """The service's latest checkpoint note and the consistency proof to it from the witness's last size."""
    if not base.startswith(("https://", "http://")):
        raise InvalidInput("from", "an http(s) URL of the verification service")
    base = base.rstrip("/")
    note = _fetch(f"{base}/api/v1/log/checkpoint")
    size = _size_of(note)
    if latest == 0 or latest >= size:
        return note, None, []
    try:
        answer = json.loads(_fetch(f"{base}/api/v1/log/consistency?old={latest}&new={size}"))
        return note, latest, [bytes.fromhex(h) for h in answer["proof"]]
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("from", f"{base}: its consistency answer is not a proof") from None


@witness_app.command("cosign")
def cosign(
    checkpoint: Annotated[Path | None, typer.Argument(help="The log's signed checkpoint (`certledger audit "
                                                           "checkpoint --out FILE`).")] = None,
    proof: Annotated[Path | None, typer.Option(help="The consistency proof from the last size this witness "
                                                    "cosigned (`certledger audit consistency OLD NEW --out FILE`).")]
    = None,
    from_: Annotated[str | None, typer.Option("--from", help="Instead: the verification service's URL; the "
                                                             "checkpoint and the proof are fetched from it.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the cosigned note here.")] = None,
    directory: DirOption = None,
) -> None:
    """Check the log's signature and a consistency proof from the last checkpoint cosigned; refuse a smaller or
    inconsistent tree (exit 13); write the note with this witness's cosignature (cosignature/v1)."""
    witness = _witness(_directory(directory))
    state = witness.state()
    latest = 0 if state is None else state.size
    old: int | None
    if from_ is not None:
        if checkpoint is not None or proof is not None:
            raise InvalidInput("from", "give the service's URL, or a checkpoint file (and a proof), not both")
        note, old, hashes = _from_service(from_, latest)
    elif checkpoint is None:
        raise InvalidInput("checkpoint", "required: a checkpoint file, or --from URL")
    else:
        note = checkpoint.read_bytes()
        size = _size_of(note)
        if proof is not None:
            old, hashes = _proof_file(proof, size)
        elif latest in (0, size) or size < latest:  # a first one, the same again, or a rollback it refuses
            old, hashes = None, []
        else:
            raise InvalidInput("proof", f"required: this witness last cosigned {latest} leaves; give the proof "
                                        f"from {latest} to {size} (`certledger audit consistency {latest} {size} "
                                        "--out FILE` on the log's side)")
    cosigned = witness.cosign(note, hashes, datetime.now(UTC), old_size=old)
    line = cosigned.signatures[-1].line()
    if out is not None:
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_bytes(cosigned.encode())
        tmp.replace(out)
    emit({"cosignature": line.rstrip("\n"), "size": _size_of(cosigned.encode()), "previous_size": latest,
          "note": cosigned.encode().decode()},
         f"cosigned the tree of {_size_of(cosigned.encode())} leaves (after {latest}): {line.rstrip()}"
         + (f" -> {out}" if out else ""))


@witness_app.command("key")
def key(directory: DirOption = None) -> None:
    """Print the witness's verifier key (type 0x04), as the log's operator and verifiers pin it."""
    from keys.notekeys import witness_verifier

    vkey = witness_verifier(_store(_directory(directory))).verifier_key()
    emit({"vkey": vkey}, vkey)
