package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// Resolver looks up the addresses of a host name. *net.Resolver satisfies
// it; tests substitute a fixed table.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Non-public IPv4 ranges beyond what netip's IsGlobalUnicast and IsPrivate
// already exclude (loopback, link-local, multicast, limited broadcast,
// unspecified, RFC 1918). From the IANA special-purpose registry (RFC 6890
// and successors).
var blocked4 = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network" (RFC 791)
	netip.MustParsePrefix("10.0.0.0/8"),      // private (RFC 1918)
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space, CGNAT (RFC 6598)
	netip.MustParsePrefix("127.0.0.0/8"),     // loopback
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local, cloud metadata (RFC 3927)
	netip.MustParsePrefix("172.16.0.0/12"),   // private (RFC 1918)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1 (RFC 5737)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast (RFC 7526)
	netip.MustParsePrefix("192.168.0.0/16"),  // private (RFC 1918)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking (RFC 2544)
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2 (RFC 5737)
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3 (RFC 5737)
	netip.MustParsePrefix("224.0.0.0/4"),     // multicast
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and 255.255.255.255 broadcast
}

// Non-public IPv6 ranges. Ranges that embed an IPv4 address (NAT64,
// 6to4) are judged by the embedded address instead; see isPublic.
var blocked6 = []netip.Prefix{
	netip.MustParsePrefix("::/96"),           // unspecified, loopback, IPv4-compatible (deprecated)
	netip.MustParsePrefix("::ffff:0:0/96"),   // IPv4-mapped (unmapped before this check)
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (RFC 2765)
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("100::/64"),        // discard-only (RFC 6666)
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, incl. Teredo (RFC 2928)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation (RFC 3849)
	netip.MustParsePrefix("3fff::/20"),       // documentation (RFC 9637)
	netip.MustParsePrefix("5f00::/16"),       // SRv6 SIDs (RFC 9602)
	netip.MustParsePrefix("fc00::/7"),        // unique local (RFC 4193)
	netip.MustParsePrefix("fe80::/10"),       // link-local
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated, RFC 3879)
	netip.MustParsePrefix("ff00::/8"),        // multicast
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: last 32 bits are IPv4
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: bits 16–47 are IPv4
)

// isPublic reports whether a is a public unicast address that the fetcher
// may connect to by default. It is false for the invalid address, for
// loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified,
// multicast, broadcast, documentation and reserved ranges, and for IPv6
// forms that carry such an IPv4 address (IPv4-mapped, NAT64, 6to4).
func isPublic(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.WithZone("") // Prefix.Contains never matches a zoned address
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		return public4(a)
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range blocked6 {
		if p.Contains(a) {
			return false
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return public4(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(a):
		return public4(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return true
}

func public4(a netip.Addr) bool {
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range blocked4 {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// dialer resolves the host itself, refuses the whole host when any of its
// addresses is not public, and dials the checked addresses by number, so
// that the address connected to is the address checked (no second lookup a
// rebinding DNS server could answer differently). The net.Dialer's Control
// hook checks the socket's address once more just before connect.
type dialer struct {
	resolver     Resolver
	allowPrivate bool
	net          net.Dialer
}

func newDialer(r Resolver, allowPrivate bool) *dialer {
	d := &dialer{resolver: r, allowPrivate: allowPrivate}
	if !allowPrivate {
		d.net.Control = control
	}
	return d
}

// control is the last-moment check on the address the socket connects to.
func control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !isPublic(ap.Addr()) {
		return newError(ErrForbiddenAddress, fmt.Errorf("connect to %s refused", address))
	}
	return nil
}

func (d *dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return nil, newError(ErrUnreachable, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, newError(ErrUnreachable, fmt.Errorf("bad port %q", portStr))
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = d.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			if ctx.Err() != nil {
				return nil, err // classified as timeout or cancellation by the caller
			}
			return nil, newError(ErrUnreachable, err)
		}
	}
	if len(addrs) == 0 {
		return nil, newError(ErrUnreachable, fmt.Errorf("no addresses for %s", host))
	}
	if !d.allowPrivate {
		for _, a := range addrs {
			if !isPublic(a) {
				return nil, newError(ErrForbiddenAddress, fmt.Errorf("%s resolves to %s", host, a))
			}
		}
	}
	var errs []error
	for _, a := range addrs {
		if a.Is4In6() {
			a = a.Unmap()
		}
		conn, err := d.net.DialContext(ctx, network, netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		var fe *Error
		if errors.As(err, &fe) {
			return nil, fe
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}
