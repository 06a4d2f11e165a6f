#!/usr/bin/env bash
# The README's first command: install certledger into .venv and run the main job on the
# embedded default (a SQLite ledger in a fresh directory), telling one office's story.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh runtime  # the CJK font the documents embed
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/pip install -q --disable-pip-version-check -e . >/dev/null
# Byte-compile certledger's own modules once: an editable install leaves them as sources, and with
# PYTHONDONTWRITEBYTECODE (set on these machines) every command would compile ~90 modules again (0.6 s).
.venv/bin/python -m compileall -q -j 0 $(for d in */__init__.py; do dirname "$d"; done) >/dev/null
export PATH="$PWD/.venv/bin:$PATH"
export CERTLEDGER_HOME="${CERTLEDGER_HOME:-$(mktemp -d)/ledger}"
# Development keys, fresh for this run: random passphrases that live only in this shell.
export CERTLEDGER_KEY_PASSPHRASE="${CERTLEDGER_KEY_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
export CERTLEDGER_ROOT_PASSPHRASE="${CERTLEDGER_ROOT_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
export CERTLEDGER_PUBLISHER_PASSPHRASE="${CERTLEDGER_PUBLISHER_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
# Each operator's credential (one passphrase for the demo's three operators).
export CERTLEDGER_OPERATOR_PASSPHRASE="${CERTLEDGER_OPERATOR_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
OUT="$(dirname "$CERTLEDGER_HOME")/documents"
id() { .venv/bin/python -c "from ledger.identity import gb11643_check_char as c; print('$1' + c('$1'))"; }
masked() { sed -E 's/\b([0-9]{6})[0-9]{11}[0-9X]\b/\1XXXXXXXXXXXX/g' <<<"$*"; }  # ID numbers, even in the echo
say() { printf '\n\033[1m$ certledger %s\033[0m\n' "$(masked "$@")"; certledger "$@"; }
sayfail() { printf '\n\033[1m$ certledger %s\033[0m   (expected to be refused)\n' "$(masked "$@")"; certledger "$@" || echo "exit code $?"; }

echo "ledger home: $CERTLEDGER_HOME"
say init --office 1501 --operator 张三   # development: the root, the trust-list publisher, Jinan's key, 张三's credential
# Liaoning's key as production makes it: the office requests, the root's keeper certifies with nothing but the
# root's directory and passphrase (no ledger, no office key: another machine), the office installs.
mkdir -p "$OUT"
KID=$(certledger --office 0700 --json keys request --out "$OUT/0700.req" \
    | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['pending'])")
echo "office 0700 made key $KID and its request $OUT/0700.req (its private key stays in its key directory)"
keeper() {
    printf '\n\033[1m$ certledger %s\033[0m   (the root'"'"'s keeper)\n' "$*"
    env -u CERTLEDGER_KEY_PASSPHRASE -u CERTLEDGER_PUBLISHER_PASSPHRASE -u CERTLEDGER_OPERATOR_PASSPHRASE \
        CERTLEDGER_HOME="$OUT/keeper-has-no-ledger" certledger "$@"
}
keeper keys certify "$OUT/0700.req" --out "$OUT/0700.cert" --root-dir "$CERTLEDGER_HOME/keys" --kid "$KID"
# Installed: checked against the pinned root, recorded with the trust list and 李四's first credential.
say --office 0700 --operator 李四 keys install "$OUT/0700.cert"
say init --office 1500 --operator 王九   # the provincial center's (it imports the monthly batch below)
say operator list   # the credentials this home holds: --office / --operator only choose among them
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
# seed 001 三: an application by mail or online carries the ID's both sides and the lookup's screenshot.
for m in id-front id-back lookup-screenshot; do printf '%s scan' "$m" > "$OUT/$m.jpg"; done
say "${LN[@]}" request attach "$REQ" id-front="$OUT/id-front.jpg" id-back="$OUT/id-back.jpg" \
    lookup-screenshot="$OUT/lookup-screenshot.jpg"
say "${LN[@]}" request accept "$REQ"
say "${LN[@]}" request review "$REQ" --approve
say "${LN[@]}" reissue 1807000000103353 --request "$REQ" --expect-edition 1
say "${LN[@]}" correct 1807000000103353 --set holder_name=赵陆
say "${LN[@]}" ecert 1807000000103353 --out "$OUT/1807000000103353-e3.pdf"
say "${LN[@]}" handover in-person 1807000000103353 --id-number "$(id 21010219850505202)"
say "${LN[@]}" request deliver "$REQ" --how "本人现场领取"
# Acting as someone else: --office/--operator only choose among the credentials held here.
sayfail --office 0700 --operator 冒名 revoke 1807000000103353 --reason 冒名顶替
say history 1807000000103353
say where 1807000000103353
say where SM-1915010000123456-01
# A training school collects a class's certificates with a contact letter and signs a receipt.
say issue --number 1915010000123457 --name 孙七 --gender 男 --id-number "$(id 37010219950303301)" \
    --occupation 焊工 --level 四级 --theory 70 --practical 82 --date 2019-06-01
say handover institution 1915010000123457 --institution 济南市技师学院 --batch 2019-JN-0601 --occupation 焊工 \
    --level 四级 --head-count 1 --agent-name 周八 --agent-id-number "$(id 37010219800808402)" \
    --signer 周八 --signer-phone 0531-88880000 --receipt-date 2019-07-02 --received 1
