"""The command's one error boundary: every command of every sub-app runs inside it.

`GuardedGroup` is the root group's class, so a command added anywhere under `certledger` cannot
run outside it. Errors meant for the user become one line on stderr (with --json also a JSON
object on stdout) and the documented exit code (cli.output.EXIT_*); click's own usage errors,
--help and typer.Exit pass through untouched.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from typer import Abort, Exit
from typer._click import Context  # typer vendors click: its groups take its own Context
from typer.core import TyperGroup
from typer.exceptions import TyperException

from cli import output


class GuardedGroup(TyperGroup):
    """The root `certledger` group: parsing, the callback and the chosen command all run in `guard()`."""

    def invoke(self, ctx: Context) -> Any:
        with guard():
            return super().invoke(ctx)


@contextmanager
def guard() -> Iterator[None]:
    """One translation layer: ledger, keys, signing, store and file errors -> one line and an exit code."""
    from eventsourcing.persistence import PersistenceError

    from keys.errors import KeysError
    from keys.tlog.errors import TlogUnverified
    from ledger.errors import ImportRejected, LedgerError
    from signing.errors import SigningError

    try:
        yield
    except (TyperException, Exit, Abort):
        raise  # usage errors (exit 2), --help, typer.Exit: click reports them itself
    except ImportRejected as e:
        detail = [f"row {r}: {f}: {m}" for r, f, m in e.problems]
        _fail(e.to_dict(), f"{e.source}: {len(e.problems)} problem(s); nothing was imported",
              output.EXIT_IMPORT_REJECTED, detail if not output.json_mode() else ())
    except LedgerError as e:
        _fail(e.to_dict(), e.message, _exit_code(e))
    except TlogUnverified as e:  # a checkpoint that does not extend the one before, a signature that fails
        _fail({"error": "log", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_DIVERGENCE)
    except KeysError as e:
        _fail({"error": "keys", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_KEYS)
    except SigningError as e:
        _fail({"error": "document", "kind": type(e).__name__, "message": str(e)}, str(e), output.EXIT_INVALID)
    except PersistenceError as e:
        _fail({"error": "store_unavailable", "message": str(e)},
              f"the event store is unavailable ({type(e).__name__}: {e}); is the database reachable, "
              "and was `certledger init` run for it?", output.EXIT_STORE)
    except OSError as e:
        if not e.filename:  # no path of the user's (a socket, say): not theirs to mend
            _internal(e)
        # A path the user named that cannot be read or written.
        _fail({"error": "file", "file": str(e.filename), "message": e.strerror or str(e)},
              f"cannot use {e.filename}: {e.strerror or e}", output.EXIT_INVALID)
    except KeyboardInterrupt:
        _fail({"error": "interrupted"}, "interrupted; nothing was written by the unfinished command", 130)
    except Exception as e:  # the last line of defence: one line, not a traceback
        _internal(e)


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
