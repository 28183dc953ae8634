#!/usr/bin/env bash
# The generator's memory: what one key (a journey's step) costs, and how the
# process grows over a long run.
#
#   bench/memory.sh                   the recorder's live heap (Go benchmark)
#                                     and two real runs of 2 minutes each
#   bench/memory.sh keys [steps...]   real runs of one visitor a second walking
#                                     journeys of 1, 100 and 2,000 steps
#   bench/memory.sh timeline [minutes] [rate]
#                                     a 10-step journey at rate requests a
#                                     second (default 1000) for minutes
#                                     (default 2), RSS every minute
#
# Part one runs BenchmarkRecorderHeap: the recorder alone, fed synthetic
# requests, its peak live heap for 1, 100 and 2,000 steps and for 1 and 10
# minutes at 1,000 requests a second. Parts two and three run liftoff
# against nginx on 127.0.0.1 and read the process's RSS from /proc (VmRSS,
# and VmHWM, its peak). Needs nginx and Linux; sends traffic to 127.0.0.1
# only. The machine's load changes RSS little but the run's pace a lot:
# the numbers come with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-all}"
shift || true
port="${BENCH_PORT:-18091}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
PATH="$PATH:/usr/sbin"

start_target() {
  command -v nginx >/dev/null || { echo "memory.sh: nginx is missing" >&2; exit 1; }
  . bench/nginx.sh
  start_nginx "$port" "$work" # liftoff runs unpinned here: RSS, not speed
  go build -o "$work/liftoff" ./cmd/liftoff
}

# scenario STEPS RATE SECONDS writes a scenario of one journey of STEPS
# steps, visitors arriving at RATE a second for SECONDS.
scenario() {
  {
    echo "name: memory, $1 steps"
    echo "target: http://127.0.0.1:$port"
    echo "defaults: { timeout: 5s }"
    echo "traffic:"
    echo "  arrivals: uniform"
    echo "  max_concurrency: 2000"
    echo "  phases: [ { name: flat, duration: ${3}s, rate: $2/s } ]"
    echo "journeys:"
    echo "  - name: walk"
    echo "    steps:"
    for i in $(seq 1 "$1"); do echo "      - GET /page/$i"; done
  } >"$work/s.yaml"
}

# run_sampled: runs liftoff on $work/s.yaml and prints its RSS at each
# minute, split into the process's own memory (anonymous: heap, stacks)
# and the pages of its binary it has touched (file-backed, shared with
# the page cache, growing as code runs for the first time), how each
# changed from the first minute to the last (the goal: flat, ±5%), and
# the peak, which the end of the run (the results built, written and
# read back) may set.
run_sampled() {
  "$work/liftoff" run "$work/s.yaml" --progress none --json "$work/r.json" >/dev/null 2>&1 &
  local pid=$! t=0 rss anon file hwm=0 first="" last="" firstanon="" lastanon=""
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    t=$((t + 1))
    read -r rss anon file < <(awk '/^VmRSS/ {r = $2} /^RssAnon/ {a = $2} /^RssFile/ {f = $2} END {print r, a, f}' "/proc/$pid/status" 2>/dev/null) || rss=""
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo "$hwm")
    if [ -n "$rss" ] && [ $((t % 60)) -eq 0 ]; then
      printf '  minute %3d: RSS %7.1f MiB (own %6.1f, binary %6.1f)\n' $((t / 60)) "$(echo "$rss/1024" | bc -l)" "$(echo "$anon/1024" | bc -l)" "$(echo "$file/1024" | bc -l)"
      first="${first:-$rss}" last="$rss" firstanon="${firstanon:-$anon}" lastanon="$anon"
    fi
  done
  wait "$pid" || true
  if [ -n "$first" ]; then
    awk -v a="$first" -v b="$last" 'BEGIN { printf "  RSS from the first minute to the last: %.1f to %.1f MiB (%+.1f%%)\n", a / 1024, b / 1024, 100 * (b - a) / a }'
    awk -v a="$firstanon" -v b="$lastanon" 'BEGIN { printf "  own memory (RssAnon), first minute to last: %.1f to %.1f MiB (%+.1f%%)\n", a / 1024, b / 1024, 100 * (b - a) / a }'
  fi
  printf '  peak RSS %.1f MiB; %s requests\n' "$(echo "$hwm/1024" | bc -l)" "$(jq -r .summary.requests "$work/r.json" 2>/dev/null || echo '?')"
}

heap() {
  echo "== the recorder's live heap (go test -bench RecorderHeap), load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-34s %14s %12s %16s\n' case "while recording" "a key" "with results"
  go test -run '^$' -bench RecorderHeap -benchtime 1x ./loadgen | awk '/^BenchmarkRecorderHeap\// {
    name = $1; sub(/^BenchmarkRecorderHeap\//, "", name); sub(/-[0-9]+$/, "", name)
    for (i = 3; i < NF; i += 2) v[$(i + 1)] = $i
    printf "%-34s %10.2f MiB %10.0f B %12.2f MiB\n", name, v["run-peak-MiB"], v["run-B/key"], v["with-results-MiB"] }'
}

keys() {
  start_target
  local steps=("$@")
  [ ${#steps[@]} -gt 0 ] || steps=(1 100 2000)
  for n in "${steps[@]}"; do
    echo "== one visitor a second walking $n steps for 60s, load $(cut -d' ' -f1-3 /proc/loadavg)"
    scenario "$n" 1 60
    run_sampled
  done
}

timeline() {
  start_target
  local minutes="${1:-2}" rate="${2:-1000}"
  echo "== a 10-step journey, $rate requests a second for $minutes minutes, load $(cut -d' ' -f1-3 /proc/loadavg)"
  scenario 10 $((rate / 10)) $((minutes * 60))
  run_sampled
}

case "$mode" in
  all) heap; keys 1 100 2000; timeline 2 ;;
  keys) keys "$@" ;;
  timeline) timeline "$@" ;;
  heap) heap ;;
  *) sed -n '2,20p' "$0"; exit 2 ;;
esac
