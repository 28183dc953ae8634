// Package loadgen drives a target with a scenario's plan and measures it
// honestly. When visitors arrive is separate from what they do: Schedule
// (schedule.go) turns the plan's rate curve into intended arrival times;
// the dispatcher (dispatch.go) waits for each one and hands it to a visitor
// goroutine, or counts it as missed, and starts the closed model's looping
// visitors; a visitor (visitor.go) runs the journey over HTTP. Every
// request's latency is measured from its intended time, so a stalled
// target cannot hide its stall (coordinated omission), and latency holds
// the successful requests (failures are timed apart, per class). The
// generator also measures itself: its lag behind the schedule, the
// arrivals it could not start, and what lag does not show (signals.go: its
// own delay, scheduling latency, CPU and connection setup), which is how
// the verdict tells a slow target from a slow generator. The live counts
// have one owner, counters (counters.go); visits count where they arrived
// (ledger.go); connections are opened and timed by one dialer (dial.go);
// requests in flight at an interrupt's halt are cut off (flight.go).
//
// Memory does not grow with run length: HDR histograms per key and a
// timeline of per-interval histograms that coarsens when it grows long.
// Everything measured ends up in a Results value, which can be encoded,
// decoded and merged; its encoding (encode.go) is the measurements part of
// the results file, and SchemaVersion there versions the whole file.
//
// loadgen imports only scenario. It never prints: progress is an atomic
// snapshot (Generator.Progress) that cmd polls. The entry point is
// New(Config).Run(ctx, scenario).
package loadgen
