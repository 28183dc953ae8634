#!/usr/bin/env bash
# The highest arrival rate one liftoff process sustains, open model: it runs
# liftoff at rising rates against nginx on loopback and reports, for each,
# the achieved request rate, the missed arrivals, the share of requests sent
# over 25ms late, and the verdict. The ceiling is the last rate the
# generator kept up with (not INCONCLUSIVE).
#
#   bench/open-ceiling.sh [seconds per rate] [rates...] (default 10s; 10k..120k/s)
#   BENCH_CONNECTION=visitor bench/open-ceiling.sh      (a new connection per visitor)
#   BENCH_ARRIVALS=poisson bench/open-ceiling.sh         (Poisson arrivals; default uniform)
#
# cpu/req is liftoff's user + system CPU time (GNU time) ÷ its requests.
#
# nginx is pinned to the last CPU and liftoff to CPU 0 when there are two
# or more. Needs nginx and jq; sends traffic to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
shift || true
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(10000 20000 40000 60000 80000 100000 120000)
port="${BENCH_PORT:-18090}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
PATH="$PATH:/usr/sbin"
for cmd in nginx jq /usr/bin/time; do command -v "$cmd" >/dev/null || { echo "open-ceiling.sh: $cmd is missing" >&2; exit 1; }; done

. bench/nginx.sh
start_nginx "$port" "$work"
go build -o "$work/liftoff" ./cmd/liftoff

echo "open-ceiling.sh: ${secs}s per rate, connection ${BENCH_CONNECTION:-shared}, $(nproc) CPUs"
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%10s %12s %8s %10s %10s %9s  %s\n' "rate/s" "achieved/s" "missed" "late>25ms" "lag p99" "cpu/req" "verdict"
for rate in "${rates[@]}"; do
  BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s" BENCH_RATE="${rate}/s" \
    /usr/bin/time -f '%U %S' -o "$work/time" "${pin[@]}" "$work/liftoff" run bench/open-ceiling.yaml --progress none --json "$work/r.json" >/dev/null 2>&1 || true
  cpu=$(tail -1 "$work/time" | awk '{print $1 + $2}')
  jq -r --arg rate "$rate" --arg cpu "$cpu" '[$rate, (.summary.achieved_rate|floor), .summary.arrivals.missed,
      ((.generator.late_share*100*100|round)/100|tostring + "%"), (.summary.lag_ms.p99|tostring + "ms"),
      (if .summary.requests > 0 then (($cpu|tonumber) * 1e7 / .summary.requests | round) / 10 | tostring + "µs" else "-" end), .verdict] | @tsv' "$work/r.json" |
    awk -F'\t' '{printf "%10s %12s %8s %10s %10s %9s  %s\n", $1, $2, $3, $4, $5, $6, $7}'
done
