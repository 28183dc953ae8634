// Package report judges a run and renders what it found. NewDocument
// decodes what a Results records of its scenario once (the plan tested,
// the campaign's expected plan, the SLO rules) and judges the run: a
// Judgement of GO, NO-GO, or INCONCLUSIVE when the run cannot prove
// either, with one Finding per rule that keeps the scenario.Rule itself
// and its Unit and Basis as typed values. Rules may be scoped to a
// journey, a step or a phase, and judged in every window of a length
// ("p95 < 300ms for 1m"). Renderers write a Document to an io.Writer as
// terminal tables, the JSON results file, JUnit XML, Markdown or a
// self-contained HTML page; Compare sets a run against a baseline and has
// renderers of its own. Renderers are pure and deterministic, reading no
// clock and no environment, so a results file renders the same, byte for
// byte, whenever it is rendered.
//
// Homes: document.go holds Document and the jq Summary; verdict.go,
// measure.go, health.go (the generator's health), attribution.go (whose
// fault a failed rule is), distortion.go (the generator's delays a
// service time may hold) and errorscope.go (failures outside every
// error_rate rule) the judgement; json.go the results file's envelope, the only
// place findings become text (the measurements inside are loadgen's
// encoding, and loadgen.SchemaVersion versions both); series.go and
// chart.go the HTML charts.
//
// WritePlan, WritePlanJSON and PlanLine render a scenario's traffic plan
// before anything is sent (`liftoff plan`, plan.go and planchart.go), from
// the same numbers the HTML report sets beside what a run achieved
// (trafficplan.go): one trafficPlan, added up from the scenario's plans
// before a run and from the Document's Plan and Expected after it. Every
// formatter for people is in format.go.
//
// report imports loadgen (for Results) and scenario (for plans and rules);
// it never sends traffic.
package report
