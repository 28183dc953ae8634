// Package report judges a run and renders what it found. Evaluate turns
// Results and SLO rules into a Judgement: GO, NO-GO with a finding per
// failed rule, or INCONCLUSIVE when the run cannot prove either; rules may
// be scoped to a journey, a step or a phase, and judged in every window of
// a length ("p95 < 300ms for 1m"). Renderers write a Document (Results
// plus Judgement) to an io.Writer as terminal tables, the JSON results
// file, JUnit XML, Markdown or a self-contained HTML page; Compare sets a
// run against a baseline and has renderers of its own. Renderers are pure
// and deterministic, reading no clock and no environment, so a results
// file renders the same, byte for byte, whenever it is rendered.
//
// WritePlan, WritePlanJSON and PlanLine render a scenario's traffic plan
// before anything is sent (`liftoff plan`), from the same numbers the
// HTML report sets beside what a run achieved (trafficplan.go). Every
// formatter for people is in format.go.
//
// report imports loadgen (for Results) and scenario (for rules and
// plans); it never sends traffic.
package report
