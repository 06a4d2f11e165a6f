"""A home where Jinan (1501) approved three persons' professional reissue and exchange requests this month and
the provincial centre (1500) has its key and head: made once by the installed command, copied per test."""

from __future__ import annotations

from pathlib import Path

from tests.batch.conftest import Person, people
from tests.e2e.conftest import Cli

CENTRE_HEAD = "周八"  # the provincial centre's head: init's operator of 1500, the tests' operator passphrase


def make_batch_home(root: Path) -> tuple[Path, list[Person]]:
    cli = Cli(root / "home", root)
    _ok(cli("init", "--office", "1501", "--operator", "张三"))
    persons = people()
    for person in persons:
        args = ["issue", "--family", "professional", "--number", person.number, "--name", person.name,
                "--gender", person.gender, "--id-number", person.id_number, "--occupation", person.exam[1],
                "--exam-code", person.exam[0], "--level", person.level, "--specialty", person.specialty,
                "--date", person.approved]
        if person.photo is not None:
            photo = root / f"{person.number}.jpg"
            photo.write_bytes(person.photo)
            args += ["--photo", str(photo)]
        _ok(cli(*args))
        (applied,) = _ok(cli("--json", "request", "apply", person.number, "--kind", person.kind.value,
                             "--applicant", person.name)).json()  # type: ignore[misc]
        person.requests.append(applied["number"])
        _ok(cli("request", "accept", applied["number"]))
        _ok(cli("request", "review", applied["number"], "--approve", "--photo-ok"))
    _ok(cli("init", "--office", "1500", "--operator", CENTRE_HEAD))
    _ok(cli("console", "account", "add", "--username", "张三", "--role", "head"))
    _ok(cli("console", "account", "add", "--username", CENTRE_HEAD, "--role", "head",
            office="1500", operator=CENTRE_HEAD))
    return cli.home, persons


def _ok(result: object) -> object:
    assert result.code == 0, result.err  # type: ignore[attr-defined]
    return result
