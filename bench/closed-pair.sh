#!/usr/bin/env bash
# Two liftoff binaries in the closed model AT THE SAME TIME, both pinned to
# CPU 0, against one nginx on the other CPU: which one spends less CPU per
# request? On this VM the speed of one core drifts by ±15% within seconds
# (two runs of one binary, back to back, differ by as much as most changes
# move it), and a process that runs flat out spends all of its run's CPU
# whatever the speed, so its CPU per request is only 1/throughput and
# drifts with it. Run side by side on one core, the two share every drift:
# the kernel gives each half of it, and each one's CPU ÷ its requests is
# its cost per request under the same conditions. Their ratio is what this
# script reports, per round and as the median over rounds.
#
#   bench/closed-pair.sh OLD NEW [rounds] [seconds]
#
# Each round runs bench/max-throughput.yaml (50 looping visitors, a kept-
# alive connection each) with OLD and NEW together (NEW started first
# every other round) and prints each one's requests/s, CPU seconds and CPU
# µs per request (user+system, GNU time), and NEW's µs/request over OLD's.
# Two processes on one core switch between them and batch more answers
# per wake-up than one alone, so the absolute µs/request is not a solo
# run's (bench/peers.sh gives those, with wrk's); the ratio is the
# A/B. Run OLD against a copy of itself first to see the ratio's spread.
# Needs nginx, jq and GNU time; sends traffic to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,24p' "$0"; exit 2; }
old="$(realpath "$1")" new="$(realpath "$2")" rounds="${3:-10}" secs="${4:-5}"
port="${BENCH_PORT:-18095}"
work="$(mktemp -d)"
trap 'nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; rm -rf "$work"' EXIT
PATH="$PATH:/usr/sbin"
for cmd in nginx jq /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "closed-pair.sh: $cmd is missing" >&2; exit 1; }
done

. bench/nginx.sh
start_nginx "$port" "$work"
export BENCH_TARGET="http://127.0.0.1:$port" BENCH_DURATION="${secs}s"

run() { # NAME BINARY: one pinned run in the background
  /usr/bin/time -f '%U %S' -o "$work/$1.time" "${pin[@]}" "$2" run bench/max-throughput.yaml \
    --progress none --json "$work/$1.json" >/dev/null 2>&1 &
}
stat() { # NAME: requests/s, CPU seconds and µs per request of a finished run
  tail -1 "$work/$1.time" | awk -v n="$(jq .summary.requests "$work/$1.json")" -v rate="$(jq .summary.achieved_rate "$work/$1.json")" \
    '{cpu = $1 + $2; printf "%.0f %.2f %.3f", rate, cpu, cpu * 1e6 / n}'
}

echo "closed-pair.sh: $rounds rounds of ${secs}s, OLD and NEW side by side on CPU 0; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %9s %7s %8s   %9s %7s %8s   %9s\n' round old-req/s cpu us/req new-req/s cpu us/req new/old
for round in $(seq "$rounds"); do
  if [ $((round % 2)) = 0 ]; then
    run new "$new"; run old "$old"
  else
    run old "$old"; run new "$new"
  fi
  wait
  read -r orate ocpu ous <<<"$(stat old)"
  read -r nrate ncpu nus <<<"$(stat new)"
  printf '%-5s %9s %6ss %8s   %9s %6ss %8s   %9.4f\n' "$round" "$orate" "$ocpu" "$ous" "$nrate" "$ncpu" "$nus" \
    "$(awk -v a="$nus" -v b="$ous" 'BEGIN {print a / b}')" | tee -a "$work/runs"
  sleep 1 # the last runs' sockets close
done
echo
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf 'median us/req: old %s, new %s; new/old %s (min %s, max %s)\n' \
  "$(awk '{print $4}' "$work/runs" | median)" "$(awk '{print $7}' "$work/runs" | median)" \
  "$(awk '{print $8}' "$work/runs" | median)" "$(awk '{print $8}' "$work/runs" | sort -g | head -1)" "$(awk '{print $8}' "$work/runs" | sort -g | tail -1)"
