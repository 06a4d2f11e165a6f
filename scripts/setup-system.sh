#!/usr/bin/env bash
# Installs the Debian packages certledger needs, only those missing.
#   setup-system.sh           everything the tests need
#   setup-system.sh runtime   only what running certledger needs (the demo)
#   setup-system.sh bench     what the benchmarks need besides (wrk, the HTTP load generator)
# A no-op (no apt-get at all) when everything is present; safe to run again.
#   fonts-wqy-microhei  the CJK font embedded (subsetted) in every rendered document
#   postgresql          the server the postgres-backed tests run against
#   poppler-utils       pdfsig (an independent signature validator), pdftoppm, pdftotext
#   libnss3-tools       certutil, to make the NSS database in which pdfsig trusts the test root
#   chromium            headless, renders the verification page for the tests and the README's screenshots
#   golang-go, golang-golang-x-mod-dev  Go's sumdb/note and sumdb/tlog: the independent checkpoint and proof checker
#   openssl             `openssl ts`: the timestamp authority (and its verifier) the B-T signing tests run against
#   python3-venv        only when `python3 -m venv` would not work
set -euo pipefail

if [ "${1:-}" = "runtime" ]; then
    wanted=(fonts-wqy-microhei)
elif [ "${1:-}" = "bench" ]; then
    wanted=(fonts-wqy-microhei wrk)
else
    wanted=(fonts-wqy-microhei postgresql poppler-utils libnss3-tools chromium golang-go golang-golang-x-mod-dev openssl)
fi

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
