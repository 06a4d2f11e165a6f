"""The independent Go checker, built once per session (GOPATH mode, Debian's golang.org/x/mod)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.audit.tlogtrees import GoChecker, build_go_checker


@pytest.fixture(scope="session")
def go_checker(tmp_path_factory: pytest.TempPathFactory) -> GoChecker:
    try:
        return build_go_checker(tmp_path_factory.mktemp("go"))
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


READ_MODEL = "the verification read model"


def beside_read_model(divergences: Any) -> list[Any]:
    """The divergences other than the read model's: a forged row also leaves the kept read model disagreeing
    with the events (its own tests: tests/verify_api/test_read_model.py); these tests are about the log."""
    return [d for d in divergences if not d.problem.startswith(READ_MODEL)]
