"""Issuing and replacing certificates: issue, import, reissue, exchange, correct, revoke."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli import output
from cli.output import emit
from cli.params import ExpectOpt, Number, RequestOpt
from cli.wiring import actor, open_ledger

issuance_app = typer.Typer()


@issuance_app.command()
def issue(
    number: Annotated[str, typer.Option(help="16-digit certificate number, or 管理号 for --family professional.")],
    name: Annotated[str, typer.Option(help="Holder's name (姓名).")],
    gender: Annotated[str, typer.Option(help="男 or 女.")],
    id_number: Annotated[str, typer.Option(help="Holder's ID number (身份证号).")],
    occupation: Annotated[str, typer.Option(help="职业（工种）, or the qualification for professional.")],
    level: Annotated[str, typer.Option(help="等级: 五级…一级 (skill) or 级别 (professional).")],
    issue_date: Annotated[str, typer.Option("--date", help="发证日期 / 批准日期, YYYY-MM-DD.")],
    id_type: Annotated[str, typer.Option(help="证件类别: resident, passport, …")] = "resident",
    family: Annotated[str, typer.Option(help="skill or professional.")] = "skill",
    theory: Annotated[str | None, typer.Option(help="理论知识考试成绩 0-100.")] = None,
    practical: Annotated[str | None, typer.Option(help="操作技能考试成绩 0-100.")] = None,
    review: Annotated[str | None, typer.Option(help="综合评审成绩 0-100.")] = None,
    result: Annotated[str, typer.Option(help="评定成绩.")] = "合格",
    style: Annotated[str | None, typer.Option(help="new, old or handwritten (default from the date).")] = None,
    specialty: Annotated[str, typer.Option(help="专业 (professional).")] = "",
    authority: Annotated[str | None, typer.Option(help="Issuing authority code (professional).")] = None,
    electronic: Annotated[bool, typer.Option(help="An electronic certificate exists (professional).")] = False,
    exam_code: Annotated[str, typer.Option(help="考试代码 (professional).")] = "",
    photo: Annotated[Path | None, typer.Option(help="Photo file, kept in the attachment store.")] = None,
) -> None:
    """Issue a certificate (edition 1). A number already issued is refused by the store."""
    ledger = open_ledger()
    fields: dict[str, Any] = {
        "family": family, "number": number, "authority": authority, "holder_name": name, "gender": gender,
        "id_type": id_type, "id_number": id_number, "occupation": occupation, "level": level,
        "issue_date": issue_date, "specialty": specialty, "theory_score": theory, "practical_score": practical,
        "review_score": review, "result": result, "style": style, "electronic": "yes" if electronic else "",
        "exam_code": exam_code,
    }
    if photo is not None:
        from ledger.application import parse_certificate_for

        parse_certificate_for(actor(), fields)  # refuse bad fields before storing the file
        fields["photo_sha256"] = ledger.blobs.put_file(photo)  # type: ignore[union-attr]
    view = ledger.issue(actor(), fields)
    output.document(view, headline=f"issued {view.number}")


@issuance_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX of an existing certificate database.")],
    dry_run: Annotated[bool, typer.Option(help="Validate only; write nothing.")] = False,
) -> None:
    """Bulk-load certificates: the whole file or nothing; a bad file gets a row-by-row report."""
    import gc
    import time

    from formats.import_file import file_digest, read_rows
    from ledger.importer import validate_rows

    started = time.perf_counter()
    who = actor()
    # A large file makes millions of objects that live until the save; the cyclic garbage
    # collector would rescan them over and over (a third of the time at a million rows).
    gc.disable()
    with output.progress() as bar:
        task = bar.add_task("validating", total=None)
        datas = validate_rows(read_rows(file), file.name, progress=lambda n: bar.advance(task, n))
        if dry_run:
            bar.update(task, completed=len(datas), total=len(datas))
            emit({"file": str(file), "rows": len(datas), "imported": 0, "dry_run": True},
                 f"{file.name}: {len(datas)} rows valid; nothing written (dry run)")
            return
        ledger = open_ledger()
        source = f"{file.name} sha256:{file_digest(file)[:16]}"
        build = bar.add_task("recording", total=len(datas))
        bar.update(task, completed=len(datas), total=len(datas))
        count = ledger.import_many(who, datas, source, on_built=lambda n: bar.advance(build, n))
        bar.update(build, completed=len(datas), description="saved")
    seconds = time.perf_counter() - started
    emit({"file": str(file), "rows": len(datas), "imported": count, "seconds": round(seconds, 3)},
         f"{file.name}: imported {count} certificates in {seconds:.1f} s ({count / seconds:,.0f}/s)")


@issuance_app.command()
def reissue(number: Number, request: RequestOpt = None, expect_edition: ExpectOpt = None) -> None:
    """Reissue after loss (遗失补发): same number, a remark, the old edition superseded."""
    view = open_ledger().reissue(actor(), number, request, expect_edition)
    output.document(view, headline=f"reissued {view.number} as edition {view.edition}")


@issuance_app.command()
def exchange(number: Number, request: RequestOpt = None, expect_edition: ExpectOpt = None) -> None:
    """Exchange for overseas employment (境外就业换发)."""
    view = open_ledger().exchange(actor(), number, request, expect_edition)
    output.document(view, headline=f"exchanged {view.number} as edition {view.edition}")


@issuance_app.command()
def correct(
    number: Number,
    set_: Annotated[list[str], typer.Option("--set", help="field=value to correct; repeatable.")],
    request: RequestOpt = None,
    expect_edition: ExpectOpt = None,
) -> None:
    """Exchange to correct wrong data (错误信息修改换发): keeps each field's old and new value."""
    from cli.params import field_changes

    changes = field_changes(set_)
    view = open_ledger().correct(actor(), number, changes, request, expect_edition)
    output.document(view, headline=f"corrected {view.number} as edition {view.edition}")


@issuance_app.command()
def revoke(number: Number, reason: Annotated[str, typer.Option(help="Why it is revoked.")]) -> None:
    """Revoke a certificate edition or a proof, with a reason."""
    view = open_ledger().revoke(actor(), number, reason)
    output.document(view, headline=f"revoked {view.number}")