say where 1915010000123457

# The monthly batch (seed 004): Jinan sends this month's approved exchange of a professional
# certificate to the provincial center (1500), which checks and imports the package.
say issue --family professional --number ZS2018000002 --name 李红 --gender 女 \
    --id-number "$(id 37010219900709202)" --occupation 一级建造师 --exam-code 034 --level 一级 \
    --specialty 市政公用工程 --date 2018-09-15
BREQ=$(certledger --json request apply ZS2018000002 --kind exchange --applicant 李红 \
    | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)[0]['number'])")
say request accept "$BREQ"
say request review "$BREQ" --approve
MONTH=$(TZ=Asia/Shanghai date +%Y%m)
PACKAGE=$(certledger --json batch export --month "$MONTH" --out "$OUT/batch" \
    | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['package'])")
echo "batch package: $PACKAGE"; .venv/bin/python -m zipfile -l "$PACKAGE"
CENTER=(--office 1500 --operator 王九)
say "${CENTER[@]}" batch check "$PACKAGE"
say "${CENTER[@]}" batch import "$PACKAGE"
say history "$BREQ"

# The school graduate's electronic certificate, its QR code pointing at the service started below.
PORT=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export CERTLEDGER_VERIFY_BASE_URL="http://127.0.0.1:$PORT"
URL=$(certledger --json ecert 1915010000123457 --out "$OUT/1915010000123457-e1.pdf" \
    | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['url'])")

# Auditors: the log key signs a checkpoint (a C2SP signed note, appended to the history kept outside the
# database); the replay checks the store against it. A witness (another office, or an auditor) cosigns it.
export CERTLEDGER_LOG_KEY_PASSPHRASE="${CERTLEDGER_LOG_KEY_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
export CERTLEDGER_WITNESS_PASSPHRASE="${CERTLEDGER_WITNESS_PASSPHRASE:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(18))')}"
WITNESS="$(dirname "$CERTLEDGER_HOME")/witness"
say audit log-key --init
say audit checkpoint --out "$OUT/checkpoint.note"
cat "$OUT/checkpoint.note"
say audit verify --checkpoint "$OUT/checkpoint.note"
say audit inclusion 1915010000123457
say witness init --dir "$WITNESS" --name witness.0700.example --log-key "$(certledger audit log-key)"
say witness cosign "$OUT/checkpoint.note" --dir "$WITNESS" --out "$OUT/checkpoint.cosigned"
say audit add-cosignature "$OUT/checkpoint.cosigned" --witness "$(certledger witness key --dir "$WITNESS")"

# Employers: the verification service on this ledger, asked what that QR code says.
certledger serve --port "$PORT" >"$OUT/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/healthz')" 2>/dev/null && break; sleep 0.2; done
printf '\n\033[1m$ curl %s\033[0m   (the JSON beside the page a phone opens)\n' "${URL/\/V\//\/api\/v1\/verify\/}"
.venv/bin/python - "${URL/\/V\//\/api\/v1\/verify\/}" <<'PY'
import json, sys, urllib.request
answer = json.load(urllib.request.urlopen(sys.argv[1]))
doc = answer["document"]
print(f"{answer['outcome']}: {answer['headline']['zh']} / {answer['headline']['en']}")
print(f"{doc['number']} #{doc['edition']}  {doc['holder_name']}  {doc['id_number_masked']}  {doc['occupation']} {doc['level']}")
print(f"issued by {doc['authority']['office']} ({doc['authority']['phone']})")
for check in answer["checks"]:
    print(f"  {'ok  ' if check['ok'] else 'FAIL'} {check['label']} {check['check']}: {check['detail']}")
log = answer["log"]
if log and log["state"] == "included":
    print(f"transparency log: entry {log['position'] + 1} of {log['tree_size']}, "
          f"checkpoint signed {log['checkpoint']['at']} by key {log['checkpoint']['key_id'][:12]}…")
elif log:
    print(f"transparency log: pending the next checkpoint (latest covers {log['tree_size']} events)")
PY
kill $SERVER; wait $SERVER 2>/dev/null || true

# The office console for Jinan's staff: 张三 (init's operator) becomes its first head; she logs in with her
# credential's passphrase (CERTLEDGER_OPERATOR_PASSPHRASE).
say --office 1501 --operator 张三 console account add --username 张三 --role head
echo
echo "Done. The ledger is in $CERTLEDGER_HOME, the signed PDFs and the batch package in $OUT."
echo "Try: CERTLEDGER_HOME=$CERTLEDGER_HOME .venv/bin/certledger show 1807000000103353"
echo "     CERTLEDGER_HOME=$CERTLEDGER_HOME .venv/bin/certledger serve --port $PORT   # then open $URL"
if [ "${1:-}" = "--console" ]; then
    echo "The office console: open http://127.0.0.1:8100/ and log in as 张三 with CERTLEDGER_OPERATOR_PASSPHRASE."
    exec certledger --office 1501 --operator 张三 console --port 8100
fi
echo "The office console: choose 张三's passphrase and run the story with it, then log in at http://127.0.0.1:8100/:"
echo "     CERTLEDGER_OPERATOR_PASSPHRASE='a passphrase of your own' bash scripts/demo.sh --console"
