#!/bin/sh
# Runs a scenario as a distributed liftoff run on Kubernetes and merges
# the segments' results:
#
#   examples/kubernetes/run.sh launch.yaml [LEAD]
#
# LEAD is how long before the common start the Job is applied (default
# 120 seconds): time for every pod to be scheduled and pull the image.
# It needs kubectl pointed at the cluster and liftoff on this machine; it
# writes seg-I.json for each segment and all.json, all.html, all.xml and
# all.md merged, and exits with the merged verdict (0 GO, 1 NO-GO,
# 3 INCONCLUSIVE).
set -eu

scenario=${1:?usage: run.sh SCENARIO [LEAD_SECONDS]}
lead=${2:-120}
here=$(dirname "$0")
segments=$(sed -n 's/^  completions: *\([0-9][0-9]*\).*/\1/p' "$here/job.yaml")

# The common start, in UTC (GNU date, then BSD date).
start_at=$(date -u -d "+${lead} seconds" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
	date -u -v "+${lead}S" +%Y-%m-%dT%H:%M:%SZ)

kubectl delete job liftoff --ignore-not-found --wait
kubectl create configmap liftoff-scenario --from-file=launch.yaml="$scenario" --dry-run=client -o yaml | kubectl apply -f -
kubectl create configmap liftoff-run --from-literal=start-at="$start_at" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f "$here/job.yaml"
echo "$segments segments start at $start_at"

# Wait until the Job completes (every segment printed its results) or
# fails (the merge below names the segments missing).
while :; do
	state=$(kubectl get job liftoff -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
	case "$state" in *Complete* | *Failed*) break ;; esac
	sleep 5
done

i=0
files=""
while [ "$i" -lt "$segments" ]; do
	pod=$(kubectl get pods -l "job-name=liftoff,batch.kubernetes.io/job-completion-index=$i" \
		--field-selector=status.phase=Succeeded -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)
	if [ -n "$pod" ]; then
		kubectl logs "$pod" -c results | base64 -d | gunzip >"seg-$i.json"
		files="$files seg-$i.json"
	else
		echo "segment $i/$segments has no results" >&2
	fi
	i=$((i + 1))
done

# shellcheck disable=SC2086 # one word per file
exec liftoff merge $files --json all.json --html all.html --junit all.xml --markdown all.md
