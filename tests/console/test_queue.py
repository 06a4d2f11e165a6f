"""The work queue: overdue first, then due today, filters by kind and channel, counts per stage; requests the
command records in another process show on the next page (the index reads only what is new)."""

from __future__ import annotations

from tests.console.conftest import (
    CLERK_PASSWORD,
    HEAD_PASSWORD,
    NUMBER,
    WELDER,
    client_of,
    console_settings,
    log_in,
    post,
)
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
    # A same-day request accepted on a rest day falls due on the next workday, not "today".
    with app.state.console.reading() as ledger:
        due_today = {v.number: v.due for v in ledger.requests()}[today_request] == ledger.today()
    assert 'class="u-overdue"' in page and ('class="u-today"' if due_today else 'class="u-later"') in page
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
    head = client_of(app)
    log_in(head, "张三", HEAD_PASSWORD)
    r = head.get("/?page=0")
    assert r.status_code == 422 and "字段「页码」不能小于 1" in r.text
    assert head.get("/?page=x").status_code == 422


def test_a_store_without_the_work_index_shows_its_queue_by_replaying_the_requests(home, clock) -> None:
    import sqlite3

    from console.app import create_app
    from console.state import Console

    settings = console_settings(home)
    with sqlite3.connect(settings.sqlite_file) as conn:  # a store from before the index
        conn.execute("DROP TABLE work_requests")
        conn.execute("DROP TABLE work_pickups")
    console = Console.from_settings(settings)  # the console may not make tables
    console.clock = clock
    assert not console.ledger.work_index.kept
    try:
        head = client_of(create_app(settings, console=console))
        csrf = log_in(head, "张三", HEAD_PASSWORD)
        r = post(head, "/requests", csrf, number=NUMBER, kind="proof", applicant="王五", channel="window")
        made = r.headers["location"].rsplit("/", 1)[1]
        page = head.get("/").text
        assert made in page and '<span class="n" data-stage="applied">1</span>' in page
    finally:
        console.close()


def test_a_same_day_request_is_due_today_on_a_workday_and_on_the_next_one_when_accepted_on_a_rest_day(
        home, clock) -> None:
    """The queue's three urgencies on a calendar the test fixes (the console's ledger follows its clock), so
    the `today` row is exercised whatever day the suite runs on."""
    from datetime import datetime, time, timedelta

    from console.app import create_app
    from console.state import Console
    from ledger.events import CHINA
    from ledger.workdays import add_working_days, is_workday
    from tests.console.test_access import make_staff

    workday = add_working_days(datetime.now(CHINA).date(), 0).day
    rest_day = next(d for d in (workday + timedelta(days=k) for k in range(1, 30)) if not is_workday(d)[0])
    clock.now = datetime.combine(workday, time(10), CHINA)
    settings = console_settings(home)
    console = Console.from_settings(settings, clock=clock)
    try:
        app = create_app(settings, console=console)
        make_staff(app)
        clerk = client_of(app)
        r = post(clerk, "/requests", log_in(clerk, "李四", CLERK_PASSWORD), number=NUMBER, kind="proof",
                 applicant="王五", channel="window", accept="1")
        first = r.headers["location"].rsplit("/", 1)[1]
        assert _row_class(clerk.get("/").text, first) == "u-today"

        clock.now = datetime.combine(rest_day, time(10), CHINA)
        clerk = client_of(app)  # the session has long gone idle
        r = post(clerk, "/requests", log_in(clerk, "李四", CLERK_PASSWORD), number=NUMBER, kind="proof",
                 applicant="赵六", channel="window", accept="1")
        second = r.headers["location"].rsplit("/", 1)[1]
        page = clerk.get("/").text
        assert _row_class(page, second) == "u-later" and _row_class(page, first) == "u-overdue"
        with console.reading() as ledger:
            due = {v.number: v.due for v in ledger.requests()}
        assert due[first] == workday and due[second] == add_working_days(rest_day, 0).day > rest_day
    finally:
        console.close()


def _row_class(page: str, number: str) -> str:
    """The urgency class of the queue row that links to request `number`."""
    at = page.index(number)
    row = page.rindex("<tr class=", 0, at)
    return page[row + len('<tr class="'):page.index('"', row + len('<tr class="'))]
