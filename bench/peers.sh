#!/usr/bin/env bash
# Side-by-side generator ceiling: wrk, hey and liftoff against the same nginx
# on loopback, 50 connections, keep-alive, in one run, so the ratios hold
# even on a noisy machine. Each peer runs before and after liftoff.
#
#   bench/peers.sh [seconds per run]        (default 10)
#
# With two or more CPUs nginx is pinned to the last CPU and every generator
# to CPU 0, so the numbers are requests per second per generator core.
# Needs nginx, wrk and hey (Debian packages nginx-light, wrk, hey); installs
# them when run as root and they are missing. Sends traffic to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
port="${BENCH_PORT:-18089}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT

need() {
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null && continue
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light wrk hey >/dev/null
    else
      echo "peers.sh: $cmd is missing (apt-get install nginx-light wrk hey)" >&2; exit 1
    fi
  done
}
need nginx wrk hey
PATH="$PATH:/usr/sbin"

cpus=$(nproc)
gen_cpu=0
if [ "$cpus" -ge 2 ]; then
  ngx_cpu=$((cpus - 1))
  mask=$(printf '1%0*d' "$ngx_cpu" 0)
  pin=(taskset -c "$gen_cpu")
else
  mask=1
  pin=()
fi
sed -e "s|@PORT@|$port|" -e "s|@DIR@|$work|g" -e "s|@CPUMASK@|$mask|" bench/nginx.conf >"$work/nginx.conf"
nginx -c "$work/nginx.conf"
sleep 0.3
url="http://127.0.0.1:$port/"
curl -fsS "$url" >/dev/null

go build -o "$work/liftoff" ./cmd/liftoff

wrk_rate() { "${pin[@]}" wrk -t1 -c50 -d"${secs}s" "$url" | awk '/Requests\/sec/ {print $2}'; }
hey_rate() { "${pin[@]}" hey -z "${secs}s" -c 50 "$url" | awk '/Requests\/sec/ {print $2}'; }
liftoff_rate() {
  BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s" \
    "${pin[@]}" "$work/liftoff" run bench/max-throughput.yaml --progress none --json "$work/lo.json" >/dev/null 2>&1 || true
  grep -o '"achieved_rate": *[0-9.]*' "$work/lo.json" | head -1 | awk -F: '{print $2}' | tr -d ' '
}

echo "peers.sh: ${secs}s per run, 50 connections, nginx on CPU ${ngx_cpu:-shared}, generators on CPU ${gen_cpu} ($(nproc) CPUs)"
w1=$(wrk_rate); h1=$(hey_rate); l=$(liftoff_rate); h2=$(hey_rate); w2=$(wrk_rate)
awk -v w1="$w1" -v w2="$w2" -v h1="$h1" -v h2="$h2" -v l="$l" 'BEGIN {
  w = (w1 + w2) / 2; h = (h1 + h2) / 2
  printf "%-8s %12s %12s\n", "tool", "req/s", "vs hey"
  printf "%-8s %12.0f %12s   (before %.0f, after %.0f)\n", "wrk", w, sprintf("%.2fx", w / h), w1, w2
  printf "%-8s %12.0f %12s   (before %.0f, after %.0f)\n", "hey", h, "1.00x", h1, h2
  printf "%-8s %12.0f %12s   (%.2fx wrk)\n", "liftoff", l, sprintf("%.2fx", l / h), l / w
}'
