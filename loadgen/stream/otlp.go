package stream

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/liftoff/liftoff/loadgen"
)

// OTLP exports each interval as OpenTelemetry metrics over OTLP/HTTP
// (protobuf), with the official Go SDK's exporter. It builds the
// metricdata of an interval itself, from the interval's counts and
// histogram buckets, and calls the exporter's Export once per interval:
// nothing is recorded through SDK instruments, so the hot path never
// sees OpenTelemetry. The metrics are in docs/metrics.md.
type OTLP struct {
	endpoint string
	exporter *otlpmetrichttp.Exporter
	resource *resource.Resource
	scope    instrumentation.Scope
	delta    bool
	totals   otlpTotals // the running sums, for cumulative temporality
}

// OTLPConfig says where and how to export.
type OTLPConfig struct {
	// URL is the receiver's OTLP/HTTP endpoint. One without a path gets
	// the standard /v1/metrics, as OTEL_EXPORTER_OTLP_ENDPOINT does.
	URL string
	// Version is liftoff's, for service.version and the scope.
	Version string
	// Scenario and Target name the run in the resource's attributes.
	Scenario, Target string
	// Delta exports sums and histograms per interval (delta temporality)
	// instead of running totals since the run's start (cumulative, the
	// OTLP default, which Prometheus needs).
	Delta bool
	// Timeout bounds one export with its retries; 5s when zero.
	Timeout time.Duration
}

// CheckOTLPURL reports what is wrong with an OTLP/HTTP endpoint URL, so a
// mistyped --out stops the run before anything is sent.
func CheckOTLPURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL", raw)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q is not an http or https URL (e.g. http://localhost:4318, an OpenTelemetry collector's OTLP/HTTP port)", raw)
	case u.Host == "":
		return fmt.Errorf("%q has no host", raw)
	}
	return nil
}

// Temporality reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE as
// the OpenTelemetry specification defines it: delta and lowmemory export
// counters and histograms as deltas, cumulative (the default) as running
// totals. It reports whether to export deltas.
func Temporality(getenv func(string) (string, bool)) (delta bool, err error) {
	v, _ := getenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "cumulative":
		return false, nil
	case "delta", "lowmemory":
		return true, nil
	}
	return false, fmt.Errorf("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=%q: use cumulative, delta or lowmemory", v)
}

// NewOTLP prepares the exporter; nothing is sent until the first
// interval. The exporter also reads the standard OTEL_EXPORTER_OTLP_*
// variables it has no option for here, such as
// OTEL_EXPORTER_OTLP_HEADERS (credentials for a hosted backend),
// OTEL_EXPORTER_OTLP_CERTIFICATE and OTEL_EXPORTER_OTLP_COMPRESSION.
func NewOTLP(cfg OTLPConfig) (*OTLP, error) {
	if err := CheckOTLPURL(cfg.URL); err != nil {
		return nil, err
	}
	endpoint := cfg.URL
	if u, _ := url.Parse(endpoint); u.Path == "" || u.Path == "/" {
		u.Path = "/v1/metrics"
		endpoint = u.String()
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	exp, err := otlpmetrichttp.New(context.Background(),
		otlpmetrichttp.WithEndpointURL(endpoint),
		otlpmetrichttp.WithTimeout(timeout),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: true, InitialInterval: 250 * time.Millisecond, MaxInterval: time.Second, MaxElapsedTime: timeout}),
	)
	if err != nil {
		return nil, fmt.Errorf("otlp %s: %w", cfg.URL, err)
	}
	return &OTLP{
		endpoint: endpoint,
		exporter: exp,
		resource: resource.NewSchemaless(
			attribute.String("service.name", "liftoff"),
			attribute.String("service.version", cfg.Version),
			attribute.String("service.instance.id", instanceID()),
			attribute.String("liftoff.scenario", cfg.Scenario),
			attribute.String("liftoff.target", cfg.Target),
		),
		scope: instrumentation.Scope{Name: "github.com/liftoff/liftoff/loadgen/stream", Version: cfg.Version},
		delta: cfg.Delta,
	}, nil
}

// instanceID tells one run's series from another's: each run is a new
// instance of the service, its cumulative sums starting again from zero.
func instanceID() string {
	b := make([]byte, 8)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func (o *OTLP) String() string { return "otlp " + o.endpoint }

// Send exports t.
func (o *OTLP) Send(ctx context.Context, t loadgen.Tick) error {
	rm := o.metrics(t)
	if err := o.exporter.Export(ctx, &rm); err != nil {
		return err
	}
	return nil
}

// Close shuts the exporter down.
func (o *OTLP) Close(ctx context.Context) error {
	if err := o.exporter.Shutdown(ctx); err != nil {
		return fmt.Errorf("otlp %s: %w", o.endpoint, err)
	}
	return nil
}
