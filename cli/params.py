"""Arguments and options several nouns' commands share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

Number = Annotated[str, typer.Argument(help="Certificate number (16 digits or 管理号) or proof number.")]
RequestOpt = Annotated[str | None, typer.Option("--request", help="Service request this completes (SQ-…).")]
ExpectOpt = Annotated[int | None, typer.Option("--expect-edition", help="Refuse (conflict) unless this edition is "
                                               "still the current one: two clerks cannot both replace it.")]


def field_changes(items: list[str]) -> dict[str, str]:
    """`--set field=value` options as a mapping (a correction's new values)."""
    from ledger.errors import InvalidInput

    changes: dict[str, str] = {}
    for item in items:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise InvalidInput("--set", f"expected field=value, got {item!r}")
        changes[field.strip()] = value
    return changes


def json_object_file(file: Path, shape: str) -> dict[str, Any]:
    """A JSON object read from `file` (a catalog, an authority table); `shape` names what it must hold."""
    from ledger.errors import InvalidInput

    try:
        content = json.loads(file.read_text("utf-8"))
    except OSError as e:
        raise InvalidInput("file", f"cannot read {file}: {e.strerror}") from None
    except ValueError as e:
        raise InvalidInput("file", f"not JSON: {e}") from None
    if not isinstance(content, dict):
        raise InvalidInput("file", f"a JSON object with {shape}")
    return content
