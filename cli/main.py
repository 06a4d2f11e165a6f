"""The `certledger` command: one small root that registers each noun's commands.

Every command runs inside the one error boundary (cli.boundary.GuardedGroup is the root's
class), which turns errors into one line on stderr and a documented exit code. Wiring is in
cli.wiring, output in cli.output, the path from a draft to a signed file in cli.sign_and_record.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.audit_commands import audit_app
from cli.batch_commands import batch_app
from cli.boundary import GuardedGroup
from cli.catalog_commands import catalog_app
from cli.handover_commands import handover_app
from cli.init_command import init_app
from cli.issuance_commands import issuance_app
from cli.keys_commands import keys_app
from cli.operator_commands import operator_app
from cli.output import configure
from cli.pickup_commands import authority_app, pickup_app
from cli.proof_commands import proof_app
from cli.query_commands import query_app
from cli.repair_command import audit_repair
from cli.request_commands import request_app
from cli.rewrap_command import keys_rewrap
from cli.serve_command import serve, verifications
from cli.witness_commands import witness_app

app = typer.Typer(name="certledger", cls=GuardedGroup, no_args_is_help=True, add_completion=False,
                  help="Event-sourced ledger of vocational qualification certificates, proofs and handovers.")

service_app = typer.Typer()
service_app.command()(serve)
service_app.command()(verifications)

# Commands of the root itself, by noun (a Typer added without a name lends its commands to the root) ...
for commands in (init_app, issuance_app, proof_app, query_app):
    app.add_typer(commands)
# ... the nouns with commands of their own ...
app.add_typer(handover_app, name="handover")
app.add_typer(request_app, name="request")
app.add_typer(catalog_app, name="catalog")
app.add_typer(authority_app, name="authority")
app.add_typer(pickup_app, name="pickup")
keys_app.command("rewrap")(keys_rewrap)
app.add_typer(keys_app, name="keys")
audit_app.command("repair")(audit_repair)
app.add_typer(operator_app, name="operator")
app.add_typer(audit_app, name="audit")
app.add_typer(batch_app, name="batch")
app.add_typer(witness_app, name="witness")
# ... and the verification service.
app.add_typer(service_app)


@app.callback()
def main(
    json_output: Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")] = False,
    home: Annotated[Path | None, typer.Option("--home", help="Data directory [env CERTLEDGER_HOME].")] = None,
    office: Annotated[str | None, typer.Option("--office", help="Acting office code [env CERTLEDGER_OFFICE].")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="Acting operator [env CERTLEDGER_OPERATOR].")]
    = None,
) -> None:
    configure(json_output=json_output, home=home, office=office, operator=operator)


def run() -> None:
    import warnings

    from config.datadir import private_umask

    private_umask()  # the ledger's files, attachments and outputs: the owner's alone

    # A warning meant for the operator (an old key file, say) is one line, not Python's file:line form.
    warnings.showwarning = lambda message, *_a, **_k: print(f"warning: {message}", file=sys.stderr)
    app()
