"""The commands a refusal names as its remedy, written so that a clerk can type them as they are."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping

_SHELL_SPECIAL = re.compile(r"[\s'\"\\$`!*?;&|<>()\[\]{}#~]")


def shell_word(text: str) -> str:
    """`text` as one word of a command: quoted only when a shell would split or expand it."""
    return shlex.quote(text) if not text or _SHELL_SPECIAL.search(text) else text


def _sets(corrections: Mapping[str, str] | None) -> str:
    return "".join(f" --set {shell_word(f'{k}={v}')}" for k, v in (corrections or {}).items())


def written_proof_command(number: str, reason: str, corrections: Mapping[str, str] | None = None) -> str:
    """The written proof that replaces a reissue, exchange or correction (seed 001: 补证明)."""
    return (f"record a written proof (书面证明): certledger prove {number} --kind written "
            f"--reason {reason}{_sets(corrections)}")


def replacement_command(number: str, reason: str, corrections: Mapping[str, str] | None = None) -> str:
    """The reissue, exchange or correction of an occupation still in the catalog, for a proof refused."""
    if reason == "correction":
        return f"certledger correct {number}{_sets(corrections) or ' --set FIELD=VALUE'}"
    return f"certledger {'exchange' if reason == 'overseas' else 'reissue'} {number}"
