#!/usr/bin/env bash
# The whole check, from a fresh clone: system packages, virtualenv, PostgreSQL, lint,
# types, tests. Arguments go to pytest: scripts/test.sh tests/integration -q
# Every step runs even after an earlier one failed (so one run shows all problems);
# the exit status is non-zero if any failed, including pytest collecting no tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup-system.sh
[ -x .venv/bin/python ] || python3 -m venv .venv
# Quiet unless it fails: setuptools' build warnings would bury the test output.
if ! pip_log=$(.venv/bin/pip install -q --disable-pip-version-check -e '.[test]' 2>&1); then
    echo "$pip_log" >&2
    echo "test.sh: pip install -e '.[test]' failed" >&2
    exit 1
fi
# Byte-compile certledger's own modules once: an editable install leaves them as sources, and with
# PYTHONDONTWRITEBYTECODE (set on these machines) every command would compile ~90 modules again (0.6 s).
.venv/bin/python -m compileall -q -j 0 $(for d in */__init__.py; do dirname "$d"; done) >/dev/null

# The postgres-backed tests read their server from these (and fail without them).
pg_env=$(bash scripts/pg-up.sh --env)
eval "$pg_env"

failed=()
.venv/bin/ruff check . || failed+=(ruff)
.venv/bin/mypy || failed+=(mypy)

status=0
.venv/bin/python -m pytest "$@" || status=$?
case $status in
    0) ;;
    5) echo "test.sh: pytest collected no tests: that is a failure too" >&2; failed+=(pytest) ;;
    *) failed+=(pytest) ;;
esac

if [ "${#failed[@]}" -gt 0 ]; then
    echo "test.sh: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "test.sh: all checks passed"
