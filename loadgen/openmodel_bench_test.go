package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/liftoff/liftoff/scenario"
)

// benchServerEnv makes the test binary a plain HTTP server on loopback
// instead of running tests: the open-model benchmark's target runs in a
// process of its own, so the benchmark's CPU time is the generator's alone.
const benchServerEnv = "LIFTOFF_BENCH_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) != "" {
		serveUntilStdinCloses()
		return
	}
	os.Exit(m.Run())
}

// serveUntilStdinCloses answers every request with a short body on
// 127.0.0.1, writes its address on stdout, and exits when its parent
// closes stdin (or dies).
func serveUntilStdinCloses() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	body := []byte("hello from the benchmark's target\n")
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}))
}

// startBenchServer starts the test binary again as the benchmark's target
// and returns its URL; it stops when b ends.
func startBenchServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("benchmark target: %v", err)
	}
	return "http://" + strings.TrimSpace(addr)
}

// BenchmarkOpenModel runs the open model for real, Poisson arrivals at a
// fixed rate against a target in another process on loopback; one op is
// one arrival (one visitor, one GET). ns/op is only the arrival interval;
// what it measures is the generator's cost per arrival: cpu-ns/arrival is
// this process's user+system CPU time ÷ arrivals, and allocs/op its
// allocations per arrival (run set-up included). lag-p99-µs and missed
// say whether it kept up. Compare runs with benchstat; the rate is fixed,
// so a cheaper hot path shows as less CPU, not as more operations.
//
//	go test ./loadgen -run '^$' -bench OpenModel -benchtime 3s
func BenchmarkOpenModel(b *testing.B) {
	target := startBenchServer(b)
	for _, bc := range []struct {
		connection string
		rate       int // arrivals per second
	}{
		{"shared", 10000},
		{"visitor", 2000},
	} {
		b.Run(fmt.Sprintf("%s-%d", bc.connection, bc.rate), func(b *testing.B) {
			length := time.Duration(b.N) * time.Second / time.Duration(bc.rate)
			src := fmt.Sprintf(`name: bench
target: %s
defaults: { connection: %s, timeout: 5s }
traffic:
  arrivals: poisson
  max_concurrency: 5000
  phases: [ { duration: %dus, rate: %d/s } ]
journeys:
  - name: hit
    steps: [ GET / ]
`, target, bc.connection, max(1, length.Microseconds()), bc.rate)
			sc, err := scenario.Parse(strings.NewReader(src), "bench.yaml", scenario.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0, _ := processCPU()
			b.ResetTimer()
			res, err := New(Config{}).Run(context.Background(), sc)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			cpu, _ := processCPU()
			arrivals := max(1, res.Arrivals.Started)
			b.ReportMetric(float64(cpu-cpu0)/float64(arrivals), "cpu-ns/arrival")
			b.ReportMetric(float64(res.Lag.Percentile(99).Microseconds()), "lag-p99-µs")
			b.ReportMetric(float64(res.Arrivals.Missed), "missed")
			if res.Errors > 0 {
				b.Errorf("%d errors: %v", res.Errors, res.Examples)
			}
		})
	}
}
