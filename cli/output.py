"""Output of every command, and the exit codes the error boundary (cli.boundary) uses.

Human output goes through rich; `--json` prints one JSON document on stdout. Errors are
one line on stderr (with --json also a JSON object on stdout) and a documented exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

    from cli.settings import Settings
    from ledger.pickups import OverdueList
    from ledger.views import CertificateView, EventView, ProofView, RequestView, WhereView

# Exit codes, documented in the README.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2  # typer's own for bad options
EXIT_INVALID = 3
EXIT_REFUSED = 4
EXIT_NOT_FOUND = 5
EXIT_EXISTS = 6
EXIT_CONFLICT = 7
EXIT_IMPORT_REJECTED = 8
EXIT_STORE = 9
EXIT_ATTACHMENT = 10
EXIT_KEYS = 11  # wrong passphrase, unsafe or missing key file, invalid trust list
EXIT_NOT_VALID = 12  # verify-pdf: the document failed a check
EXIT_DIVERGENCE = 13  # audit verify: history diverges; a checkpoint that does not extend the one before

_state: dict[str, Any] = {"json": False, "overrides": {}, "settings": None}


def configure(*, json_output: bool, home: Path | None, office: str | None, operator: str | None) -> None:
    _state["json"] = json_output
    _state["overrides"] = {k: v for k, v in {"home": home, "office": office, "operator": operator}.items() if v}
    _state["settings"] = None


def settings() -> Settings:
    if _state["settings"] is None:
        from cli.settings import Settings

        _state["settings"] = Settings(**_state["overrides"]).with_file()
    return _state["settings"]  # type: ignore[no-any-return]


def plain_settings() -> None:
    """The quick commands' settings: the store's read without pydantic where every value is plain
    (cli.settings_light); the full Settings otherwise, and for every other attribute."""
    from cli.settings_light import LightSettings, NotPlain

    try:
        _state["settings"] = LightSettings(_state["overrides"])
    except NotPlain:
        _state["settings"] = None


def reset_settings() -> None:
    _state["settings"] = None


def json_mode() -> bool:
    return bool(_state["json"])


def _console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def emit(payload: Any, text: str) -> None:
    if json_mode():
        print(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        _console().print(text, markup=False)


def _pairs(title: str, rows: Sequence[tuple[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        if value not in (None, "", [], ()):
            table.add_row(key, str(value))
    _console().print(table)


def _data_rows(d: dict[str, Any]) -> list[tuple[str, Any]]:
    scores = " / ".join(str(d[k]) if d[k] is not None else "-" for k in ("theory_score", "practical_score",
                                                                          "review_score"))
    return [
        ("姓名 name", d["holder_name"]), ("性别 gender", d["gender"]),
        ("证件 ID", f"{d['id_number']} ({d['id_type']})"),
        ("职业 occupation" if d["family"] == "skill" else "资格 qualification", d["occupation"]),
        ("等级 level", d["level"]), ("专业 specialty", d["specialty"]),
        ("成绩 scores (理论/操作/综合)", scores if d["family"] == "skill" else ""),
        ("评定 result", d["result"]),
        ("发证日期 issued" if d["family"] == "skill" else "批准日期 approved", d["issue_date"]),
        ("style", d["style"]), ("electronic", "yes" if d["electronic"] else ""),
    ]


def _status(d: dict[str, Any], superseded_by: str) -> str:
    text = d["status"]
    if d["superseded"]:
        text += f" (superseded by {superseded_by})"
    if d["revoked"]:
        text += f" (revoked: {d['revoked']['reason']})"
    return text


def _authority(d: dict[str, Any]) -> str:
    a = d["authority"]
    # the phone and office hours where a seed gives them (none for 山东省人事考试中心): no empty brackets
    shown = "; ".join(str(a[k]) for k in ("phone", "hours") if a.get(k))
    return f"{a['code']} {a['office']}" + (f" ({shown})" if shown else "")


def _certificate_rows(d: dict[str, Any]) -> list[tuple[str, Any]]:
    by = f"edition {d['superseded']['by_edition']}, {d['superseded']['reason']}" if d["superseded"] else ""
    return [
        ("证书编号 number", d["number"]), ("edition", f"{d['edition']} of {d['editions']}"),
        ("status", _status(d, by)), *_data_rows(d["data"]), ("发证机构 authority", _authority(d)),
        ("备注 remarks", "；".join(d["remarks"])),
        ("corrections", "; ".join(f"{c['field']}: {c['old']} -> {c['new']}" for c in d["corrections"])),
        ("catalog", d["catalog_version"]),
        ("proofs", ", ".join(f"{p['number']} ({p['kind']})" for p in d["proofs"])),
        ("handovers", d["handover_count"]), ("recorded", f"{d['issued_at']} by {d['issued_by']}"),
    ]


def _proof_rows(d: dict[str, Any]) -> list[tuple[str, Any]]:
    by = d["superseded"]["by_number"] if d["superseded"] else ""
    return [
        ("证明编号 number", d["number"]), ("kind", d["proof_kind"]), ("reason", d["reason"]),
        ("status", _status(d, by)), ("certificate", f"{d['certificate_number']} edition {d['certificate_edition']}"),
        *_data_rows(d["data"]), ("发证机构 authority", _authority(d)),
        ("catalog", d["catalog_version"]), ("request", d["request_number"]),
        ("handovers", d["handover_count"]), ("recorded", f"{d['issued_at']} by {d['issued_by']}"),
    ]


def document(view: CertificateView | ProofView, headline: str | None = None, reveal: bool = False) -> None:
    """A certificate edition or a proof: JSON, or a headline and a card."""
    d = view.to_dict(reveal=reveal)
    if json_mode():
        print(json.dumps(d, ensure_ascii=False))
        return
    if headline:
        _console().print(headline, markup=False)
    rows = _certificate_rows(d) if d["kind"] == "certificate" else _proof_rows(d)
    _pairs(f"{d['kind']} {d['number']}", rows)


def history(events: Sequence[EventView]) -> None:
    if json_mode():
        print(json.dumps([e.to_dict() for e in events], ensure_ascii=False))
        return
    console = _console()
    for e in events:
        console.print(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.document:<24} {e.type:<26} {e.operator} @ {e.office}  {e.summary}",
                      markup=False)


def where_list(views: Sequence[WhereView]) -> None:
    if json_mode():
        out = [v.to_dict() for v in views]
        print(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False))
        return
    console = _console()
    for v in views:
        console.print(f"{v.document} [{v.status}]: {v.custody}: {v.location} (since {v.since:%Y-%m-%d %H:%M})",
                      markup=False)
        for step in v.trail:
            console.print(f"  {step.at:%Y-%m-%d %H:%M}  {step.what}", markup=False)
            for e in step.evidence:
                console.print(f"      evidence {e.kind} {e.name} sha256:{e.sha256[:16]}… {e.state}", markup=False)
        if not v.evidence_ok:
            console.print("  WARNING: an evidence file is missing or changed", markup=False)


def requests(views: Sequence[RequestView], empty: str = "no requests") -> None:
    if json_mode():
        print(json.dumps([v.to_dict() for v in views], ensure_ascii=False))
        return
    if not views:
        _console().print(empty, markup=False)
        return
    from rich.table import Table

    table = Table("request", "kind", "certificate", "stage", "due", "promised", "legal limit", "applicant",
                  box=None)
    for v in views:
        due = "" if v.due is None else v.due.isoformat() + (" (provisional)" if v.provisional_due else "")
        promised = "" if v.promised is None else v.promised.isoformat()
        legal = "" if v.legal_limit is None else v.legal_limit.isoformat() + (" PAST" if v.past_legal_limit else "")
        table.add_row(v.number, v.kind, v.certificate_number, v.stage + (" OVERDUE" if v.overdue else ""), due,
                      promised, legal, v.applicant)
    _console().print(table)


def overdue(late: OverdueList) -> None:
    """Requests, then uncollected certificates of pickup notices: one list (JSON: a list of entries with kind)."""
    if json_mode():
        print(json.dumps(late.to_list(), ensure_ascii=False))
        return
    if late.requests or not late.uncollected:
        requests(late.requests, empty="no overdue requests")
    for u in late.uncollected:
        _console().print(f"{u.certificate_number}  uncollected  pickup notice {u.notice}  due {u.due}  OVERDUE",
                         markup=False)


@contextmanager
def progress() -> Iterator[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # Bars only for a person at a terminal: scripts and --json get clean streams.
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=console, disable=json_mode() or not console.is_terminal, transient=False)
    with bar:
        yield bar
