package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/liftoff/liftoff/loadgen"
	"github.com/liftoff/liftoff/loadgen/stream"
	"github.com/liftoff/liftoff/scenario"
)

// streamOptions are run's --out flags: where to stream each interval
// while the run goes (loadgen/stream), besides the files written at the
// end.
type streamOptions struct {
	outs []string // KIND=WHERE, as given
}

// The kinds --out takes.
const (
	streamOTLP  = "otlp"
	streamJSONL = "jsonl"
)

// streamFlush bounds how long a run waits, after it ends, for its
// streams to deliver what they still hold.
const streamFlush = 10 * time.Second

func addStreamFlags(cmd *cobra.Command, o *streamOptions) {
	cmd.Flags().StringArrayVar(&o.outs, "out", nil, "stream each interval's metrics as the run goes to `KIND=WHERE`: otlp=URL (an OpenTelemetry collector's OTLP/HTTP endpoint) or jsonl=FILE (one JSON line per interval); repeatable")
}

// streamSpec is one --out.
type streamSpec struct {
	kind, where string
}

func (s streamSpec) String() string { return "--out " + s.kind + "=" + s.where }

// specs reads the --out flags; a mistake is a usage error (exit 2) before
// anything is sent.
func (o streamOptions) specs() ([]streamSpec, error) {
	var out []streamSpec
	for _, raw := range o.outs {
		kind, where, ok := strings.Cut(raw, "=")
		switch {
		case !ok || where == "":
			return nil, usagef("--out %s: write otlp=URL or jsonl=FILE", raw)
		case kind == streamOTLP:
			if err := stream.CheckOTLPURL(where); err != nil {
				return nil, usagef("--out %s: %v", raw, err)
			}
		case kind == streamJSONL:
		default:
			return nil, usagef("--out %s: unknown kind %q; use otlp=URL or jsonl=FILE", raw, kind)
		}
		out = append(out, streamSpec{kind: kind, where: where})
	}
	return out, nil
}

// files are the JSONL files the streams write, so the run's pre-flight
// checks them with its other outputs (writable, not a directory, not the
// same file as another output or the scenario).
func (o streamOptions) files() []namedPath {
	specs, _ := o.specs() // validate has refused bad specs already
	var out []namedPath
	for _, s := range specs {
		if s.kind == streamJSONL {
			out = append(out, namedPath{"--out jsonl", s.where})
		}
	}
	return out
}

// streams are a run's open sinks, in the order of their --out flags.
type streams struct {
	specs []streamSpec
	s     *stream.Stream
}

// openStreams opens every --out before the run starts: a JSONL file that
// cannot be created stops the run (exit 4) before anything is sent. It
// returns nil when there is none.
func openStreams(e *env, o streamOptions, sc *scenario.Scenario) (*streams, error) {
	specs, err := o.specs()
	if err != nil || len(specs) == 0 {
		return nil, err
	}
	var sinks []stream.Sink
	fail := func(err error) (*streams, error) {
		for _, s := range sinks {
			s.Close(context.Background())
		}
		return nil, err
	}
	for _, spec := range specs {
		switch spec.kind {
		case streamJSONL:
			sink, err := stream.NewJSONL(spec.where)
			if err != nil {
				return fail(err)
			}
			sinks = append(sinks, sink)
		case streamOTLP:
			delta, err := stream.Temporality(e.Getenv)
			if err != nil {
				return fail(usagef("%s: %v", spec, err))
			}
			sink, err := stream.NewOTLP(stream.OTLPConfig{URL: spec.where, Version: version(), Scenario: sc.Redact(sc.Name), Target: sc.TargetName(), Delta: delta})
			if err != nil {
				return fail(err)
			}
			sinks = append(sinks, sink)
		}
	}
	return &streams{specs: specs, s: stream.New(stream.DefaultQueue, sinks...)}, nil
}

// onInterval is the hook loadgen calls per interval; nil without streams,
// so the collector builds no Ticks.
func (s *streams) onInterval() func(loadgen.Tick) {
	if s == nil {
		return nil
	}
	return s.s.Tick
}

// close lets the streams deliver what they hold, within streamFlush, and
// says what each delivered. A stream that lost intervals is a warning;
// it is a failed output (exit 4) when it delivered none of them, or when
// it is a file, where a gap would mislead whatever reads it.
func (s *streams) close(w io.Writer) error {
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), streamFlush)
	defer cancel()
	var errs []error
	for i, r := range s.s.Close(ctx) {
		switch {
		case r.Lost() == 0 && r.Err == nil:
			fmt.Fprintln(w, r)
		case s.specs[i].kind == streamJSONL || r.Sent == 0:
			errs = append(errs, fmt.Errorf("%s: %s", s.specs[i], r))
		default:
			fmt.Fprintf(w, "warning: %s\n", r)
		}
	}
	return errors.Join(errs...)
}
