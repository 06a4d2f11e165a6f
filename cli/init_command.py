"""`certledger init`: the data directory, the store and the shipped catalog."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cli import output
from cli.output import emit
from cli.wiring import open_ledger, settings

init_app = typer.Typer()


@init_app.command()
def init(
    office: Annotated[str, typer.Option("--office", help="This office's 4-digit authority code, e.g. 1501.")],
    operator: Annotated[str, typer.Option("--operator", help="Default operator name.")],
    store: Annotated[str, typer.Option(help="sqlite (default) or postgres.")] = "sqlite",
) -> None:
    """Create the data directory and the store, remember the office, load the shipped catalog."""
    from ledger.application import Actor
    from ledger.errors import InvalidInput

    who = Actor(operator, office)
    if store not in ("sqlite", "postgres"):
        raise InvalidInput("store", "sqlite or postgres")
    s = settings()
    from config.datadir import make_private_dir

    for line in make_private_dir(s.home):  # 0700: it will hold ID numbers and attachments
        print(f"warning: {line}", file=sys.stderr)
    saved = {"office": office, "operator": operator, "store": store}
    s.config_file.write_text(json.dumps(saved, ensure_ascii=False, indent=2) + "\n", "utf-8")
    output.reset_settings()
    ledger = open_ledger(create=True)
    loaded = ledger.ensure_default_catalog(who)
    emit({"home": str(s.home.resolve()), "office": office, "store": store, "catalog_loaded": loaded},
         f"initialised {s.home} for office {office} ({store})"
         + (f"; catalog {loaded} loaded" if loaded else "; catalog already loaded"))
