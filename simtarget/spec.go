package simtarget

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	specPrefix = "sim:"
	shopName   = "shop"
)

// knownParams lists the spec parameters in the order error messages show
// them. It is never modified.
var knownParams = []string{"capacity", "errors", "queue", "seed", "service", "spread", "stall", "tls", "workers"}

// ParseSpec parses a simulated target such as "sim:shop" or
// "sim:shop?capacity=300&service=20ms&errors=2%&stall=1s/5s".
//
// The grammar is "sim:shop" optionally followed by "?" and NAME=VALUE pairs
// joined by "&" (values are not URL-escaped, so "errors=2%" is written as
// is). The parameters are:
//
//	capacity=N       requests/s; sets Workers = ceil(N × MeanService); not with workers
//	workers=N        1..100000 requests in service at once (default 64)
//	service=D        median service time, 0 < D ≤ 1m (default 5ms)
//	spread=X         lognormal sigma 0..4 (default 0.5); 0 means constant service
//	queue=N          0..1000000 requests waiting for a worker (default 4×workers); 0 means none
//	errors=P         share answered 500, as 2% or 0.02 (default 0)
//	stall=FOR/EVERY  freeze for FOR every EVERY, 0 < FOR < EVERY, e.g. 1s/5s (default none)
//	seed=N           seed of the service times and injected errors (default fixed)
//	tls=1            serve HTTPS with a self-signed certificate (default 0)
//
// capacity is computed after all other parameters, so its position does not
// matter. Every error names the spec and the parameter, and says what form
// was expected.
func ParseSpec(spec string) (Config, error) {
	c, err := parseSpec(spec)
	if err != nil {
		return Config{}, fmt.Errorf("sim target %q: %w", spec, err)
	}
	return c, nil
}

func parseSpec(spec string) (Config, error) {
	rest, ok := strings.CutPrefix(spec, specPrefix)
	if !ok {
		return Config{}, errors.New("not a sim target (want sim:shop)")
	}
	shop, query, _ := strings.Cut(rest, "?")
	if shop != shopName {
		return Config{}, fmt.Errorf("unknown shop %q (known: %s)", shop, shopName)
	}
	var (
		c        Config
		capacity float64
		capValue string
		seen     = map[string]bool{}
	)
	for pair := range strings.SplitSeq(query, "&") {
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		if !slices.Contains(knownParams, name) {
			return Config{}, fmt.Errorf("unknown parameter %q (known: %s)", name, strings.Join(knownParams, ", "))
		}
		if seen[name] {
			return Config{}, fmt.Errorf("parameter %q given twice", name)
		}
		seen[name] = true
		var err error
		if name == "capacity" {
			capValue = value
			capacity, err = parseCapacity(value)
		} else {
			err = c.setParam(name, value)
		}
		if err != nil {
			return Config{}, fmt.Errorf("%s %q: %w", name, value, err)
		}
	}
	if seen["capacity"] {
		if seen["workers"] {
			return Config{}, errors.New("capacity and workers both set (use one)")
		}
		// The tolerance keeps float noise from adding a worker when
		// capacity × mean is a whole number, as with capacity=200&service=5ms&spread=0.
		workers := math.Ceil(capacity*c.meanSeconds() - 1e-9)
		if workers > maxWorkers {
			return Config{}, fmt.Errorf("capacity %q: needs %.0f workers at a mean service time of %s, more than %d",
				capValue, workers, c.MeanService(), maxWorkers)
		}
		c.Workers = max(int(workers), 1)
	}
	return c, nil
}

// setParam sets the field that spec parameter name stands for. Its errors
// say what form was expected; the caller adds the name and value.
func (c *Config) setParam(name, value string) error {
	switch name {
	case "workers":
		n, err := strconv.Atoi(value)
		if err != nil || n < 1 || n > maxWorkers {
			return fmt.Errorf("want a whole number from 1 to %d, such as 8", maxWorkers)
		}
		c.Workers = n
	case "service":
		d, err := time.ParseDuration(value)
		if err != nil || d <= 0 || d > maxService {
			return fmt.Errorf("want a duration above 0 and at most %s, such as 20ms", maxService)
		}
		c.Service = d
	case "spread":
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || !(x >= 0 && x <= maxSpread) {
			return fmt.Errorf("want a number from 0 to %g, such as 0.5 (0 means constant service)", maxSpread)
		}
		c.Spread = x
		if x == 0 {
			c.Spread = -1
		}
	case "queue":
		n, err := strconv.Atoi(value)
		if err != nil || n < 0 || n > maxQueue {
			return fmt.Errorf("want a whole number from 0 to %d, such as 100 (0 means no queue)", maxQueue)
		}
		c.Queue = n
		if n == 0 {
			c.Queue = -1
		}
	case "errors":
		x, err := parseShare(value)
		if err != nil {
			return err
		}
		c.ErrorRate = x
	case "stall":
		stallFor, every, err := parseStall(value)
		if err != nil {
			return err
		}
		c.StallFor, c.StallEvery = stallFor, every
	case "seed":
		n, err := strconv.ParseUint(value, 10, 64)
		if err != nil {
			return errors.New("want a whole number from 0 to 18446744073709551615, such as 7")
		}
		c.Seed = n
	case "tls":
		switch value {
		case "1":
			c.TLS = true
		case "0":
			c.TLS = false
		default:
			return errors.New("want 1 or 0")
		}
	default:
		// parseSpec checks names against knownParams first; reaching here
		// means the two lists disagree.
		panic("simtarget: parameter " + name + " is in knownParams but has no parser")
	}
	return nil
}

func parseCapacity(value string) (float64, error) {
	x, err := strconv.ParseFloat(value, 64)
	if err != nil || !(x > 0) || math.IsInf(x, 0) {
		return 0, errors.New("want requests per second above 0, such as 300")
	}
	return x, nil
}

// parseShare reads "2%" or "0.02" as 0.02.
func parseShare(value string) (float64, error) {
	num, pct := strings.CutSuffix(value, "%")
	x, err := strconv.ParseFloat(num, 64)
	if pct {
		x /= 100
	}
	if err != nil || !(x >= 0 && x <= 1) {
		return 0, errors.New("want a share from 0% to 100%, such as 2% or 0.02")
	}
	if x == 0 {
		x = 0 // so "-0" parses as 0, not as negative zero
	}
	return x, nil
}

// parseStall reads FOR/EVERY, as in "1s/5s".
func parseStall(value string) (stallFor, every time.Duration, err error) {
	f, e, ok := strings.Cut(value, "/")
	stallFor, errFor := time.ParseDuration(f)
	every, errEvery := time.ParseDuration(e)
	if !ok || errFor != nil || errEvery != nil || stallFor <= 0 || stallFor >= every {
		return 0, 0, errors.New("want FOR/EVERY with 0 < FOR < EVERY, such as 1s/5s")
	}
	return stallFor, every, nil
}
