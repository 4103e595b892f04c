#!/usr/bin/env bash
# A client nobody here wrote: the official MCP Inspector (pinned in .ci/node/package-lock.json)
# drives `atera-mcp serve --sandbox` in its --cli mode, over stdio and over streamable HTTP.
# Over HTTP the server requires a bearer token (made with `atera-mcp token add` in a throwaway
# tokens file); a request without one gets 401.
# For each transport: tools/list names all 14 tools, a tools/call succeeds with the expected
# JSON, and a call the rules refuse comes back as a tool error (the Inspector exits 5 on
# isError). /healthz, /readyz and /metrics answer without a token.
# Needs python3, node 20+ and npm; run after `make install` (or `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."

ATERA_MCP="$PWD/.venv/bin/atera-mcp"
NODE_DIR="$PWD/.ci/node"
INSPECTOR="$NODE_DIR/node_modules/.bin/mcp-inspector"
PINNED="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dependencies"]["@modelcontextprotocol/inspector"])' "$NODE_DIR/package.json")"
TOOLS="search_tickets get_ticket create_ticket update_ticket add_comment list_comments log_hours get_work_hours get_billable find_customers find_contacts list_technicians link_tickets similar_tickets"
MISSING_TICKET=987654

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
# The Inspector keeps a catalog and client settings under ~/.mcp-inspector; keep CI's apart.
export MCP_CATALOG_PATH="$WORK/catalog.json" MCP_CLIENT_CONFIG_PATH="$WORK/client.json"
export NO_COLOR=1
# Tokens live in a throwaway config directory, never the developer's own.
export XDG_CONFIG_HOME="$WORK/config"

say() { printf '%s\n' "inspector: $*"; }
fail() { printf '%s\n' "inspector: FAIL: $*" >&2; exit 1; }

[ -x "$ATERA_MCP" ] || fail "$ATERA_MCP is missing; run 'make install' first"
installed="$(node -p "try { require('$NODE_DIR/node_modules/@modelcontextprotocol/inspector/package.json').version } catch { '' }")"
if [ "$installed" != "$PINNED" ]; then
    say "installing @modelcontextprotocol/inspector@$PINNED into .ci/node (npm ci)"
    npm ci --prefix "$NODE_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error >&2
fi

# check LABEL FILE EXPRESSION: EXPRESSION (Python) must be true of `doc`, the JSON in FILE.
check() {
    python3 - "$@" <<'PY' || exit 1
import json, sys
label, path, expression = sys.argv[1:4]
tools = sys.argv[4].split() if len(sys.argv) > 4 else []
raw = open(path, encoding="utf-8").read()
try:
    doc = json.loads(raw)
except ValueError:
    sys.exit(f"inspector: FAIL: {label}: not JSON:\n{raw[:2000]}")
doc = doc.get("result", doc)  # --format json wraps the MCP result as {"result": ...}
def text(d):
    return "\n".join(b.get("text", "") for b in d.get("content", []))
if not eval(expression, {"doc": doc, "tools": tools, "text": text}):
    sys.exit(f"inspector: FAIL: {label}: {expression}\n{json.dumps(doc, indent=1)[:3000]}")
print(f"inspector: ok: {label}")
PY
}

# run NAME TARGET... -- INSPECTOR-OPTIONS...: Inspector JSON to $WORK/NAME.json, exit code to $rc.
run() {
    local name="$1"
    shift
    set +e
    "$INSPECTOR" --cli "$@" --format json -q >"$WORK/$name.json" 2>"$WORK/$name.err"
    rc=$?
    set -e
}

expect_rc() {
    local want="$1" label="$2" name="$3"
    if [ "$rc" != "$want" ]; then
        fail "$label: the Inspector exited $rc, expected $want. stdout/stderr:
$(cat "$WORK/$name.json")
$(cat "$WORK/$name.err")"
    fi
}

checks() {
    local via="$1"
    shift # the target: a command line or a URL
    run "$via-list" "$@" --method tools/list
    expect_rc 0 "$via tools/list" "$via-list"
    check "$via: tools/list names exactly the 14 contract tools" "$WORK/$via-list.json" \
        'sorted(t["name"] for t in doc["tools"]) == sorted(tools)' "$TOOLS"
    check "$via: every tool states readOnlyHint" "$WORK/$via-list.json" \
        'all(isinstance(t.get("annotations", {}).get("readOnlyHint"), bool) for t in doc["tools"])'

    run "$via-customers" "$@" --method tools/call --tool-name find_customers \
        --tool-args-json '{"query": "Acme"}'
    expect_rc 0 "$via find_customers" "$via-customers"
    check "$via: find_customers(query=Acme) finds Acme Corporation" "$WORK/$via-customers.json" \
        'not doc.get("isError") and doc["structuredContent"]["customers"][0]["name"] == "Acme Corporation"'

    run "$via-similar" "$@" --method tools/call --tool-name similar_tickets \
        --tool-args-json '{"text": "VPN client will not connect from home", "limit": 3}'
    expect_rc 0 "$via similar_tickets" "$via-similar"
    check "$via: similar_tickets answers a ranked list of at most 3" "$WORK/$via-similar.json" \
        'not doc.get("isError") and len(doc["structuredContent"]["tickets"]) <= 3'

    run "$via-missing" "$@" --method tools/call --tool-name get_ticket \
        --tool-args-json "{\"ticket_id\": $MISSING_TICKET}"
    expect_rc 5 "$via get_ticket on a missing ticket" "$via-missing"
    check "$via: get_ticket($MISSING_TICKET) is a tool error saying it was not found" \
        "$WORK/$via-missing.json" \
        "doc.get('isError') is True and 'Ticket $MISSING_TICKET was not found' in text(doc)"

    run "$via-open" "$@" "${SEARCH_OPTS[@]}" --method tools/call --tool-name search_tickets \
        --tool-args-json '{"status": ["Open"], "limit": 1}'
    expect_rc 0 "$via search_tickets" "$via-open"
    check "$via: search_tickets(status=Open) finds an Open ticket" "$WORK/$via-open.json" \
        'doc["structuredContent"]["tickets"][0]["status"] == "Open"'
    local open_id
    open_id="$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["result"]["structuredContent"]["tickets"][0]["ticket_id"])' "$WORK/$via-open.json")"

    run "$via-close" "$@" --method tools/call --tool-name update_ticket \
        --tool-args-json "{\"ticket_id\": $open_id, \"status\": \"Closed\"}"
    expect_rc 5 "$via update_ticket Open -> Closed" "$via-close"
    check "$via: update_ticket($open_id, Open -> Closed) is refused: resolve first" \
        "$WORK/$via-close.json" \
        "doc.get('isError') is True and 'Resolve it first' in text(doc)"
}

