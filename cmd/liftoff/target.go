package main

import (
	"fmt"

	"github.com/liftoff/liftoff/scenario"
	"github.com/liftoff/liftoff/simtarget"
)

// simConfig reads the simulated shop's parameters from a scenario's target.
// A bad spec is a scenario problem at the target's line.
func simConfig(sc *scenario.Scenario) (simtarget.Config, error) {
	cfg, err := simtarget.ParseSpec(sc.Target.Sim)
	if err != nil {
		path := "target"
		if sc.Overrides != nil && sc.Overrides.Target != "" {
			path = scenario.FlagTarget
		}
		return cfg, &scenario.Error{File: sc.File, Line: sc.Target.Line, Path: path, Msg: err.Error(),
			Hint: "see 'The simulated shop' in the README for its parameters"}
	}
	return cfg, nil
}

// startTarget starts the built-in simulated shop when the scenario asks for
// it and returns the scenario pointed at it, with a function that stops it.
// A real target is returned as it is.
func startTarget(sc *scenario.Scenario) (*scenario.Scenario, func(), error) {
	if !sc.Target.IsSim() {
		return sc, func() {}, nil
	}
	cfg, err := simConfig(sc)
	if err != nil {
		return nil, nil, err
	}
	srv, err := simtarget.Start(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("start the simulated shop: %w", err)
	}
	pointed := *sc
	pointed.Target.URL = srv.URL()
	return &pointed, srv.Close, nil
}
