package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/valyala/fasthttp"
)

// ErrorClass is the kind of a failed request, a small fixed set so that
// counting is an array index and reports can explain each kind.
type ErrorClass uint8

// Error classes. ClassNone marks a request that succeeded.
const (
	ClassNone      ErrorClass = iota
	ClassRefused              // nothing listened: connection refused
	ClassReset                // the connection broke: reset or closed mid-exchange
	ClassDNS                  // the host name did not resolve
	ClassTLS                  // the TLS handshake or certificate failed
	ClassTimeout              // no complete answer within the timeout
	ClassStatus4xx            // the target answered 4xx
	ClassStatus5xx            // the target answered 5xx
	ClassCheck                // an expectation or capture on the response failed
	ClassTemplate             // the request could not be built (a missing template value)
	ClassProtocol             // the target refused the request at the protocol level (HTTP/2 GOAWAY, REFUSED_STREAM) or broke HTTP/2
	ClassOther                // anything else the transport reported
	ClassGenerator            // the generator ran out of its own resources: local ports, file descriptors
	ClassCutOff               // still waiting for its answer when the run stopped; not a failure
	numClasses
)

var classNames = [numClasses]string{
	ClassNone:      "ok",
	ClassRefused:   "refused",
	ClassReset:     "reset",
	ClassDNS:       "dns",
	ClassTLS:       "tls",
	ClassTimeout:   "timeout",
	ClassStatus4xx: "4xx",
	ClassStatus5xx: "5xx",
	ClassCheck:     "check",
	ClassTemplate:  "template",
	ClassProtocol:  "protocol",
	ClassOther:     "other",
	ClassGenerator: "generator",
	ClassCutOff:    "cut-off",
}

var classDescriptions = [numClasses]string{
	ClassNone:      "succeeded",
	ClassRefused:   "connection refused: nothing accepted connections at the target",
	ClassReset:     "connection reset or closed before a complete answer",
	ClassDNS:       "the target's host name did not resolve",
	ClassTLS:       "TLS handshake or certificate failure",
	ClassTimeout:   "no complete answer within the request timeout",
	ClassStatus4xx: "the target answered with a 4xx status",
	ClassStatus5xx: "the target answered with a 5xx status",
	ClassCheck:     "a response check or capture failed",
	ClassTemplate:  "the request could not be built from its template",
	ClassProtocol:  "the target refused the request at the HTTP/2 level (GOAWAY, REFUSED_STREAM) or broke the protocol",
	ClassOther:     "another transport error",
	ClassGenerator: "the generator ran out of its own resources (local ports or file descriptors); the request never reached the target",
	ClassCutOff:    "still waiting for its answer when the run stopped; counted, with its latency so far, but not as a failure",
}

// String is the class's short name as used in results files and reports.
func (c ErrorClass) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "unknown"
}

// Description explains the class in a sentence fragment for reports.
func (c ErrorClass) Description() string {
	if c < numClasses {
		return classDescriptions[c]
	}
	return ""
}

// Generator reports whether a request of this class failed on the
// generator's side, never on the target's: it could not be built, or the
// generator had no local port or file descriptor left to send it with.
// Such a request never reached the target.
func (c ErrorClass) Generator() bool { return c == ClassTemplate || c == ClassGenerator }

// Failed reports whether a request of this class failed. A request cut
// off by the run's end did not: its answer never came in time to tell.
func (c ErrorClass) Failed() bool { return c != ClassNone && c != ClassCutOff }

// ParseErrorClass reads a class name written by String.
func ParseErrorClass(s string) (ErrorClass, bool) {
	for i, n := range classNames {
		if n == s {
			return ErrorClass(i), true
		}
	}
	return 0, false
}

// ErrorClasses lists every failure class in report order.
func ErrorClasses() []ErrorClass {
	out := make([]ErrorClass, 0, numClasses-1)
	for c := ClassRefused; c < numClasses; c++ {
		out = append(out, c)
	}
	return out
}

// classifyStatus maps an HTTP status to its class.
func classifyStatus(status int) ErrorClass {
	switch {
	case status >= 500:
		return ClassStatus5xx
	case status >= 400:
		return ClassStatus4xx
	}
	return ClassNone
}

// classifyError maps a transport error to its class. It inspects error
// types and sentinels, never message text on the hot path; the text match at
// the end only covers errors that libraries return as plain strings.
func classifyError(err error) ErrorClass {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var alertErr tls.AlertError
	var netErr net.Error
	switch {
	case generatorResource(err):
		return ClassGenerator
	case errors.Is(err, errHTTP2Refused):
		return ClassProtocol
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		return ClassTimeout
	case errors.As(err, &dnsErr):
		return ClassDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, fasthttp.ErrConnectionClosed):
		return ClassReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &unknownAuth),
		errors.As(err, &hostErr), errors.As(err, &invalidCert), errors.As(err, &alertErr):
		return ClassTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return ClassTimeout
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "GOAWAY"), strings.Contains(msg, "REFUSED_STREAM"), strings.Contains(msg, "PROTOCOL_ERROR"),
		strings.Contains(msg, "http2: "), strings.Contains(msg, "stream error: "):
		// net/http's HTTP/2 errors are unexported types: their text is all
		// there is to go on.
		return ClassProtocol
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"):
		return ClassTLS
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"):
		return ClassReset
	}
	return ClassOther
}

// generatorResource reports whether err says the generator's own machine
// ran out of something a request needs: a local port (EADDRNOTAVAIL, a
// generator opening connections faster than closed ones leave TIME_WAIT),
// a file descriptor (EMFILE, ENFILE), or buffer memory (ENOBUFS). The
// target never saw such a request.
func generatorResource(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EMFILE) ||
		errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOBUFS)
}