say "Inspector $("$INSPECTOR" --version 2>/dev/null | tail -n 1), stdio: atera-mcp serve --sandbox"
# 300 tickets: a smaller sandbox may hold no Open ticket at some hours of the day (its tickets
# age with the clock). Each stdio call starts a new server whose index is still being built, so
# its Open search reads Atera (ATERA_INDEX=off) rather than race the first sync.
SEARCH_OPTS=(-e ATERA_INDEX=off)
checks stdio "$ATERA_MCP" serve --sandbox --tickets 300

TOKEN="$("$ATERA_MCP" token add --technician 101 --name "CI inspector" 2>/dev/null)"
[ -n "$TOKEN" ] || fail "atera-mcp token add printed no token"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
URL="http://127.0.0.1:$PORT/mcp"
say "HTTP: atera-mcp serve --sandbox --transport http --port $PORT"
"$ATERA_MCP" serve --sandbox --tickets 300 --transport http --port "$PORT" >"$WORK/http.log" 2>&1 &
SERVER_PID=$!
# Bounded wait: up to 60 s for the port to accept connections, failing early if the server dies.
python3 - "$PORT" "$SERVER_PID" <<'PY' || { cat "$WORK/http.log" >&2; fail "the HTTP server did not come up"; }
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the server exited")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("timed out")
PY
# Bounded wait: up to 60 s for the index's first sync (readiness says when it is done).
python3 - "$PORT" <<'PY' || fail "the HTTP server's index was not built within 60 s"
import json, sys, time, urllib.error, urllib.request
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=5) as answer:
            body = answer.read()
    except urllib.error.HTTPError as refused:  # 503 while a check fails: its body says which
        body = refused.read()
    detail = json.loads(body)["checks"].get("index", {}).get("detail", "")
    if "first sync" not in detail:
        sys.exit(0)
    time.sleep(0.2)
sys.exit("timed out")
PY
SEARCH_OPTS=()
checks http "$URL" --header "Authorization: Bearer $TOKEN"

# Without a token, or with a wrong one, the server answers 401 with a Bearer challenge.
python3 - "$PORT" <<'PY' || fail "a request without a valid token was not refused with 401"
import http.client, sys
for auth in (None, "Bearer atm_wrong"):
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if auth:
        headers["Authorization"] = auth
    conn.request("POST", "/mcp", body="{}", headers=headers)
    answer = conn.getresponse()
    if answer.status != 401 or not answer.getheader("WWW-Authenticate", "").startswith("Bearer"):
        sys.exit(f"got {answer.status} for {auth!r}")
PY
say "ok: http: no token or a wrong token gets 401 with WWW-Authenticate: Bearer"

# The operations endpoints answer a load balancer and Prometheus without a token.
python3 - "$PORT" <<'PY' || fail "the operations endpoints did not answer without a token"
import http.client, json, sys
def get(path):
    conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
    conn.request("GET", path)
    answer = conn.getresponse()
    return answer.status, answer.read().decode()
status, body = get("/healthz")
if status != 200 or json.loads(body) != {"status": "ok"}:
    sys.exit(f"/healthz: {status} {body}")
status, body = get("/readyz")
if status != 200 or json.loads(body)["status"] != "ready":
    sys.exit(f"/readyz: {status} {body}")
status, body = get("/metrics")
counted = [l for l in body.splitlines() if l.startswith("atera_mcp_tool_call_seconds_count{")]
if status != 200 or not any('tool="find_customers"' in l and 'outcome="ok"' in l for l in counted):
    sys.exit(f"/metrics: {status} {body[:2000]}")
PY
say "ok: http: /healthz, /readyz and /metrics answer without a token"

# DNS-rebinding protection is on: a foreign Host header is turned away with 421.
python3 - "$PORT" "$TOKEN" <<'PY' || fail "a foreign Host header was not refused with 421"
import http.client, sys
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
conn.request("POST", "/mcp", body="{}", headers={"Host": "evil.example", "Content-Type": "application/json", "Authorization": f"Bearer {sys.argv[2]}"})
status = conn.getresponse().status
sys.exit(0 if status == 421 else f"got {status}")
PY
say "ok: http: a foreign Host header is refused with 421 (DNS-rebinding protection)"
grep -q "SANDBOX MODE" "$WORK/http.log" || fail "the HTTP server did not announce the sandbox"
say "ok: http: the sandbox is announced on stderr"
say "all checks passed"
