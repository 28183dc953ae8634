// Package report judges a run and renders what it found. Evaluate turns
// Results and SLO rules into a Judgement: GO, NO-GO with a finding per
// failed rule, or INCONCLUSIVE when the run cannot prove either. Renderers
// write a Document (Results plus Judgement) to an io.Writer as terminal
// tables or JSON; they are pure and deterministic, reading no clock and no
// environment.
//
// report imports loadgen (for Results) and scenario (for rules); it never
// sends traffic.
package report
