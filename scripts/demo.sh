#!/usr/bin/env bash
# The README's first command: install certledger into .venv and run the main job on the
# embedded default (a SQLite ledger in a fresh directory), telling one office's story.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh runtime  # the CJK font the documents embed
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -e . >/dev/null
export PATH="$PWD/.venv/bin:$PATH"
export CERTLEDGER_HOME="${CERTLEDGER_HOME:-$(mktemp -d)/ledger}"
# Development keys, fresh for this run: random passphrases that live only in this shell.
export CERTLEDGER_KEY_PASSPHRASE="${CERTLEDGER_KEY_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
export CERTLEDGER_ROOT_PASSPHRASE="${CERTLEDGER_ROOT_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
OUT="$(dirname "$CERTLEDGER_HOME")/documents"
id() { .venv/bin/python -c "from ledger.identity import gb11643_check_char as c; print('$1' + c('$1'))"; }
say() { printf '\n\033[1m$ certledger %s\033[0m\n' "$*"; certledger "$@"; }
sayfail() { printf '\n\033[1m$ certledger %s\033[0m   (expected to be refused)\n' "$*"; certledger "$@" || echo "exit code $?"; }

echo "ledger home: $CERTLEDGER_HOME"
say init --office 1501 --operator 张三
say keys init   # the deployment root, Jinan's signing key, the signed trust list
say --office 0700 --operator 李四 keys init   # Liaoning's key, certified by the same root
# A Jinan electrician's certificate; electricians left the national catalog (seed 000).
say issue --number 1915010000123456 --name 王五 --gender 男 --id-number "$(id 37012419900101123)" \
    --occupation 电工 --level 三级 --theory 80 --practical 75 --date 2019-06-01
sayfail reissue 1915010000123456
say prove 1915010000123456 --kind written --reason lost --out "$OUT/SM-1915010000123456-01.pdf"
say verify-pdf "$OUT/SM-1915010000123456-01.pdf"
say handover mail SM-1915010000123456-01 --tracking EA123456789CN --address 山东省济南市历下区解放东路16号
# A Liaoning provincial certificate for a welder (in the catalog): reissued under its number (seed 001).
LN=(--office 0700 --operator 李四)
say "${LN[@]}" issue --number 1807000000103353 --name 赵六 --gender 女 --id-number "$(id 21010219850505202)" \
    --occupation 焊工 --level 四级 --date 2018-05-01
say "${LN[@]}" request apply 1807000000103353 --kind reissue --applicant 赵六 --channel online
REQ=$(certledger "${LN[@]}" --json request list | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)[0]['number'])")
say "${LN[@]}" request accept "$REQ"
say "${LN[@]}" request review "$REQ" --approve
say "${LN[@]}" reissue 1807000000103353 --request "$REQ" --expect-edition 1
say "${LN[@]}" correct 1807000000103353 --set holder_name=赵陆
say "${LN[@]}" ecert 1807000000103353 --out "$OUT/1807000000103353-e3.pdf"
say "${LN[@]}" handover in-person 1807000000103353 --id-number "$(id 21010219850505202)"
say "${LN[@]}" request deliver "$REQ" --how "本人现场领取"
say history 1807000000103353
say where 1807000000103353
say where SM-1915010000123456-01
echo
echo "Done. The ledger is in $CERTLEDGER_HOME, the signed PDFs in $OUT."
echo "Try: CERTLEDGER_HOME=$CERTLEDGER_HOME .venv/bin/certledger show 1807000000103353"
