"""`certledger keys rewrap`: seal existing key files with scrypt (keys.sealed), in place, atomically."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cli.output import emit, json_mode
from cli.wiring import key_store, passphrase, settings


def keys_rewrap(
    names: Annotated[list[str] | None, typer.Argument(help="Key files of the key directory (default: every "
                                                           "*.key.pem, the root's first).")] = None,
    new_passphrase: Annotated[bool, typer.Option("--new-passphrase", help="Seal the one file named under a new "
                                                 "passphrase (env CERTLEDGER_NEW_PASSPHRASE, else asked twice).")]
    = False,
) -> None:
    """Re-encrypt key files (root, office keys, any other *.key.pem) with scrypt and AES-256-GCM.

    Each file's passphrase comes from the environment (root: CERTLEDGER_ROOT_PASSPHRASE, an office key:
    CERTLEDGER_KEY_PASSPHRASE, another file: CERTLEDGER_REWRAP_PASSPHRASE) or is asked for. A wrong
    passphrase leaves the file untouched; the others are still re-wrapped."""
    from keys.errors import KeyNotFound
    from keys.rewrap import key_files, rewrap
    from ledger.errors import InvalidInput

    store = key_store()
    chosen = list(names or key_files(store))
    if not chosen:
        raise KeyNotFound(f"no key files in {store.directory}")
    if new_passphrase and len(chosen) != 1:
        raise InvalidInput("--new-passphrase", "name exactly one key file: each key keeps a passphrase of its own")
    fresh = new_passphrase_value() if new_passphrase else None
    done = []
    for name in chosen:
        result = rewrap(store, name, _passphrase_for(name), fresh)
        done.append(result.to_dict())
        if not json_mode():
            emit(None, f"{name}: {result.was} -> {result.now}" + (" (new passphrase)" if result.new_passphrase else "")
                 if result.changed else f"{name}: already {result.now}; unchanged")
    emit(done, f"{sum(d['changed'] is True for d in done)} of {len(done)} key file(s) re-wrapped in "
               f"{store.directory}")


def _passphrase_for(name: str) -> str:
    import re

    if name == "root.key.pem":
        return passphrase("root")
    if re.fullmatch(r"[0-9a-f]{16}\.key\.pem", name):
        return passphrase("key")
    if re.fullmatch(r"publisher-[0-9a-f]{16}\.key\.pem", name):
        return passphrase("publisher")
    if name == "log.key.pem" and settings().log_key_passphrase is not None:
        return settings().log_key_passphrase.get_secret_value()  # type: ignore[union-attr]
    secret = settings().rewrap_passphrase
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value()
    return _ask(f"passphrase of {name}", "CERTLEDGER_REWRAP_PASSPHRASE", confirm=False)


def new_passphrase_value() -> str:
    """The new passphrase: CERTLEDGER_NEW_PASSPHRASE, else asked twice at a terminal."""
    secret = settings().new_passphrase
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value()
    return _ask("new passphrase", "CERTLEDGER_NEW_PASSPHRASE", confirm=True)


def _ask(prompt: str, variable: str, *, confirm: bool) -> str:
    from ledger.errors import InvalidInput

    if not sys.stdin.isatty():
        raise InvalidInput(variable, f"required: the {prompt} (set it, or run at a terminal to be asked)")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm))
