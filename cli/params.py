"""Arguments and options several nouns' commands share."""

from __future__ import annotations

from typing import Annotated

import typer

Number = Annotated[str, typer.Argument(help="Certificate number (16 digits or 管理号) or proof number.")]
RequestOpt = Annotated[str | None, typer.Option("--request", help="Service request this completes (SQ-…).")]
ExpectOpt = Annotated[int | None, typer.Option("--expect-edition", help="Refuse (conflict) unless this edition is "
                                               "still the current one: two clerks cannot both replace it.")]
