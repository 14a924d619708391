#!/usr/bin/env bash
# HTTP transport benchmark: GatewayHTTP's release bench server against nginx (1 worker), both on loopback,
# server pinned to CPU 0 and wrk to CPU 1. Small GET and 2 KB POST, at 50 and 1,000 connections.
# Usage: Benchmarks/http/run.sh [seconds per run, default 10]. Installs nginx and wrk from Debian if missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
OUT_DIR=Benchmarks/out
mkdir -p "$OUT_DIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT_DIR/http-$STAMP.md"
WORK=$(mktemp -d /tmp/g60-http-bench.XXXXXX)
ulimit -n 20000 || true

missing=""
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$missing nginx"
command -v wrk >/dev/null || missing="$missing wrk"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
  else
    echo "bench-http: missing$missing; run: sudo apt-get install -y$missing"; exit 1
  fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

echo "bench-http: building the release bench server"
swift build -c release --product g60-http-bench-server >/dev/null
BIN=$(swift build -c release --show-bin-path)/g60-http-bench-server

G60_PORT=18080
NGINX_PORT=18081
BODY='{"status":"ok","service":"g60-gateway","node":"bench","version":"1.0","message":"hello"}'
source Benchmarks/lib/nginx.sh
nginx_conf "$WORK/nginx.conf" "$WORK" $NGINX_PORT "    location = /hello { default_type application/json; return 200 '$BODY'; }
    location = /echo { client_body_buffer_size 64k; default_type application/json; return 200 '{\"received\":2048}'; }"
head -c 2048 /dev/zero | tr '\0' 'x' > "$WORK/body.txt"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$WORK/body.txt", "rb"); wrk.body = f:read("*a"); f:close()
LUA

taskset -c 0 "$BIN" --port $G60_PORT --loops 1 2>"$WORK/g60.log" &
G60_PID=$!
taskset -c 0 "$NGINX" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
cleanup() { kill "$G60_PID" "$NGINX_PID" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
for i in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$G60_PORT/hello" >/dev/null && curl -sf "http://127.0.0.1:$NGINX_PORT/hello" >/dev/null && break
  sleep 0.2
done

# CPU seconds (user+system) used so far by a process and its threads.
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

{
  echo "# HTTP benchmark $STAMP"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'). Server on CPU 0, wrk on CPU 1;"
  echo "other builds may have been running on this shared machine at the same time."
  echo "wrk: \`taskset -c 1 wrk -t1 -cN -d${DURATION}s --latency [-s post.lua] URL\`; nginx $($NGINX -v 2>&1 | cut -d/ -f2), 1 worker, access_log off."
  echo
  echo "| server | test | conns | req/s | CPU µs/req | p50 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$REPORT"

run() { # name pid port test conns
  local name=$1 pid=$2 port=$3 test=$4 conns=$5 script="" path=/hello
  if [ "$test" = "POST 2KB" ]; then script="-s $WORK/post.lua"; path=/echo; fi
  local before after out
  before=$(cpu_ticks "$pid")
  out=$(taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --latency $script "http://127.0.0.1:$port$path" 2>&1)
  after=$(cpu_ticks "$pid")
  local rps requests p50 p99 sockerr non2xx cpu
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  sockerr=$(echo "$out" | awk '/Socket errors/ {gsub(",",""); print "connect " $4 ", read " $6 ", write " $8 ", timeout " $10}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "n/a" }')
  local errors="${sockerr:-0}"; [ -n "$non2xx" ] && errors="$errors; non-2xx $non2xx"
  echo "| $name | $test | $conns | $rps | $cpu | $p50 | $p99 | $errors |" | tee -a "$REPORT"
}

for test in "GET" "POST 2KB"; do
  for conns in 50 1000; do
    run "g60 GatewayHTTP" "$G60_PID" $G60_PORT "$test" $conns
    run "nginx" "$NGINX_PID" $NGINX_PORT "$test" $conns
  done
done
echo
echo "bench-http: results in $REPORT"
