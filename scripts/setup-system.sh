#!/usr/bin/env bash
# Installs the Debian packages the tests need, only those missing.
# A no-op (no apt-get at all) when everything is present; safe to run again.
#   postgresql          the server the postgres-backed tests run against
#   poppler-utils       pdftotext/pdfinfo, to read back rendered documents
#   fonts-wqy-microhei  a CJK font, so rendered Chinese text is real glyphs
#   python3-venv        only when `python3 -m venv` would not work
set -euo pipefail

wanted=(postgresql poppler-utils fonts-wqy-microhei)

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for pkg in "${wanted[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
# test.sh makes the virtualenv with python3 -m venv: a bare Debian needs python3-venv for it.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
fi

[ "${#missing[@]}" -eq 0 ] && exit 0

as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup-system: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi

echo "setup-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
