"""`certledger catalog …`: the national occupation catalog, as versioned data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.output import emit
from cli.params import json_object_file
from cli.wiring import actor, open_ledger

catalog_app = typer.Typer(no_args_is_help=True, help="The national occupation catalog, as versioned data.")


@catalog_app.command("load")
def catalog_load(file: Annotated[Path, typer.Argument(help='JSON: {"version", "title", "occupations": [...]}')]
                 ) -> None:
    """Load a new catalog version; later decisions record the version they used."""

    content = json_object_file(file, "version, title and occupations")
    version = open_ledger().load_catalog(actor(), content)
    emit({"version": version}, f"catalog version {version} loaded")


@catalog_app.command("show")
def catalog_show() -> None:
    """The current catalog version and its occupations."""
    cat = open_ledger().catalog()
    emit({"version": cat.version, "sha256": cat.sha256, "occupations": sorted(cat.occupations)},
         f"catalog {cat.version}: {', '.join(sorted(cat.occupations))}")
