"""The work queue: overdue first, then due today, filters by kind and channel, counts per stage; requests the
command records in another process show on the next page (the index reads only what is new)."""

from __future__ import annotations

from tests.console.conftest import CLERK_PASSWORD, NUMBER, WELDER, client_of, log_in, post
from tests.console.test_access import make_staff


def test_the_queue_puts_the_overdue_first_and_counts_every_stage(app, cli) -> None:
    make_staff(app)
    clerk = client_of(app)
    csrf = log_in(clerk, "李四", CLERK_PASSWORD)
    r = post(clerk, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五", channel="window", accept="1")
    today_request = r.headers["location"].rsplit("/", 1)[1]
    assert clerk.get("/").text.count("<tr class=") == 1
    # Recorded by the command, in another process, a month ago: overdue.
    made = cli("--json", "request", "apply", WELDER, "--kind", "reissue", "--applicant", "孙九", "--channel",
               "online", "--on", "2026-11-02")
    assert made.code == 0, made.err
    late = made.json()[0]["number"]  # type: ignore[index]
    page = clerk.get("/").text
    assert page.index(late) < page.index(today_request)
    assert 'class="u-overdue"' in page and 'class="u-today"' in page
    assert '<span class="n" data-stage="applied">1</span>' in page
    assert '<span class="n" data-stage="accepted">1</span>' in page
    online = clerk.get("/?channel=online").text
    assert late in online and today_request not in online
    proofs = clerk.get("/?kind=proof").text
    assert today_request in proofs and late not in proofs
    assert clerk.get("/?kind=nonsense").status_code == 400

    console = app.state.console
    with console.reading() as ledger:
        indexed = sorted((v.number, v.stage, v.due) for v in console.requests.views(ledger.today()))
        replayed = sorted((v.number, v.stage, v.due) for v in ledger.requests())
    assert indexed == replayed and len(indexed) == 2


def test_a_bad_page_number_is_refused_naming_the_field(app) -> None:
    from tests.console.conftest import HEAD_PASSWORD

    head = client_of(app)
    log_in(head, "张三", HEAD_PASSWORD)
    r = head.get("/?page=0")
    assert r.status_code == 422 and "字段「页码」不能小于 1" in r.text
    assert head.get("/?page=x").status_code == 422
