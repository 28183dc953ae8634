package har

import (
	"fmt"
	"strconv"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// Starter is the traffic an imported scenario starts with: a first,
// gentle run that shows whether the replay works at all. Its rate comes
// from the journey's length, because every visitor replays every step:
// one visitor a second of a 100-step recording is 100 requests a second,
// which is no first run. The scenario's comment and the import's message
// both say what it adds up to.
type Starter struct {
	PerMinute int           // visitors a minute
	Duration  time.Duration // how long the run lasts
	Steps     int           // requests a visitor sends
}

// Aims of the starter traffic: about five requests a second, which no
// site notices, and at least ten visitors, so a first run shows more than
// one visit; both in round numbers.
const (
	starterRequestsPerMinute = 300
	starterVisitors          = 10
)

// starterRates are the visitor rates a starter can take, a minute,
// highest first: divisors of a minute, so they read as round numbers.
var starterRates = []int{60, 30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1}

// starterFor derives the starter traffic for a journey of steps requests.
func starterFor(steps int) Starter {
	s := Starter{PerMinute: 1, Steps: steps}
	for _, per := range starterRates {
		if per*steps <= starterRequestsPerMinute {
			s.PerMinute = per
			break
		}
	}
	minutes := (starterVisitors + s.PerMinute - 1) / s.PerMinute
	s.Duration = time.Duration(minutes) * time.Minute
	return s
}

// Rate is the visitor rate as a scenario writes it.
func (s Starter) Rate() string {
	if s.PerMinute == 60 {
		return "1/s"
	}
	return strconv.Itoa(s.PerMinute) + "/min"
}

// RequestsPerSecond is the request rate the starter sends on average.
func (s Starter) RequestsPerSecond() float64 {
	return float64(s.PerMinute*s.Steps) / 60
}

// String says what the starter traffic adds up to, in words.
func (s Starter) String() string {
	visitors := fmt.Sprintf("%d visitors a minute", s.PerMinute)
	switch s.PerMinute {
	case 1:
		visitors = "1 visitor a minute"
	case 60:
		visitors = "1 visitor a second"
	}
	steps := fmt.Sprintf("the recording's %d steps", s.Steps)
	if s.Steps == 1 {
		steps = "the recording's 1 step"
	}
	rps := roundTenth(s.RequestsPerSecond())
	requests := "requests"
	if rps == 1 {
		requests = "request"
	}
	return fmt.Sprintf("%s for %s, each replaying %s: about %s %s a second",
		visitors, scenario.FormatDuration(s.Duration), steps, strconv.FormatFloat(rps, 'f', -1, 64), requests)
}

func roundTenth(v float64) float64 {
	return float64(int64(v*10+0.5)) / 10
}
