#!/usr/bin/env bash
# Serve benchmark: wrk against `unionwire serve` for /feeds/all.rss (50 stories), cold (every request
# a render-cache miss: a new Host header each time, so a new self link and cache key) and cached,
# then against nginx serving the same bytes as a static file. Everything runs on 127.0.0.1.
# The store is filled the way users fill theirs: `unionwire crawl --once` over a small generated site
# (bench/crawl/gensite.py: 60 articles on 5 hosts, served by the same nginx), so only the release binary
# is built. Prints req/s and p99 latency for each and the ratios to nginx.
#
# Usage: bash bench/serve/run.sh   (env: DURATION=10s CONNECTIONS=50 THREADS=2)
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
THREADS=${THREADS:-2}
PORT=18080
NGINX_PORT=18081
SITE_PORT=18082
WORK=$ROOT/target/bench-serve
CONFIG=$WORK/unionwire.toml

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  if need apt-get; then
    apt-get install -y wrk nginx >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk nginx >/dev/null; }
  fi
fi
NGINX_BIN=$(command -v nginx || echo /usr/sbin/nginx)
need wrk || { echo "run.sh: wrk is missing" >&2; exit 2; }
[ -x "$NGINX_BIN" ] || { echo "run.sh: nginx is missing" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK/www/feeds" "$WORK/nginx"

echo "== building (release, the binary only)"
cargo build --release --quiet --bin unionwire
UW=${CARGO_TARGET_DIR:-$ROOT/target}/release/unionwire

echo "== generating a 60-article site on 5 hosts"
python3 bench/crawl/gensite.py "$WORK/site" --articles 60 --hosts 5 --port $SITE_PORT >/dev/null

SERVER_PID=""
NGINX_STARTED=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "$NGINX_STARTED" ] && "$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -s stop 2>/dev/null || true
}
trap cleanup EXIT

SITES=""
while read -r host; do
  SITES="$SITES  server { listen $host; root $WORK/site/${host/:/_}; etag on; default_type text/html; }
"
done <"$WORK/site/hosts.txt"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  types { application/rss+xml rss; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
    etag on;
  }
$SITES}
EOF
mkdir -p "$WORK/nginx/tmp"
"$NGINX_BIN" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
NGINX_STARTED=1

echo "== filling the store: unionwire crawl --once over the site"
{
  echo "[store]"; echo "path = \"$WORK/store\""
  echo "[server]"; echo "listen = \"127.0.0.1:$PORT\""; echo "max_connections = 1024"
  echo "[feeds]"; echo "default_limit = 50"
  echo "[crawl]"; echo "per_host_delay = \"0\""
  i=0
  while read -r host; do
    i=$((i + 1))
    echo "[[sources]]"; echo "id = \"s$i\""; echo "name = \"来源$i\""; echo "kind = \"listing\""
    echo "url = \"http://$host/list/index.html\""; echo "links = \"div.ej_list_box li a\""
  done <"$WORK/site/hosts.txt"
} >"$CONFIG"
"$UW" --config "$CONFIG" crawl --once --all --no-progress >"$WORK/crawl.log" 2>&1 \
  || { echo "run.sh: filling the store failed:"; cat "$WORK/crawl.log"; exit 1; }
tail -1 "$WORK/crawl.log"

"$UW" --config "$CONFIG" serve --listen "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$PORT/feeds/all.rss" -o "$WORK/www/feeds/all.rss"
ITEMS=$(grep -o '<item>' "$WORK/www/feeds/all.rss" | wc -l)
BYTES=$(wc -c <"$WORK/www/feeds/all.rss")
echo "== /feeds/all.rss: $ITEMS items, $BYTES bytes"
curl -fs "http://127.0.0.1:$NGINX_PORT/feeds/all.rss" | cmp - "$WORK/www/feeds/all.rss"

cat >"$WORK/cold.lua" <<'EOF'
-- A new Host on every request: a new self link, so every request misses the render cache.
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/feeds/all.rss", { ["Host"] = "h" .. n .. ".bench" })
end
EOF

run() { # label url [script]
  local label=$1 url=$2 script=${3:-}
  local out
  if [ -n "$script" ]; then
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "$url")
  else
    out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url")
  fi
  echo "$out" >"$WORK/wrk-$label.txt"
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  printf '%-8s %12s req/s   p99 %10s   %s\n' "$label" "$rps" "$p99" "$errors"
  eval "RPS_$label=$rps"
}

echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION (2 cores shared by client and server)"
curl -fs "http://127.0.0.1:$PORT/feeds/all.rss" >/dev/null # warm the cache
run cold "http://127.0.0.1:$PORT/feeds/all.rss" "$WORK/cold.lua"
run cached "http://127.0.0.1:$PORT/feeds/all.rss"
run nginx "http://127.0.0.1:$NGINX_PORT/feeds/all.rss"

awk -v c="$RPS_cached" -v k="$RPS_cold" -v n="$RPS_nginx" 'BEGIN {
  printf "ratio cached/nginx = %.2f   cold/nginx = %.3f   cached/cold = %.1f\n", c / n, k / n, c / k
}'
