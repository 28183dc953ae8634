package scenario

import (
	"time"
)

// Scenario is one parsed, validated campaign test. It is plain data: nothing
// in it does I/O, and nothing writes back to it after Parse returns.
type Scenario struct {
	Name     string
	File     string // the file it came from, as named by the caller
	Target   Target
	Defaults Defaults
	Traffic  Traffic
	Journeys []Journey
	SLO      []Rule
	// Abort are the conditions that stop the run early to protect the
	// target (abort.go): each trips when its metric, over its window,
	// compares true with its limit, as written ("error_rate > 50% for 30s").
	Abort []Rule

	// Plan is the traffic to send over time: Expected after
	// traffic.window and traffic.load_factor.
	Plan Plan
	// Expected is the traffic the campaign, or the phases as written,
	// expect, in campaign time.
	Expected Plan
	// WindowStart is where Plan's time 0 falls in Expected's time: the
	// start of the busiest stretch for a peak window, 0 otherwise. With a
	// compressed window, Expected's time runs
	// Expected.Duration()/Plan.Duration() times faster than Plan's.
	WindowStart time.Duration

	// Secrets are the values that came from ${VAR} references, sensitive
	// headers and the target URL's user:password. Every renderer redacts
	// them; they are never written out.
	Secrets []string

	// Smoke marks a smoke test (Overrides.Smoke): one visitor per
	// journey and no planned traffic, so Plan is empty.
	Smoke bool
	// Overrides records what the command line changed; nil when nothing.
	Overrides *OverrideRecord

	// Warnings are things the scenario does that its author may not
	// expect, each at its place in the file; the scenario is valid all
	// the same. In a dry run (Options.DryRun) they include the ${VAR}
	// references left unset in values requests send, one per variable.
	Warnings []*Error
}

// Target is what the test sends traffic to: a base URL, or the built-in
// simulated shop.
type Target struct {
	URL  string // http:// or https:// base URL; for a sim target, filled in by the caller once the shop listens
	Sim  string // "sim:shop?..." spec; empty for a real target
	Line int    // where the scenario names the target, for messages about it
}

// IsSim reports whether the target is the built-in simulated shop.
func (t Target) IsSim() bool { return t.Sim != "" }

// Defaults apply to every step unless the step overrides them.
type Defaults struct {
	Headers    []Header
	Timeout    time.Duration // per request; DefaultTimeout when not set
	Think      Think         // pause after each step unless the step sets its own; none by default
	HTTP       HTTPVersion
	Connection ConnectionMode
	MaxBody    int64 // the most of a response body a step's checks and captures read; DefaultMaxBody when not set
	TLS        TLS
}

// TLS holds how the generator treats the target's certificates.
type TLS struct {
	// Insecure skips certificate verification, for staging sites with
	// self-signed certificates. Every report says so: a run that trusts
	// any certificate has not tested the site's real TLS setup.
	Insecure bool
}

// ConnectionMode says whose connections a request travels on.
type ConnectionMode string

// Connection modes.
const (
	// VisitorConnections gives each visitor its own connections, opened on
	// its first request, reused for its later ones, and closed when the
	// visit ends, as a browser does. A campaign's new visitors each pay
	// for their TCP and TLS handshakes, so this is the default.
	VisitorConnections ConnectionMode = "visitor"
	// SharedConnections pools connections across all visitors, as an API
	// client or a service behind a gateway does.
	SharedConnections ConnectionMode = "shared"
)

// DefaultTimeout bounds a request when the scenario sets no timeout.
const DefaultTimeout = 10 * time.Second

// HTTPVersion selects the protocol the generator speaks to the target.
type HTTPVersion string

// HTTP versions. HTTP1 is the default: it is what a visitor's browser falls
// back to everywhere, and the generator's fastest path. HTTP2 uses TLS ALPN
// for https targets and prior-knowledge h2c for http targets.
const (
	HTTP1 HTTPVersion = "1.1"
	HTTP2 HTTPVersion = "2"
)

// Header is one request header. Secret headers (from ${VAR}, or named
// Authorization, Cookie, or similar) are redacted wherever they are shown.
type Header struct {
	Name   string
	Value  string
	Secret bool
}

// Traffic says how visitors arrive.
type Traffic struct {
	Phases         []Phase    // explicit phases as written; empty for a campaign
	Campaign       *Campaign  // the marketing numbers; nil for explicit phases
	LoadFactor     LoadFactor // rates are tested at this multiple of the expected
	Window         Window     // the part of the expected traffic that is tested
	Arrivals       Arrivals
	MaxConcurrency int    // visitors in flight at once; DefaultMaxConcurrency when not set
	Seed           uint64 // seeds Poisson arrivals and journey picks; a fixed seed repeats a run's schedule
}

// DefaultMaxConcurrency caps visitors in flight when the scenario sets no
// max_concurrency. Arrivals beyond it are counted as missed, never queued.
const DefaultMaxConcurrency = 5000

// Arrivals is how intended arrival times are spread within the rate curve.
type Arrivals string

// Arrival processes.
const (
	// Poisson arrivals have exponential gaps, as independent real visitors
	// do. It is the default.
	Poisson Arrivals = "poisson"
	// Uniform arrivals are evenly spaced; useful to isolate the target's
	// behaviour from arrival bursts.
	Uniform Arrivals = "uniform"
)
