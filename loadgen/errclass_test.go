package loadgen

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/valyala/fasthttp"
)

// TestGeneratorResourceErrorsAreTheGenerators classifies the errors a
// generator's own machine returns when it runs out of local ports or file
// descriptors: the target never saw those requests, so they are the
// generator's, never the target's. The local-port error is real: the
// kernel refuses to bind a connection to an address this host does not
// have, with the same EADDRNOTAVAIL it returns when no ephemeral port is
// left.
func TestGeneratorResourceErrorsAreTheGenerators(t *testing.T) {
	t.Parallel()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("192.0.2.1")}} // TEST-NET-1: never a local address
	_, bindErr := d.DialContext(context.Background(), "tcp", "127.0.0.1:1")
	if !errors.Is(bindErr, syscall.EADDRNOTAVAIL) {
		t.Skipf("this kernel answered %v, not EADDRNOTAVAIL", bindErr)
	}
	tests := []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"no local address or port", bindErr, ClassGenerator},
		{"no file descriptor", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.EMFILE)}, ClassGenerator},
		{"no file descriptor system-wide", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("socket", syscall.ENFILE)}, ClassGenerator},
		{"refused is the target's", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, ClassRefused},
		{"a timeout is the target's", fasthttp.ErrTimeout, ClassTimeout},
	}
	for _, tc := range tests {
		if got := classifyError(tc.err); got != tc.want {
			t.Errorf("%s: classifyError(%v) = %s, want %s", tc.name, tc.err, got, tc.want)
		}
		if got := classifyError(tc.err).Generator(); got != (tc.want == ClassGenerator) {
			t.Errorf("%s: Generator() = %v", tc.name, got)
		}
	}
	if !ClassTemplate.Generator() || ClassStatus5xx.Generator() || ClassCutOff.Failed() || !ClassTimeout.Failed() {
		t.Error("template errors are the generator's, 5xx the target's; a cut-off request did not fail, a timeout did")
	}
}
