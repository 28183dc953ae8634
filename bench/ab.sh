#!/usr/bin/env bash
# Two liftoff binaries side by side, interleaved: did a change make the
# open model slower? This machine's speed drifts by more than most changes
# move it, so the two runs of each round follow each other.
#
#   bench/ab.sh OLD NEW [rounds] [seconds]
#
# OLD and NEW are liftoff binaries (build one from another commit with
# git worktree). Each round runs both at 40,000 arrivals/s over shared
# connections and at 10,000 visitors/s with a connection each, Poisson
# arrivals, liftoff pinned to CPU 0 and nginx to the other CPU, and prints
# the verdict, achieved rate, p99, lag p99, missed arrivals and CPU
# seconds of each run. Needs nginx, jq and GNU time; sends traffic to
# 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,14p' "$0"; exit 2; }
old="$(realpath "$1")" new="$(realpath "$2")" rounds="${3:-3}" secs="${4:-8}"
port="${BENCH_PORT:-18093}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
PATH="$PATH:/usr/sbin"
for cmd in nginx jq /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "ab.sh: $cmd is missing" >&2; exit 1; }
done

. bench/nginx.sh
start_nginx "$port" "$work"
export BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s" BENCH_ARRIVALS=poisson

echo "ab.sh: $rounds rounds of ${secs}s runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-16s %-4s %-13s %9s %10s %10s %7s %6s\n' round mode bin verdict achieved p99 lag-p99 missed cpu
for round in $(seq "$rounds"); do
  for mode in "shared 40000/s" "visitor 10000/s"; do
    read -r conn rate <<<"$mode"
    for bin in old new; do
      binary="$old"
      [ "$bin" = new ] && binary="$new"
      BENCH_CONNECTION="$conn" BENCH_RATE="$rate" /usr/bin/time -f '%U %S' -o "$work/time" "${pin[@]}" \
        "$binary" run bench/open-ceiling.yaml --progress none --json "$work/r.json" >/dev/null 2>&1 || true
      printf '%-5s %-16s %-4s %s %6.1fs\n' "$round" "$conn $rate" "$bin" \
        "$(jq -r '"\(.verdict | .[0:13] | . + (" " * (13 - length))) \(.summary.achieved_rate | floor | tostring | (" " * (9 - length)) + .) \(.summary.latency_ms.p99 | tostring | .[0:6] + "ms" | (" " * (10 - length)) + .) \(.generator.lag_p99_ms | tostring | .[0:6] + "ms" | (" " * (10 - length)) + .) \(.results.arrivals.missed | tostring | (" " * (7 - length)) + .)"' "$work/r.json")" \
        "$(tail -1 "$work/time" | awk '{print $1 + $2}')"
      sleep 2 # the last run's sockets close
    done
  done
done
