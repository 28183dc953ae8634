#!/usr/bin/env bash
# Two liftoff binaries side by side in the closed model, interleaved, with
# wrk between them: did a change make the closed model faster per core?
# This machine's speed drifts by more than most changes move it, so the
# runs of each round follow each other and the medians are compared.
#
#   bench/closed-ab.sh OLD NEW [rounds] [seconds]
#
# OLD and NEW are liftoff binaries (build one from another commit with
# git worktree). Each round runs bench/max-throughput.yaml (50 looping
# visitors, a kept-alive connection each) with OLD and NEW (NEW first
# every other round), and then wrk
# -t1 -c50 (BENCH_WRK=0 leaves it out), each pinned to CPU 0 and nginx to
# the other CPU, and prints requests/s, CPU µs per request (user+system,
# GNU time), and "other": CPU seconds that neither the generator nor
# nginx used meanwhile. A run with other above a few tenths of a second
# shared the machine with another job and says little. Needs nginx, jq,
# wrk and GNU time; sends traffic to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,18p' "$0"; exit 2; }
old="$(realpath "$1")" new="$(realpath "$2")" rounds="${3:-5}" secs="${4:-5}"
port="${BENCH_PORT:-18094}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
PATH="$PATH:/usr/sbin"
for cmd in nginx jq /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "closed-ab.sh: $cmd is missing" >&2; exit 1; }
done
bins=(old new)
[ "${BENCH_WRK:-1}" = 0 ] || bins+=(wrk)

. bench/nginx.sh
start_nginx "$port" "$work"
url="http://127.0.0.1:$port/"
worker=$(pgrep -P "$(cat "$work/nginx.pid")" | head -1)
hz=$(getconf CLK_TCK)
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; } # user, nice, system, irq, softirq: every CPU's
nginx_ticks() { awk '{print $14 + $15}' "/proc/$worker/stat"; }
export BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s"

echo "closed-ab.sh: $rounds rounds of ${secs}s runs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-4s %9s %8s %7s %7s %7s\n' round bin req/s us/req cpu nginx other
for round in $(seq "$rounds"); do
  order=("${bins[@]}")
  if [ $((round % 2)) = 0 ]; then # every other round NEW first, so neither gains from going first
    order=(new old "${bins[@]:2}")
  fi
  for bin in "${order[@]}"; do
    b0=$(busy) n0=$(nginx_ticks)
    if [ "$bin" = wrk ]; then
      /usr/bin/time -f '%U %S' -o "$work/time" "${pin[@]}" wrk -t1 -c50 -d"${secs}s" "$url" >"$work/wrk.out" 2>&1 || true
      reqs=$(awk '/requests in/ {print $1}' "$work/wrk.out")
      rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
    else
      binary="$old"
      [ "$bin" = new ] && binary="$new"
      /usr/bin/time -f '%U %S' -o "$work/time" "${pin[@]}" "$binary" run bench/max-throughput.yaml \
        --progress none --json "$work/r.json" >/dev/null 2>&1 || true
      reqs=$(jq .summary.requests "$work/r.json")
      rate=$(jq .summary.achieved_rate "$work/r.json")
    fi
    b1=$(busy) n1=$(nginx_ticks)
    tail -1 "$work/time" | awk -v round="$round" -v bin="$bin" -v n="$reqs" -v rate="$rate" \
      -v all=$((b1 - b0)) -v ng=$((n1 - n0)) -v hz="$hz" \
      '{cpu = $1 + $2; printf "%-5s %-4s %9.0f %8.2f %6.2fs %6.2fs %6.2fs\n", round, bin, rate, cpu * 1e6 / n, cpu, ng / hz, (all - ng) / hz - cpu}' |
      tee -a "$work/runs"
    sleep 1 # the last run's sockets close
  done
done
echo
echo "medians (runs with other > 0.3s left out):"
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
for bin in "${bins[@]}"; do
  clean() { awk -v bin="$bin" -v f="$1" '$2 == bin && $7 + 0 <= 0.3 {print $f}' "$work/runs"; }
  printf '%-4s %9s req/s %8s us/req  (%s clean runs)\n' "$bin" "$(clean 3 | median)" "$(clean 4 | median)" "$(clean 3 | wc -l)"
done
