"""The independent Go checker, built once per session (GOPATH mode, Debian's golang.org/x/mod)."""

from __future__ import annotations

import pytest

from tests.audit.tlogtrees import GoChecker, build_go_checker


@pytest.fixture(scope="session")
def go_checker(tmp_path_factory: pytest.TempPathFactory) -> GoChecker:
    try:
        return build_go_checker(tmp_path_factory.mktemp("go"))
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
