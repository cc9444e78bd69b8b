#!/usr/bin/env bash
# Load test of the access gate from a second process: the real `hearth serve` (auth required, a
# generated tiny model, a scratch data folder) and wrk sending requests across keys of every role
# (admin, operator, user, guest, none) and routes of every class. Reports the statuses, the 5xx
# count (must be 0) and the server's RSS at start, after a warm-up run and after the main run.
#
#   bench/load_auth.sh [DURATION_SECONDS=20] [CONNECTIONS=32]
#
# Needs build/release/bin/hearth, wrk and python3 with numpy (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20}"
connections="${2:-32}"
hearth=build/release/bin/hearth
work=$(mktemp -d)
server=""
trap 'kill $server 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

mkdir -p "$work/models"
/usr/bin/python3 tools/gen_model.py "$work/models/tiny.gguf" --arch llama --ctx 512 --n-layer 1 --seed 1 >/dev/null
export HEARTH_ADMIN_KEY="load-admin-key-0123456789abcdef"
"$hearth" serve --port 0 --models "$work/models" --builtin-model '' --data-dir "$work/data" --require-auth \
  --auth-failures-per-minute 1000000 --ctx 128 -t 1 --http-threads 2 >"$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -oE 'listening on http://[0-9.]+:[0-9]+' "$work/serve.log" | grep -oE '[0-9]+$' || true)
  [[ -n "$port" ]] && break
  sleep 0.05
done
[[ -n "$port" ]] || { cat "$work/serve.log"; exit 1; }
base="http://127.0.0.1:$port"

make_key() {   # name role -> key
  curl -sf -H "Authorization: Bearer $HEARTH_ADMIN_KEY" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"role\":\"$2\"}" "$base/api/keys" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}
export KEY_ADMIN="$HEARTH_ADMIN_KEY"
export KEY_OPERATOR=$(make_key load-operator operator)
export KEY_USER=$(make_key load-user user)
export KEY_GUEST=$(make_key load-guest guest)

rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
echo "server pid $server on $base; RSS at start: $(rss) kB"
echo "== warm-up: 5 s, $connections connections"
wrk -t 2 -c "$connections" -d 5s -s bench/load_auth.lua "$base" | grep -E 'statuses|5xx|Requests/sec|requests:'
echo "RSS after warm-up: $(rss) kB"
echo "== main run: ${duration} s, $connections connections"
wrk -t 2 -c "$connections" -d "${duration}s" --latency -s bench/load_auth.lua "$base" |
  grep -E 'statuses|5xx|Requests/sec|requests:|Latency|50%|99%'
echo "RSS after the main run: $(rss) kB"
echo "== second run: ${duration} s (memory must stay flat)"
wrk -t 2 -c "$connections" -d "${duration}s" -s bench/load_auth.lua "$base" | grep -E 'statuses|5xx|Requests/sec|requests:'
echo "RSS after the second run: $(rss) kB"
rows=$(curl -sf -H "Authorization: Bearer $HEARTH_ADMIN_KEY" "$base/api/audit?action=access.denied&limit=1000" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
echo "audit: access.denied rows readable (first page): $rows"
