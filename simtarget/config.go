package simtarget

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Defaults that a zero Config field stands for.
const (
	// DefaultWorkers is the number of requests in service at once.
	DefaultWorkers = 64
	// DefaultService is the median service time of one request.
	DefaultService = 5 * time.Millisecond
	// DefaultSpread is the lognormal sigma of the service time.
	DefaultSpread = 0.5
)

// defaultSeed stands for Seed 0, so an unseeded shop is still deterministic.
const defaultSeed = 0x5eed_5eed

// Limits that keep a Config (and so a spec) from asking for absurd
// resources: every in-flight request is a goroutine, and the clamp on
// service time multiplies Service by 20.
const (
	maxWorkers = 100_000
	maxQueue   = 1_000_000
	maxSpread  = 4.0
	maxService = time.Minute
)

// Config holds the knobs of a simulated shop. The zero value of every field
// means its default, so Config{} is a healthy shop with about 11,300
// requests/s of capacity. Where "none" must be expressible (no queue,
// constant service time), a negative value says so. Config is a value:
// New copies it, so the knobs are fixed once the Server exists.
type Config struct {
	// Workers is how many requests are in service at once; 0 means
	// DefaultWorkers.
	Workers int
	// Service is the median service time; 0 means DefaultService.
	Service time.Duration
	// Spread is the lognormal sigma of the service time; 0 means
	// DefaultSpread, and a negative value means every request takes
	// exactly Service.
	Spread float64
	// Queue is how many requests may wait for a worker; a request beyond
	// Workers+Queue is answered 503 at once. 0 means 4×Workers, and a
	// negative value means no queue at all.
	Queue int
	// ErrorRate is the share (0..1) of served requests answered 500 after
	// their service time.
	ErrorRate float64
	// StallEvery and StallFor freeze the shop for StallFor at StallEvery,
	// 2×StallEvery, … after Start: no request finishes service during a
	// freeze. Both are zero (no stalls) or both positive with StallFor <
	// StallEvery.
	StallEvery time.Duration
	StallFor   time.Duration
	// Seed makes service times and injected errors deterministic; 0 means
	// a fixed default seed.
	Seed uint64
	// TLS serves HTTPS with a self-signed certificate (see
	// Server.RootCAs) instead of plain HTTP.
	TLS bool
}

// withDefaults returns a copy of c with zero fields replaced by their
// defaults. It keeps negative Queue and Spread as they are, so applying it
// twice changes nothing.
func (c Config) withDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Service == 0 {
		c.Service = DefaultService
	}
	if c.Spread == 0 {
		c.Spread = DefaultSpread
	}
	if c.Queue == 0 {
		c.Queue = 4 * c.Workers
	}
	if c.Seed == 0 {
		c.Seed = defaultSeed
	}
	return c
}

// slots is how many requests the shop holds at once: in service plus
// waiting. It expects a Config with defaults applied.
func (c Config) slots() int64 {
	return int64(c.Workers) + int64(max(c.Queue, 0))
}

// validate reports the first field of c that New cannot serve. Any
// negative Queue or Spread is valid: it means none.
func (c Config) validate() error {
	switch {
	case c.Workers < 0 || c.Workers > maxWorkers:
		return fmt.Errorf("workers %d: want 0 (default) to %d", c.Workers, maxWorkers)
	case c.Service < 0 || c.Service > maxService:
		return fmt.Errorf("service %s: want 0 (default) to %s", c.Service, maxService)
	case math.IsNaN(c.Spread) || c.Spread > maxSpread:
		return fmt.Errorf("spread %g: want at most %g (negative means constant)", c.Spread, maxSpread)
	case c.Queue > maxQueue:
		return fmt.Errorf("queue %d: want at most %d", c.Queue, maxQueue)
	case !(c.ErrorRate >= 0 && c.ErrorRate <= 1):
		return fmt.Errorf("error rate %g: want 0 to 1", c.ErrorRate)
	case c.StallEvery < 0 || c.StallFor < 0 || (c.StallEvery > 0) != (c.StallFor > 0):
		return fmt.Errorf("stall %s every %s: want both zero or both positive", c.StallFor, c.StallEvery)
	case c.StallFor >= c.StallEvery && c.StallEvery > 0:
		return fmt.Errorf("stall %s every %s: want the freeze shorter than its period", c.StallFor, c.StallEvery)
	}
	return nil
}

// MeanService is the mean service time: Service for a constant service
// time, Service·exp(Spread²/2) for a lognormal one (the clamp to
// [Service/10, Service×20] is ignored; it moves the mean by well under 1%
// for Spread up to 1).
func (c Config) MeanService() time.Duration {
	return time.Duration(c.meanSeconds() * float64(time.Second))
}

func (c Config) meanSeconds() float64 {
	c = c.withDefaults()
	mean := c.Service.Seconds()
	if c.Spread > 0 {
		mean *= math.Exp(c.Spread * c.Spread / 2)
	}
	return mean
}

// Capacity is how many requests per second the shop serves when saturated:
// Workers / MeanService. Offered more than that, its queue fills, latency
// rises, and then it answers 503.
func (c Config) Capacity() float64 {
	return float64(c.withDefaults().Workers) / c.meanSeconds()
}

// String returns the canonical spec of c: "sim:shop" followed by its
// non-default knobs in alphabetical order. ParseSpec(c.String()) gives c
// back for every Config that ParseSpec can produce.
func (c Config) String() string {
	var params []string
	if c.ErrorRate != 0 {
		params = append(params, "errors="+formatShare(c.ErrorRate))
	}
	if c.Queue != 0 {
		// A spec says "none" with 0 because it has no default to protect.
		params = append(params, "queue="+strconv.Itoa(max(c.Queue, 0)))
	}
	if c.Seed != 0 {
		params = append(params, "seed="+strconv.FormatUint(c.Seed, 10))
	}
	if c.Service != 0 {
		params = append(params, "service="+c.Service.String())
	}
	if c.Spread != 0 {
		params = append(params, "spread="+strconv.FormatFloat(max(c.Spread, 0), 'g', -1, 64))
	}
	if c.StallEvery != 0 || c.StallFor != 0 {
		params = append(params, "stall="+c.StallFor.String()+"/"+c.StallEvery.String())
	}
	if c.TLS {
		params = append(params, "tls=1")
	}
	if c.Workers != 0 {
		params = append(params, "workers="+strconv.Itoa(c.Workers))
	}
	if len(params) == 0 {
		return specPrefix + shopName
	}
	return specPrefix + shopName + "?" + strings.Join(params, "&")
}

// formatShare writes a 0..1 share as the shortest percentage that reads
// back exactly ("7%", not the "7.000000000000001%" that 0.07×100 prints),
// or as a plain ratio if no percentage does.
func formatShare(v float64) string {
	for digits := 1; digits <= 17; digits++ {
		rounded, _ := strconv.ParseFloat(strconv.FormatFloat(v*100, 'g', digits, 64), 64)
		pct := strconv.FormatFloat(rounded, 'g', -1, 64) + "%"
		if back, err := parseShare(pct); err == nil && back == v {
			return pct
		}
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
