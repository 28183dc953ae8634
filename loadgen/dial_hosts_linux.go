//go:build linux

package loadgen

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// hostCache resolves each host:port a dialer dials once, as fasthttp's
// dialer does: a name's addresses are kept for dnsCacheDuration, after
// which one dial resolves it again while the others go on with the old
// ones; an IP literal is parsed once and kept. A name with IPv4
// addresses is dialed at those alone, as fasthttp's dialer does (so a
// name that also has IPv6 addresses, such as localhost, reaches the same
// servers as before); one with only IPv6 addresses, and an IPv6 literal
// ([::1]), at its IPv6 ones.
type hostCache struct {
	hosts sync.Map // host:port → *resolvedHost
}

// dnsCacheDuration is how long a name's addresses are kept
// (fasthttp.DefaultDNSCacheDuration).
const dnsCacheDuration = time.Minute

// resolvedHost is what a host:port resolved to.
type resolvedHost struct {
	addrs      []sockTarget
	resolved   time.Time     // zero for an IP literal: never resolved again
	next       atomic.Uint32 // the address the last dial started with
	refreshing atomic.Bool   // a dial is resolving the name again
}

// lookup returns addr's addresses, resolving addr when it is new or its
// addresses are older than dnsCacheDuration, within deadline.
func (c *hostCache) lookup(ctx context.Context, addr string, deadline time.Time) (*resolvedHost, error) {
	v, ok := c.hosts.Load(addr)
	h, _ := v.(*resolvedHost)
	if ok && (h.resolved.IsZero() || time.Since(h.resolved) <= dnsCacheDuration || !h.refreshing.CompareAndSwap(false, true)) {
		return h, nil
	}
	fresh, err := resolveHost(ctx, addr, deadline)
	if err != nil {
		if h != nil {
			h.refreshing.Store(false) // the next dial tries again
		}
		return nil, err
	}
	c.hosts.Store(addr, fresh)
	return fresh, nil
}

// resolveHost reads addr (host:port) and resolves its host, unless it is
// an IP literal.
func resolveHost(ctx context.Context, addr string, deadline time.Time) (*resolvedHost, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, &net.AddrError{Err: "invalid port", Addr: addr}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		a := &net.TCPAddr{IP: ip.AsSlice(), Port: int(port), Zone: ip.Zone()}
		return &resolvedHost{addrs: []sockTarget{newSockTarget(a)}}, nil
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	h := &resolvedHost{resolved: time.Now()}
	for _, v4 := range []bool{true, false} {
		for _, ip := range ips {
			if (ip.IP.To4() != nil) == v4 {
				h.addrs = append(h.addrs, newSockTarget(&net.TCPAddr{IP: ip.IP, Port: int(port), Zone: ip.Zone}))
			}
		}
		if len(h.addrs) > 0 {
			return h, nil
		}
	}
	return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
}
