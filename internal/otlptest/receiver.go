// Package otlptest is a real OTLP/HTTP metrics receiver for tests: an
// httptest server on loopback that decodes each export with the
// official protobuf types (go.opentelemetry.io/proto/otlp), as a
// collector does, and keeps what it received. Only tests import it.
package otlptest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/otlp/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// Receiver is an OTLP/HTTP metrics endpoint. URL is its base URL; exports
// go to URL + "/v1/metrics".
type Receiver struct {
	URL string

	mu      sync.Mutex
	exports []*colmetrics.ExportMetricsServiceRequest
	status  int
}

// Start serves a receiver until the test ends.
func Start(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{status: http.StatusOK}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/metrics" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want a POST of application/x-protobuf to /v1/metrics", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	export := &colmetrics.ExportMetricsServiceRequest{}
	if err := proto.Unmarshal(body, export); err != nil {
		http.Error(w, "not an ExportMetricsServiceRequest: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	status := r.status
	if status == http.StatusOK {
		r.exports = append(r.exports, export)
	}
	r.mu.Unlock()
	if status != http.StatusOK {
		http.Error(w, "refused by the test", status)
		return
	}
	resp, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{}) // an empty message always marshals
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(resp)
}

// Refuse makes the receiver answer every later export with status.
func (r *Receiver) Refuse(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// Exports are the exports received so far, in order.
func (r *Receiver) Exports() []*colmetrics.ExportMetricsServiceRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*colmetrics.ExportMetricsServiceRequest(nil), r.exports...)
}

// Metric finds the metric named name in an export, or nil.
func Metric(export *colmetrics.ExportMetricsServiceRequest, name string) *metricspb.Metric {
	for _, rm := range export.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() == name {
					return m
				}
			}
		}
	}
	return nil
}

// SumOf adds up the integer points of the sum metric named name in an
// export; 0 when it has none.
func SumOf(export *colmetrics.ExportMetricsServiceRequest, name string) int64 {
	var total int64
	for _, p := range Metric(export, name).GetSum().GetDataPoints() {
		total += p.GetAsInt()
	}
	return total
}

// Attr is the string value of attribute key, or "".
func Attr(attrs []*commonpb.KeyValue, key string) string {
	for _, kv := range attrs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}
