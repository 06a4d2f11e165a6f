"""The command's one error boundary as a context manager, without typer: `certledger show`, `where` and `history`
run inside it without building the command tree (cli.quick); every other command runs inside it through the root
group (cli.boundary.GuardedGroup).

Errors meant for the user become one line on stderr (with --json also a JSON object on stdout) and the documented
exit code (cli.output.EXIT_*); click's own usage errors, --help and typer.Exit pass through untouched. The error
classes of keys, signing and the store are imported only when an error is being translated: a command that
succeeds never loads them for this.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from cli import output


@contextmanager
def guard() -> Iterator[None]:
    """One translation layer: ledger, keys, signing, store and file errors -> one line and an exit code."""
    try:
        yield
    except KeyboardInterrupt:
        _fail({"error": "interrupted"}, "interrupted; nothing was written by the unfinished command", 130)
    except Exception as e:
        if _passes_through(e):
            raise  # usage errors (exit 2), --help, typer.Exit: click reports them itself
        _translate(e)


def _passes_through(error: Exception) -> bool:
    """typer's (click's) own exceptions: only possible once typer is imported."""
    if "typer" not in sys.modules:
        return False
    from typer import Abort, Exit
    from typer.exceptions import TyperException

    return isinstance(error, (TyperException, Exit, Abort))


def _translate(e: Exception) -> NoReturn:
    from ledger.errors import ImportRejected, LedgerError

    if isinstance(e, ImportRejected):
        detail = [f"row {r}: {f}: {m}" for r, f, m in e.problems]
        _fail(e.to_dict(), f"{e.source}: {len(e.problems)} problem(s); nothing was imported",
              output.EXIT_IMPORT_REJECTED, detail if not output.json_mode() else ())
    if isinstance(e, LedgerError):
        _fail(e.to_dict(), e.message, _exit_code(e))
    _translate_other(e)


def _translate_other(e: Exception) -> NoReturn:
    from keys.errors import KeysError
    from keys.tlog.errors import TlogUnverified
    from signing.errors import SigningError

    if isinstance(e, TlogUnverified):  # a checkpoint that does not extend the one before, a signature that fails
        _fail({"error": "log", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_DIVERGENCE)
    if isinstance(e, KeysError):
        _fail({"error": "keys", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_KEYS)
    if isinstance(e, SigningError):
        _fail({"error": "document", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_INVALID)
    if "eventsourcing.persistence" in sys.modules:
        from eventsourcing.persistence import PersistenceError

        if isinstance(e, PersistenceError):
            _fail({"error": "store_unavailable", "message": str(e)},
                  f"the event store is unavailable ({type(e).__name__}: {e}); is the database reachable, "
                  "and was `certledger init` run for it?", output.EXIT_STORE)
    if isinstance(e, OSError):
        if not e.filename:  # no path of the user's (a socket, say): not theirs to mend
            _internal(e)
        # A path the user named that cannot be read or written.
        _fail({"error": "file", "file": str(e.filename), "message": e.strerror or str(e)},
              f"cannot use {e.filename}: {e.strerror or e}", output.EXIT_INVALID)
    _internal(e)  # the last line of defence: one line, not a traceback


def _exit_code(error: Exception) -> int:
    from ledger import errors

    table = [(errors.InvalidInput, output.EXIT_INVALID), (errors.RuleViolation, output.EXIT_REFUSED),
             (errors.NotFound, output.EXIT_NOT_FOUND), (errors.AlreadyExists, output.EXIT_EXISTS),
             (errors.Conflict, output.EXIT_CONFLICT), (errors.ImportRejected, output.EXIT_IMPORT_REJECTED),
             (errors.AttachmentError, output.EXIT_ATTACHMENT)]
    return next((code for kind, code in table if isinstance(error, kind)), output.EXIT_INTERNAL)


def _fail(payload: dict[str, Any], line: str, code: int, detail: Sequence[str] = ()) -> NoReturn:
    if output.json_mode():
        print(json.dumps(payload, ensure_ascii=False))
    print(f"error: {line}", file=sys.stderr)
    for extra in detail:
        print(f"  {extra}", file=sys.stderr)
    raise SystemExit(code)


def _internal(e: Exception) -> NoReturn:
    """An error nobody meant to raise: one line, unless CERTLEDGER_DEBUG asks for the traceback."""
    if os.environ.get("CERTLEDGER_DEBUG"):
        raise e
    _fail({"error": "internal", "message": f"{type(e).__name__}: {e}"},
          f"internal error ({type(e).__name__}: {e}); rerun with CERTLEDGER_DEBUG=1 for details",
          output.EXIT_INTERNAL)
