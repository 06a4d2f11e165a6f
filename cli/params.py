"""Arguments and options several nouns' commands share."""

from __future__ import annotations

from typing import Annotated

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
