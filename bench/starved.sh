#!/usr/bin/env bash
# A generator starved of CPU must never blame a fast target: liftoff runs
# pinned to CPU 0 beside busy loops that keep that core full, against
# nginx pinned to the last CPU, which answers every request in about
# 0.2ms. The verdict of each run must be GO, or INCONCLUSIVE with a reason
# that names the generator; never NO-GO. Each run prints its verdict, the
# p99 on latency and on service time (when the rule failed), the
# generator's own delay, the shared pool's connections (opened before the
# start + during the run) and the signals that limited the run.
#
#   bench/starved.sh [runs] [seconds per run] [rate]   (default 5, 10, 2000/s)
#   BENCH_BUSY=0 bench/starved.sh 3 10 8000/s          (no busy loops: the shared
#                                                       pool's connection storm)
#
# Needs two or more CPUs, nginx, jq and taskset. Sends traffic to
# 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
secs="${2:-10}"
rate="${3:-2000/s}"
busy="${BENCH_BUSY:-3}"
port="${BENCH_PORT:-18091}"
work="$(mktemp -d)"
loops=()
cleanup() {
  for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null || true; done
  nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
PATH="$PATH:/usr/sbin"
for cmd in nginx jq taskset; do command -v "$cmd" >/dev/null || { echo "starved.sh: $cmd is missing" >&2; exit 1; }; done
cpus=$(nproc)
[ "$cpus" -ge 2 ] || { echo "starved.sh: needs two CPUs, one for the generator and one for nginx" >&2; exit 1; }
ngx_cpu=$((cpus - 1))
mask=$(printf '1%0*d' "$ngx_cpu" 0)
sed -e "s|@PORT@|$port|" -e "s|@DIR@|$work|g" -e "s|@CPUMASK@|$mask|" bench/nginx.conf >"$work/nginx.conf"
nginx -c "$work/nginx.conf"
sleep 0.3
curl -fsS "http://127.0.0.1:$port/" >/dev/null
go build -o "$work/liftoff" ./cmd/liftoff

for _ in $(seq "$busy"); do
  taskset -c 0 sh -c 'while :; do :; done' &
  loops+=("$!")
done

echo "starved.sh: $runs runs of ${secs}s at $rate, liftoff on CPU 0 with $busy busy loops, nginx on CPU $ngx_cpu"
printf '%4s  %-13s %9s %10s %10s %10s %10s %9s  %s\n' run verdict achieved "p99" "p99 svc" "delay p99" "delay max" "conns" "limited by"
nogo=0
for i in $(seq "$runs"); do
  BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s" BENCH_RATE="$rate" \
    taskset -c 0 "$work/liftoff" run bench/starved.yaml --progress none --json "$work/r.json" >"$work/out.txt" 2>&1 || true
  verdict=$(jq -r .verdict "$work/r.json")
  [ "$verdict" = "NO-GO" ] && nogo=$((nogo + 1))
  jq -r --arg run "$i" '[$run, .verdict, (.summary.achieved_rate|floor|tostring) + "/s",
      (.summary.latency_ms.p99|tostring) + "ms",
      ((.findings[] | select(.rule == "p99 < 5ms") | (.service_ms // "-") | tostring) + "ms"),
      (.generator.delay_p99_ms|tostring) + "ms", (.generator.delay_max_ms|tostring) + "ms",
      (.generator.shared_pre_opened|tostring) + "+" + (.generator.shared_connections|tostring),
      (.generator.limits | join(", "))] | @tsv' "$work/r.json" |
    awk -F'\t' '{printf "%4s  %-13s %9s %10s %10s %10s %10s %9s  %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9}'
  if [ "$i" = "$runs" ]; then
    echo; echo "last run's verdict:"; sed -n '/^\(GO\|NO-GO\|INCONCLUSIVE\):/,$p' "$work/out.txt"
  fi
done
echo
echo "NO-GO verdicts: $nogo of $runs"
[ "$nogo" -eq 0 ]
